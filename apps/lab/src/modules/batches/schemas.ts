import { type Static, Type } from 'typebox';
import {
  Code,
  ListQuery,
  NullableString,
  Page,
  Reason,
  Timestamp,
} from '../../platform/http/common-schemas.ts';
import { signerCredentials } from '../../platform/signatures/credentials-schema.ts';

export const BATCH_SORTS = ['-created_at', 'created_at', 'batch_id', 'status'] as const;

const BatchStatus = Type.Union([Type.Literal('active'), Type.Literal('released'), Type.Literal('rejected')]);

export const BatchParams = Type.Object({ batchId: Code });

export const BatchCreate = Type.Object(
  { batch_id: Code, project_id: Code, description: Type.Optional(Type.String({ maxLength: 2000 })) },
  {
    additionalProperties: false,
    examples: [
      {
        batch_id: 'STAB-2026-B01',
        project_id: 'STAB-2026',
        description: 'T0 pull, lots L-2026-07 and L-2026-08',
      },
    ],
  },
);
export type BatchCreate = Static<typeof BatchCreate>;

export const BatchQuery = ListQuery(
  {
    project_id: Type.Optional(Code),
    status: Type.Optional(BatchStatus),
  },
  BATCH_SORTS,
);
export type BatchQuery = Static<typeof BatchQuery>;

export const BatchUpdate = Type.Object(
  {
    description: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
    reason: Reason,
  },
  {
    additionalProperties: false,
    examples: [{ description: 'T0 pull, lot L-2026-07 only', reason: 'Lot L-2026-08 moved to batch B02' }],
  },
);
export type BatchUpdate = Static<typeof BatchUpdate>;

/** Release or reject: the signer's password (and MFA code, where enrolled) and the reason signed. */
export const BatchDecision = Type.Object(
  {
    ...signerCredentials,
    reason: Reason,
  },
  {
    additionalProperties: false,
    examples: [
      {
        user_id: 'qa.lead@lab.example',
        password: 'Quartz-Lantern-7-signer',
        mfa_code: '492817',
        reason: 'QA release after review',
      },
    ],
  },
);
export type BatchDecision = Static<typeof BatchDecision>;

export const BatchView = Type.Object(
  {
    batch_id: Type.String(),
    project_id: Type.String(),
    status: BatchStatus,
    description: NullableString(),
    lab_id: NullableString({ description: 'Code of the lab the batch belongs to' }),
    created_by: Type.String(),
    created_at: Timestamp,
    updated_at: Timestamp,
    decided_by: NullableString({ description: 'Who released or rejected it' }),
    decided_at: Type.Union([Timestamp, Type.Null()]),
    decision_signature_id: NullableString({ description: 'The electronic signature of the decision' }),
  },
  { title: 'Batch', additionalProperties: false },
);
export type BatchView = Static<typeof BatchView>;

export const BatchDetail = Type.Object(
  { ...BatchView.properties, sample_count: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);
export type BatchDetail = Static<typeof BatchDetail>;

export const BatchList = Page(BatchView);
export type BatchList = Static<typeof BatchList>;
