import {
  date,
  doublePrecision,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { deviceHubs, labs } from './sites.ts';

export const devices = pgTable(
  'devices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    deviceId: text('device_id').notNull().unique(),
    vendor: text('vendor').notNull(),
    model: text('model').notNull(),
    serialNumber: text('serial_number').notNull(),
    deviceType: text('device_type').notNull(),
    location: text('location'),
    labId: uuid('lab_id').references(() => labs.id),
    hubId: uuid('hub_id').references(() => deviceHubs.id),
    capabilities: jsonb('capabilities').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('devices_vendor_serial_unique').on(t.vendor, t.serialNumber),
    index('devices_lab_id_idx').on(t.labId),
    index('devices_device_type_idx').on(t.deviceType),
  ],
);

export const deviceStatus = pgTable(
  'device_status',
  {
    deviceId: uuid('device_id')
      .primaryKey()
      .references(() => devices.id),
    status: text('status').notNull().default('operational'),
    lastCalibrationDate: date('last_calibration_date'),
    nextCalibrationDue: date('next_calibration_due'),
    healthScore: doublePrecision('health_score'),
    notes: text('notes'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('device_status_next_due_idx').on(t.nextCalibrationDue),
    index('device_status_status_idx').on(t.status),
  ],
);
