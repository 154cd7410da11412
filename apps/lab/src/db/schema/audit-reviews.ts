import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './identity.ts';
import { labs } from './sites.ts';

// A periodic review of the audit trail as a signed record (modules/audit-reviews): a range of the one
// hash chain, the hashes at its ends and the chain's verification when the review was created. Only
// the signing step changes a row (status, signer, signature id); its content is fixed at creation.
export const auditTrailReviews = pgTable(
  'audit_trail_reviews',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The reviewer's lab, for provenance: the chain itself is one for every lab. */
    labId: uuid('lab_id').references(() => labs.id),
    fromSeq: bigint('from_seq', { mode: 'number' }).notNull(),
    toSeq: bigint('to_seq', { mode: 'number' }).notNull(),
    fromHash: text('from_hash').notNull(),
    toHash: text('to_hash').notNull(),
    /** Every event of the range verified, from the genesis, against the signed checkpoints. */
    rangeValid: boolean('range_valid').notNull(),
    firstInvalidSeq: bigint('first_invalid_seq', { mode: 'number' }),
    failureReason: text('failure_reason'),
    /** The whole trail's verdict at creation: valid, unsealed or broken. */
    chainStatus: text('chain_status').notNull(),
    eventsChecked: integer('events_checked').notNull(),
    comment: text('comment').notNull(),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.email),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    status: text('status').notNull().default('open'),
    signedBy: text('signed_by').references(() => users.email),
    signedAt: timestamp('signed_at', { withTimezone: true }),
    signatureId: uuid('signature_id'),
  },
  (t) => [
    check('audit_trail_reviews_range_check', sql`${t.fromSeq} >= 1 AND ${t.toSeq} >= ${t.fromSeq}`),
    check('audit_trail_reviews_status_check', sql`${t.status} IN ('open', 'signed')`),
    check('audit_trail_reviews_chain_status_check', sql`${t.chainStatus} IN ('valid', 'unsealed', 'broken')`),
    index('audit_trail_reviews_created_at_idx').on(t.createdAt),
  ],
);
