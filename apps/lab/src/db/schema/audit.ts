import { bigint, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

// The hash-chained audit trail (21 CFR 11.10(e)). `seq` is assigned under a transaction-scoped advisory
// lock as last + 1, so it is gapless; `hash` is SHA-256 over the RFC 8785 canonical JSON of every other
// column. Triggers (migration 0000) reject UPDATE, DELETE and TRUNCATE.
export const auditEvents = pgTable(
  'audit_events',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    ts: timestamp('ts', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    reason: text('reason'),
    requestId: text('request_id'),
    ip: text('ip'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull().unique(),
  },
  (t) => [
    // Record history is read by entity, never by scanning recent rows.
    index('audit_events_entity_idx').on(t.entityType, t.entityId, t.seq),
    index('audit_events_actor_idx').on(t.actor, t.seq),
    index('audit_events_action_idx').on(t.action, t.seq),
    index('audit_events_ts_idx').on(t.ts),
  ],
);

/** Public halves of the server's Ed25519 keys, so checkpoints and signatures verify after a key rotation. */
export const signingKeys = pgTable('signing_keys', {
  keyId: text('key_id').primaryKey(),
  publicKeyPem: text('public_key_pem').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Signed chain heads: they catch a truncated tail and a chain recomputed wholesale. */
export const auditCheckpoints = pgTable('audit_checkpoints', {
  seq: bigint('seq', { mode: 'number' })
    .primaryKey()
    .references(() => auditEvents.seq),
  hash: text('hash').notNull(),
  ts: text('ts').notNull(),
  keyId: text('key_id')
    .notNull()
    .references(() => signingKeys.keyId),
  signature: text('signature').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
