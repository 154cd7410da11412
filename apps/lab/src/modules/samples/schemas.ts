import { type Static, Type } from 'typebox';
import {
  Code,
  Decimal,
  Json,
  Limit,
  literalUnion,
  NullableString,
  Offset,
  Reason,
  ReasonQuery,
  Sort,
  Timestamp,
} from '../../platform/http/common-schemas.ts';
import { SAMPLE_STATUSES } from './sample-status.ts';

export const BULK_LIMIT = 100;
export const LINEAGE_MAX_DEPTH = 25;
export const SAMPLE_SORTS = ['created_at', '-created_at', 'sample_id', '-sample_id', 'status'] as const;
export type SampleSort = (typeof SAMPLE_SORTS)[number];

const Quantity = Decimal({ minimum: 0 });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
export const SampleStatus = literalUnion(SAMPLE_STATUSES);

export const SampleParams = Type.Object({ sampleId: Code });

const SampleFields = {
  sample_id: Type.Optional(Code),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  lot_number: Type.Optional(Type.String({ maxLength: 100 })),
  project_id: Type.Optional(Code),
  batch_id: Type.Optional(Code),
  container_id: Type.Optional(Code),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('quarantined')])),
  quantity: Type.Optional(Quantity),
  unit: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
  metadata: Type.Optional(Json),
  lab_id: Type.Optional(Code),
};
const exampleSample = {
  sample_id: 'S-2026-000123',
  name: 'Form II retain, 40 °C / 75% RH, T3',
  lot_number: 'L-2026-07',
  project_id: 'STAB-2026',
  batch_id: 'STAB-2026-B01',
  container_id: 'BOX-F80-0312',
  quantity: 25,
  unit: 'mL',
  metadata: { matrix: 'plasma', storage: '-80 °C' },
};

/** A new sample; `sample_id` is generated from the configured pattern when omitted. */
export const SampleCreate = Type.Object(SampleFields, {
  additionalProperties: false,
  examples: [exampleSample],
});
export type SampleInput = Static<typeof SampleCreate>;

export const SampleBulkCreate = Type.Object(
  {
    samples: Type.Array(Type.Object(SampleFields, { additionalProperties: false }), {
      minItems: 1,
      maxItems: BULK_LIMIT,
    }),
  },
  {
    additionalProperties: false,
    examples: [
      {
        samples: [
          { ...exampleSample, sample_id: 'S-2026-000124' },
          { project_id: 'STAB-2026', name: 'Placebo retain', quantity: 10, unit: 'mL' },
        ],
      },
    ],
  },
);

export const SampleUpdate = Type.Object(
  {
    name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    lot_number: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    project_id: Type.Optional(Nullable(Code)),
    batch_id: Type.Optional(Nullable(Code)),
    container_id: Type.Optional(Nullable(Code)),
    status: Type.Optional(SampleStatus),
    quantity: Type.Optional(Nullable(Quantity)),
    unit: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 20 }))),
    metadata: Type.Optional(Json),
    reason: Reason,
  },
  {
    additionalProperties: false,
    examples: [{ status: 'quarantined', reason: 'OOS assay result under investigation' }],
  },
);
export type SamplePatch = Static<typeof SampleUpdate>;

export const SampleSplit = Type.Object(
  {
    children: Type.Array(
      Type.Object(
        {
          quantity: Decimal({ exclusiveMinimum: 0 }),
          sample_id: Type.Optional(Code),
          name: Type.Optional(Type.String({ maxLength: 200 })),
          container_id: Type.Optional(Code),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: BULK_LIMIT },
    ),
    relationship: Type.Optional(Type.Union([Type.Literal('aliquot'), Type.Literal('derivative')])),
    reason: Type.Optional(Reason),
  },
  {
    additionalProperties: false,
    examples: [
      {
        children: [
          { quantity: 5, sample_id: 'S-2026-000123.1' },
          { quantity: 5, sample_id: 'S-2026-000123.2', container_id: 'BOX-F80-0313' },
        ],
        relationship: 'aliquot',
        reason: 'Aliquots for assay and retain',
      },
    ],
  },
);
export type SampleSplit = Static<typeof SampleSplit>;

export const SampleWorkflowAssignment = Type.Object(
  { run_id: Code, reason: Type.Optional(Reason) },
  { additionalProperties: false, examples: [{ run_id: 'RUN-2026-0042', reason: 'Scheduled T3 assay' }] },
);
export type SampleWorkflowAssignment = Static<typeof SampleWorkflowAssignment>;

const Filters = {
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Free text over sample_id, name, lot and metadata',
    }),
  ),
  status: Type.Optional(SampleStatus),
  project_id: Type.Optional(Code),
  batch_id: Type.Optional(Code),
  container_id: Type.Optional(Code),
  parent_id: Type.Optional(Code),
  include_deleted: Type.Optional(Type.Boolean()),
  sort: Sort(SAMPLE_SORTS),
};

export const SampleListQuery = Type.Object(
  {
    limit: Limit,
    offset: Offset,
    cursor: Type.Optional(Type.String({ maxLength: 500, description: 'next_cursor of the previous page' })),
    ...Filters,
  },
  { additionalProperties: false },
);
export type SampleListQuery = Static<typeof SampleListQuery>;

export const SampleExportQuery = Type.Object(Filters, { additionalProperties: false });
export type SampleFilters = Static<typeof SampleExportQuery>;

export const SampleDeleteQuery = ReasonQuery;

export const SampleLineageQuery = Type.Object({
  depth: Type.Integer({ minimum: 1, maximum: LINEAGE_MAX_DEPTH, default: 5 }),
});

export const SampleHistoryQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
  // Audit seq is a bigint read as a JavaScript number: safe integers are the ones that exist.
  after_seq: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
});
export type SampleHistoryQuery = Static<typeof SampleHistoryQuery>;

export const SampleView = Type.Object(
  {
    sample_id: Type.String(),
    name: NullableString(),
    lot_number: NullableString(),
    project_id: NullableString(),
    batch_id: NullableString(),
    container_id: NullableString(),
    parent_sample_id: NullableString({ description: 'The sample this one was split from' }),
    status: SampleStatus,
    quantity: Type.Union([Type.Number(), Type.Null()]),
    unit: NullableString(),
    metadata: Json,
    lab_id: NullableString({ description: 'Code of the lab the sample belongs to' }),
    created_by: Type.String(),
    created_at: Timestamp,
    updated_at: Timestamp,
    deleted_at: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'Sample', additionalProperties: false },
);
export type SampleView = Static<typeof SampleView>;

export const SampleDetail = Type.Object(
  {
    ...SampleView.properties,
    parent_chain: Type.Array(
      Type.Object({ sample_id: Type.String(), status: SampleStatus }, { additionalProperties: false }),
      { description: 'Parent, grandparent ... nearest first' },
    ),
    children: Type.Array(
      Type.Object(
        {
          sample_id: Type.String(),
          status: SampleStatus,
          quantity: Type.Union([Type.Number(), Type.Null()]),
        },
        { additionalProperties: false },
      ),
      { description: 'Direct children (aliquots and derivatives)' },
    ),
  },
  { additionalProperties: false },
);
export type SampleDetail = Static<typeof SampleDetail>;

export const SampleList = Type.Object(
  {
    items: Type.Array(SampleView),
    next_offset: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    next_cursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page (keyset paging); null on the last page',
    }),
  },
  { additionalProperties: false },
);
export type SampleList = Static<typeof SampleList>;

export const SampleBulkResult = Type.Object(
  { items: Type.Array(SampleView) },
  { additionalProperties: false },
);

export const SampleSplitResult = Type.Object(
  { parent: SampleView, children: Type.Array(SampleView) },
  { additionalProperties: false },
);
export type SampleSplitResult = Static<typeof SampleSplitResult>;

/** A node of a lineage tree; ancestors carry `parents`, descendants `children` (recursive). */
export interface SampleLineageNode {
  sample_id: string;
  status: SampleStatus;
  quantity: number | null;
  unit: string | null;
  relationship: 'aliquot' | 'derivative';
  /** Quantity moved along this edge at the split. */
  edge_quantity: number | null;
  children?: SampleLineageNode[];
  parents?: SampleLineageNode[];
}
export type SampleStatus = Static<typeof SampleStatus>;

// The tree refers to itself: the reference names the component the document holds it as.
const LineageSubtree = Type.Array(
  Type.Unsafe<SampleLineageNode>({ $ref: '#/components/schemas/SampleLineageNode' }),
);
export const SampleLineageNode = Type.Object(
  {
    sample_id: Type.String(),
    status: SampleStatus,
    quantity: Type.Union([Type.Number(), Type.Null()]),
    unit: NullableString(),
    relationship: Type.Union([Type.Literal('aliquot'), Type.Literal('derivative')]),
    edge_quantity: Type.Union([Type.Number(), Type.Null()], {
      description: 'Quantity moved along this edge at the split',
    }),
    children: Type.Optional(LineageSubtree),
    parents: Type.Optional(LineageSubtree),
  },
  { title: 'SampleLineageNode', additionalProperties: false },
);

export const SampleLineage = Type.Object(
  {
    sample_id: Type.String(),
    depth: Type.Integer({ minimum: 1, maximum: LINEAGE_MAX_DEPTH }),
    quantity: Type.Union([Type.Number(), Type.Null()]),
    unit: NullableString(),
    ancestors: Type.Array(SampleLineageNode),
    descendants: Type.Array(SampleLineageNode),
  },
  { additionalProperties: false },
);
export type SampleLineage = Static<typeof SampleLineage>;

export const SampleHistory = Type.Object(
  {
    sample_id: Type.String(),
    items: Type.Array(
      Type.Object(
        {
          seq: Type.Integer({ minimum: 1 }),
          ts: Timestamp,
          actor: Type.String(),
          action: Type.String({ description: 'sample.created, sample.updated, sample.moved ...' }),
          before: Type.Unknown({ description: 'The sample before the change (null on creation)' }),
          after: Type.Unknown({ description: 'The sample after the change' }),
          reason: NullableString(),
          hash: Type.String({ description: 'Hash of the audit event in the chain' }),
        },
        { additionalProperties: false },
      ),
    ),
    next_after_seq: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
      description: 'Pass as `after_seq` for the next page; null on the last page',
    }),
  },
  { additionalProperties: false },
);
export type SampleHistory = Static<typeof SampleHistory>;

export const SampleWorkflowAssigned = Type.Object(
  { sample_id: Type.String(), run_id: Type.String(), assigned_by: Type.String() },
  { additionalProperties: false },
);
export type SampleWorkflowAssigned = Static<typeof SampleWorkflowAssigned>;
