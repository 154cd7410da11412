import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { signingKeys } from './audit.ts';
import { users } from './identity.ts';

// Electronic signatures (21 CFR 11.50, 11.70): immutable rows (triggers in migration 0000) binding the
// signer, meaning and time to the SHA-256 of the record's canonical JSON, countersigned by the server.
export const electronicSignatures = pgTable(
  'electronic_signatures',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    recordType: text('record_type').notNull(),
    recordId: text('record_id').notNull(),
    recordHash: text('record_hash').notNull(),
    signerEmail: text('signer_email')
      .notNull()
      .references(() => users.email),
    signerName: text('signer_name').notNull(),
    meaning: text('meaning').notNull(),
    reason: text('reason'),
    /** Database time at signing; millisecond precision so its ISO text is exactly what the server signed. */
    signedAt: timestamp('signed_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    keyId: text('key_id')
      .notNull()
      .references(() => signingKeys.keyId),
    serverSignature: text('server_signature').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('electronic_signatures_record_idx').on(t.recordType, t.recordId),
    index('electronic_signatures_signer_idx').on(t.signerEmail),
  ],
);
