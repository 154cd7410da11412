import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './identity.ts';
import { labs } from './sites.ts';

// Idempotency keys (IETF draft-ietf-httpapi-idempotency-key-header): a create's response, stored in the
// transaction that made the record, so a retried request gets it back instead of a duplicate record.
// Not a regulated record: the record itself carries the audit event; these rows expire and are purged.
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Keys are the caller's own: another user's identical key is a different key. */
    principal: text('principal')
      .notNull()
      .references(() => users.email),
    /** The caller's lab when the key was used. */
    labId: uuid('lab_id').references(() => labs.id),
    key: text('key').notNull(),
    /** SHA-256 of the operation, its path parameters and its canonical JSON body. */
    fingerprint: text('fingerprint').notNull(),
    status: integer('status').notNull(),
    /** The response body exactly as first sent (JSON text), so a replay is byte for byte the same. */
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('idempotency_keys_principal_key_idx').on(t.principal, t.key),
    index('idempotency_keys_expires_at_idx').on(t.expiresAt),
  ],
);
