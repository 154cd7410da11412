import { type Static, Type } from 'typebox';
import {
  Limit,
  NullableString,
  Offset,
  Page,
  Reason,
  Timestamp,
} from '../../platform/http/common-schemas.ts';
import { signerCredentials } from '../../platform/signatures/credentials-schema.ts';

const Seq = (description: string) =>
  Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description });

export const AuditTrailReviewParams = Type.Object({ reviewId: Type.String({ format: 'uuid' }) });

export const AuditTrailReviewCreate = Type.Object(
  {
    from_seq: Seq('The first audit event reviewed (its seq)'),
    to_seq: Seq('The last audit event reviewed, at or after from_seq'),
    comment: Type.String({ minLength: 3, maxLength: 4000, description: 'What the review found' }),
  },
  {
    additionalProperties: false,
    examples: [
      {
        from_seq: 1,
        to_seq: 20,
        comment: 'Review of the first 20 events: the start-up and the first logins; no findings',
      },
    ],
  },
);
export type AuditTrailReviewCreate = Static<typeof AuditTrailReviewCreate>;

export const AuditTrailReviewSign = Type.Object(
  {
    ...signerCredentials,
    reason: Type.Optional(Reason),
  },
  {
    additionalProperties: false,
    examples: [{ user_id: 'qa.lead@lab.example', password: 'Quartz-Lantern-7-signer' }],
  },
);
export type AuditTrailReviewSign = Static<typeof AuditTrailReviewSign>;

export const AuditTrailReviewQuery = Type.Object(
  { limit: Limit, offset: Offset },
  { additionalProperties: false },
);
export type AuditTrailReviewQuery = Static<typeof AuditTrailReviewQuery>;

const Verification = Type.Object(
  {
    range_valid: Type.Boolean({
      description:
        'Every event of the range verified, chained from the genesis and against the signed checkpoints',
    }),
    first_invalid_seq: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Where verification failed, at or before to_seq; null when the range verified',
    }),
    reason: NullableString({ description: 'Why it failed there, e.g. hash_mismatch' }),
    chain_status: Type.Union([Type.Literal('valid'), Type.Literal('unsealed'), Type.Literal('broken')], {
      description:
        "The whole trail's verdict when the review was created (as GET /api/compliance/audit/verify)",
    }),
    events_checked: Type.Integer({
      minimum: 0,
      description:
        'Events the verification examined: the chain from seq 1 to its head, or to the first failure',
    }),
  },
  { additionalProperties: false },
);

export const AuditTrailReviewView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    lab_id: NullableString({ description: "Code of the reviewer's lab (the chain is one for every lab)" }),
    from_seq: Type.Integer({ minimum: 1 }),
    to_seq: Type.Integer({ minimum: 1 }),
    events: Type.Integer({ minimum: 1, description: 'to_seq - from_seq + 1' }),
    from_hash: Type.String({ description: 'Hash of the event at from_seq' }),
    to_hash: Type.String({ description: 'Hash of the event at to_seq' }),
    verification: Verification,
    comment: Type.String(),
    created_by: Type.String(),
    created_at: Timestamp,
    status: Type.Union([Type.Literal('open'), Type.Literal('signed')], {
      description: 'open until someone other than its creator signs it `audit_trail_reviewed`',
    }),
    signed_by: NullableString(),
    signed_at: Type.Union([Timestamp, Type.Null()]),
    signature_id: NullableString({ description: 'The electronic signature of the review' }),
  },
  { title: 'AuditTrailReview', additionalProperties: false },
);
export type AuditTrailReviewView = Static<typeof AuditTrailReviewView>;

export const AuditTrailReviewList = Page(AuditTrailReviewView);
export type AuditTrailReviewList = Static<typeof AuditTrailReviewList>;
