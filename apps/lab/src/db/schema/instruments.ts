import { sql } from 'drizzle-orm';
import { check, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { devices } from './devices.ts';
import { users } from './identity.ts';

// How the lab reaches a LIMS device: the driver kind it is and its transport (the simulated reactor
// in-process, or an instrument speaking SCPI over TCP at host:port). A device without a binding cannot
// be used by a run.
export const instrumentBindings = pgTable(
  'instrument_bindings',
  {
    deviceId: uuid('device_id')
      .primaryKey()
      .references(() => devices.id),
    kind: text('kind').notNull(),
    transport: text('transport').notNull(),
    host: text('host'),
    port: integer('port'),
    updatedBy: text('updated_by')
      .notNull()
      .references(() => users.email),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check(
      'instrument_bindings_kind_check',
      sql`${t.kind} IN ('spectrometer', 'temperature_controller', 'daq')`,
    ),
    check('instrument_bindings_transport_check', sql`${t.transport} IN ('simulator', 'scpi')`),
    check(
      'instrument_bindings_address_check',
      sql`(${t.transport} = 'scpi' AND ${t.host} IS NOT NULL AND ${t.port} BETWEEN 1 AND 65535) OR (${t.transport} = 'simulator' AND ${t.host} IS NULL AND ${t.port} IS NULL)`,
    ),
  ],
);
