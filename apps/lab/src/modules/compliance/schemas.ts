import { type Static, Type } from 'typebox';
import { NullableString, Timestamp, TimestampInput } from '../../platform/http/common-schemas.ts';

export const AuditEventView = Type.Object(
  {
    seq: Type.Integer({ minimum: 1, description: '1, 2, 3 ... without gaps' }),
    ts: Timestamp,
    actor: Type.String(),
    action: Type.String({ description: 'e.g. sample.created, auth.login_failed' }),
    entity_type: Type.String(),
    entity_id: NullableString(),
    before: Type.Unknown({ description: 'The record before the change (JSON), or null' }),
    after: Type.Unknown({ description: 'The record after the change (JSON), or null' }),
    reason: NullableString(),
    request_id: NullableString(),
    ip: NullableString(),
    prev_hash: Type.String({ description: 'hash of the previous event (SHA-256 hex)' }),
    hash: Type.String({
      description: 'SHA-256 of this event, including prev_hash (RFC 8785 canonical JSON)',
    }),
  },
  { title: 'AuditEvent', additionalProperties: false },
);

export const AuditQuery = Type.Object({
  entity_type: Type.Optional(Type.String({ maxLength: 64 })),
  entity_id: Type.Optional(Type.String({ maxLength: 256 })),
  actor: Type.Optional(Type.String({ maxLength: 254 })),
  action: Type.Optional(Type.String({ maxLength: 128 })),
  from: Type.Optional(TimestampInput('Events at or after')),
  to: Type.Optional(TimestampInput('Events before')),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
    default: 'asc',
    description: 'asc: oldest first (seq order); desc: newest first, e.g. for recent activity',
  }),
  cursor: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'The last seq of the previous page (the next page continues past it in `order`)',
    }),
  ),
});
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditEventPage = Type.Object(
  {
    items: Type.Array(AuditEventView),
    next_cursor: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Pass as cursor for the next page; null on the last one',
    }),
  },
  { additionalProperties: false },
);

export const ChainVerificationView = Type.Object(
  {
    valid: Type.Boolean(),
    checked: Type.Integer({ minimum: 0, description: 'Events examined, up to the first invalid one' }),
    first_invalid_seq: Type.Union([Type.Integer(), Type.Null()]),
    reason: NullableString({ description: 'Why the chain fails verification, e.g. hash_mismatch' }),
    status: Type.Union([Type.Literal('valid'), Type.Literal('unsealed'), Type.Literal('broken')], {
      description:
        'valid: intact and sealed on schedule. unsealed: intact, but checkpoints the interval calls for are missing or the tail after the last checkpoint is older than two checkpoint periods (a stop between a commit and its checkpoint; verify, then sign late). broken: a hash, link, sequence or signature does not verify',
    }),
    unsealed: Type.Union([
      Type.Object(
        {
          count: Type.Integer({ minimum: 1 }),
          first_seq: Type.Integer({ minimum: 1 }),
          oldest_ts: Timestamp,
          age_seconds: Type.Number({ minimum: 0, description: "By the database's clock" }),
        },
        {
          additionalProperties: false,
          description: 'Events after the last checkpoint: their hashes chain, no signature covers them yet',
        },
      ),
      Type.Null(),
    ]),
    missing_checkpoints: Type.Union([
      Type.Object(
        { count: Type.Integer({ minimum: 1 }), first_seq: Type.Integer({ minimum: 1 }) },
        {
          additionalProperties: false,
          description:
            'Checkpoints the interval calls for that do not exist; POST /api/compliance/audit/checkpoints/missing signs them',
        },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);

export const AuditCheckpoint = Type.Object(
  {
    seq: Type.Integer({ minimum: 1 }),
    hash: Type.String(),
    ts: Timestamp,
    key_id: Type.String(),
    signature: Type.String({ description: 'Ed25519 (base64url) over seq, hash and ts' }),
  },
  { title: 'AuditCheckpoint', additionalProperties: false },
);

export const AuditCheckpointList = Type.Object(
  { items: Type.Array(AuditCheckpoint) },
  { additionalProperties: false },
);

export const SignedMissingCheckpoints = Type.Object(
  { signed: Type.Array(Type.Integer({ minimum: 1 }), { description: 'seq of each checkpoint signed now' }) },
  { additionalProperties: false },
);

export const AuditExportQuery = Type.Object({
  format: Type.Union([Type.Literal('csv'), Type.Literal('jsonl')], { default: 'jsonl' }),
});
