import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { signingKeys } from './audit.ts';
import { authSessions, users } from './identity.ts';

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
    /**
     * The login session the signing was made in (11.200(a)(1): the first signing of a session takes
     * every component); NULL when the caller did not say (signings made through a sibling module).
     */
    sessionId: uuid('session_id').references(() => authSessions.id),
  },
  (t) => [
    index('electronic_signatures_record_idx').on(t.recordType, t.recordId),
    index('electronic_signatures_signer_idx').on(t.signerEmail),
    // One signature per signer, record content and meaning in a session: a repeated request is refused.
    // Its leading column also finds a session's first signing.
    uniqueIndex('electronic_signatures_session_once_idx')
      .on(t.sessionId, t.signerEmail, t.recordType, t.recordId, t.recordHash, t.meaning)
      .where(sql`${t.sessionId} IS NOT NULL`),
  ],
);
