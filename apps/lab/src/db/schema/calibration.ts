import { date, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { devices } from './devices.ts';
import { users } from './identity.ts';

export const calibrationEntries = pgTable(
  'calibration_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    deviceId: uuid('device_id')
      .notNull()
      .references(() => devices.id),
    calibrationDate: date('calibration_date').notNull(),
    nextDueDate: date('next_due_date'),
    performedBy: text('performed_by')
      .notNull()
      .references(() => users.email),
    /** `valid` or `failed`. */
    result: text('result').notNull(),
    /** Measured values, as recorded by the calibrator. */
    results: jsonb('results').$type<Record<string, unknown>>().notNull().default({}),
    /** Relative to the data directory: certificates/<sha256>. */
    certificatePath: text('certificate_path'),
    certificateSha256: text('certificate_sha256'),
    /** Detected from the bytes, never from the name. */
    certificateContentType: text('certificate_content_type'),
    certificateSize: integer('certificate_size'),
    certificateFilename: text('certificate_filename'),
    referenceStandard: text('reference_standard'),
    notes: text('notes'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('calibration_entries_device_idx').on(t.deviceId, t.calibrationDate),
    index('calibration_entries_next_due_idx').on(t.nextDueDate),
  ],
);
