import { type Static, Type } from 'typebox';
import { WORKFLOW_VERSION_STATUSES } from '../../db/schema/workflows.ts';
import {
  Json,
  Limit,
  ListQuery,
  literalUnion,
  NullableString,
  Offset,
  Page,
  Reason,
  Timestamp,
} from '../../platform/http/common-schemas.ts';
import { signerCredentials } from '../../platform/signatures/credentials-schema.ts';

export const WORKFLOW_SORTS = ['name', '-updated_at'] as const;
export const WorkflowStatus = literalUnion(WORKFLOW_VERSION_STATUSES, {
  description: 'draft -> in_review -> approved -> effective -> retired',
});
export type WorkflowStatus = Static<typeof WorkflowStatus>;

/** The definition's `name`: lower-case, as the definition format requires. */
const WorkflowName = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$', maxLength: 64 });
const VersionNumber = Type.Integer({ minimum: 1, maximum: 1_000_000 });

export const WorkflowParams = Type.Object({ name: WorkflowName });
export const VersionParams = Type.Object({ name: WorkflowName, version: VersionNumber });

const SOURCE_EXAMPLE = [
  'schema_version: 1',
  'name: cooling-crystallization',
  'title: Cooling crystallization',
  'parameters: []',
  'steps:',
  '  - { id: dissolve, type: set_temperature, setpoint_c: 70 }',
  '  - { id: cool, type: ramp_temperature, target_c: 10, rate_c_per_min: 0.5 }',
  '  - { id: final_spectrum, type: acquire_spectrum, integration_time_ms: 500 }',
  '',
].join('\n');

const sourceFields = {
  source: Type.String({
    minLength: 1,
    maxLength: 262_144,
    description: 'The definition as authored (docs/workflows.md); at most 256 KiB',
  }),
  format: literalUnion(['yaml', 'json'] as const),
};

export const WorkflowSource = Type.Object(sourceFields, {
  additionalProperties: false,
  examples: [{ source: SOURCE_EXAMPLE, format: 'yaml' }],
});
export type WorkflowSource = Static<typeof WorkflowSource>;

export const WorkflowEdit = Type.Object(
  { ...sourceFields, reason: Reason },
  {
    additionalProperties: false,
    examples: [{ source: SOURCE_EXAMPLE, format: 'yaml', reason: 'Cool to 10 degC, not 5' }],
  },
);
export type WorkflowEdit = Static<typeof WorkflowEdit>;

/** submit, retire: why, in the user's words (optional on submit). */
export const WorkflowTransition = Type.Object(
  { reason: Type.Optional(Reason) },
  { additionalProperties: false, examples: [{ reason: 'Validated on the pilot reactor' }] },
);
export type WorkflowTransition = Static<typeof WorkflowTransition>;

/** Approval and activation: an electronic signature (meaning `approved`, `made_effective`), re-authenticated. */
export const WorkflowSigning = Type.Object(
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
        reason: 'Reviewed against the validation protocol',
      },
    ],
  },
);
export type WorkflowSigning = Static<typeof WorkflowSigning>;

export const WorkflowVersionView = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'Also the record id its signatures name' }),
    name: Type.String(),
    version: Type.Integer({ minimum: 1 }),
    title: Type.String(),
    status: WorkflowStatus,
    definition_hash: Type.String({ description: 'SHA-256 of the definition as RFC 8785 canonical JSON' }),
    source_format: literalUnion(['yaml', 'json'] as const),
    locked: Type.Boolean({ description: 'Approved or later: the content can never change' }),
    lab_id: NullableString({ description: 'Code of the lab the workflow belongs to' }),
    created_by: Type.String(),
    created_at: Timestamp,
    updated_at: Timestamp,
    submitted_by: NullableString(),
    submitted_at: Type.Union([Timestamp, Type.Null()]),
    approved_by: NullableString(),
    approved_at: Type.Union([Timestamp, Type.Null()]),
    approval_signature_id: NullableString({ description: 'The e-signature (meaning approved)' }),
    effective_by: NullableString(),
    effective_at: Type.Union([Timestamp, Type.Null()]),
    retired_by: NullableString(),
    retired_at: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'WorkflowVersion', additionalProperties: false },
);
export type WorkflowVersionView = Static<typeof WorkflowVersionView>;

export const WorkflowVersionDetail = Type.Object(
  {
    ...WorkflowVersionView.properties,
    source: Type.String({ description: 'As authored' }),
    definition: Json,
  },
  { title: 'WorkflowVersionDetail', additionalProperties: false },
);
export type WorkflowVersionDetail = Static<typeof WorkflowVersionDetail>;

export const WorkflowSummary = Type.Object(
  {
    name: Type.String(),
    title: Type.String({ description: "The latest version's title" }),
    latest_version: Type.Integer({ minimum: 1 }),
    latest_status: WorkflowStatus,
    effective_version: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    updated_at: Timestamp,
  },
  { title: 'WorkflowSummary', additionalProperties: false },
);
export type WorkflowSummary = Static<typeof WorkflowSummary>;

export const WorkflowQuery = ListQuery({ status: Type.Optional(WorkflowStatus) }, WORKFLOW_SORTS);
export type WorkflowQuery = Static<typeof WorkflowQuery>;
export const WorkflowList = Page(WorkflowSummary);
export type WorkflowList = Static<typeof WorkflowList>;

export const WorkflowDetail = Type.Object(
  {
    name: Type.String(),
    latest: WorkflowVersionView,
    effective: Type.Union([WorkflowVersionView, Type.Null()]),
  },
  { additionalProperties: false },
);
export type WorkflowDetail = Static<typeof WorkflowDetail>;

export const WorkflowVersionList = Type.Object(
  { items: Type.Array(WorkflowVersionView, { description: 'Newest first' }) },
  { additionalProperties: false },
);
export type WorkflowVersionList = Static<typeof WorkflowVersionList>;

export const DiffQuery = Type.Object(
  { against: VersionNumber },
  { additionalProperties: false, description: 'The version to compare with (the older side)' },
);
export type DiffQuery = Static<typeof DiffQuery>;

const Change = Type.Object(
  {
    op: literalUnion(['added', 'removed', 'changed', 'moved'] as const),
    pointer: Type.String({ description: 'RFC 6901; into the newer definition, the older for removed' }),
    old: Type.Optional(Type.Unknown()),
    new: Type.Optional(Type.Unknown()),
    from: Type.Optional(Type.String({ description: 'A moved entry: its pointer in the older definition' })),
  },
  { additionalProperties: false },
);

export const WorkflowDiff = Type.Object(
  {
    name: Type.String(),
    from_version: Type.Integer(),
    to_version: Type.Integer(),
    from_hash: Type.String(),
    to_hash: Type.String(),
    changes: Type.Array(Change),
  },
  { title: 'WorkflowDiff', additionalProperties: false },
);
export type WorkflowDiff = Static<typeof WorkflowDiff>;

export const ExecutionQuery = Type.Object({ limit: Limit, offset: Offset }, { additionalProperties: false });
export type ExecutionQuery = Static<typeof ExecutionQuery>;

export const WorkflowExecutionView = Type.Object(
  {
    run_id: Type.String(),
    version: Type.Integer(),
    status: Type.String(),
    operator: Type.String(),
    started_at: Type.Union([Timestamp, Type.Null()]),
    completed_at: Type.Union([Timestamp, Type.Null()]),
    created_at: Timestamp,
  },
  { title: 'WorkflowExecution', additionalProperties: false },
);
export type WorkflowExecutionView = Static<typeof WorkflowExecutionView>;
export const WorkflowExecutionList = Page(WorkflowExecutionView);
export type WorkflowExecutionList = Static<typeof WorkflowExecutionList>;

export const DefinitionJsonSchema = Type.Record(Type.String(), Type.Unknown(), {
  description: 'JSON Schema (draft 2020-12) of the workflow definition format',
});
