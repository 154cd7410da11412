import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { callerOf } from '../../platform/access/lab-scope.ts';
import { Code, Json, Limit, Offset, Reason, ReasonQuery } from '../../platform/http/common-schemas.ts';
import { SAMPLE_STATUSES } from './sample-status.ts';
import {
  BULK_LIMIT,
  LINEAGE_MAX_DEPTH,
  SAMPLE_SORTS,
  type SampleListQuery,
  type SamplePatch,
  type SampleService,
} from './service.ts';

const tags = ['samples'];
const Quantity = Type.Number({ minimum: 0, maximum: 1e12 });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Status = Type.Union(SAMPLE_STATUSES.map((s) => Type.Literal(s)));

const SampleBody = Type.Object(
  {
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
  },
  { additionalProperties: false },
);

const Sample = Type.Object({
  sample_id: Type.String(),
  name: Nullable(Type.String()),
  lot_number: Nullable(Type.String()),
  project_id: Nullable(Type.String()),
  batch_id: Nullable(Type.String()),
  container_id: Nullable(Type.String()),
  parent_sample_id: Nullable(Type.String()),
  status: Type.String(),
  quantity: Nullable(Type.Number()),
  unit: Nullable(Type.String()),
  metadata: Json,
  lab_id: Nullable(Type.String()),
  created_by: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
  deleted_at: Nullable(Type.String()),
});

const Filters = {
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Free text over sample_id, name, lot and metadata',
    }),
  ),
  status: Type.Optional(Status),
  project_id: Type.Optional(Code),
  batch_id: Type.Optional(Code),
  container_id: Type.Optional(Code),
  parent_id: Type.Optional(Code),
  include_deleted: Type.Optional(Type.Boolean()),
  sort: Type.Optional(Type.Union(SAMPLE_SORTS.map((s) => Type.Literal(s)))),
};
const SampleParam = Type.Object({ sampleId: Code });

const PatchBody = Type.Object(
  {
    name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    lot_number: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    project_id: Type.Optional(Nullable(Code)),
    batch_id: Type.Optional(Nullable(Code)),
    container_id: Type.Optional(Nullable(Code)),
    status: Type.Optional(Status),
    quantity: Type.Optional(Nullable(Quantity)),
    unit: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 20 }))),
    metadata: Type.Optional(Json),
    reason: Reason,
  },
  { additionalProperties: false },
);

/** /api/samples: the sample register with lineage, status machine, bulk create, split, history and CSV export. */
export async function sampleRoutes(app: FastifyInstance, opts: { samples: SampleService }) {
  const { samples } = opts;

  app.post(
    '/api/samples',
    {
      config: { permission: 'samples:create' },
      schema: {
        tags,
        summary: 'Create a sample; sample_id is generated from the configured pattern when omitted',
        body: SampleBody,
        response: { 201: Sample },
      },
    },
    async (req, reply) => reply.code(201).send(await samples.create(req.body as never, callerOf(req))),
  );

  app.post(
    '/api/samples/bulk',
    {
      config: { permission: 'samples:create' },
      schema: {
        tags,
        summary: `Create up to ${BULK_LIMIT} samples, all or nothing; a 400 lists every offending item`,
        body: Type.Object(
          { samples: Type.Array(SampleBody, { minItems: 1, maxItems: BULK_LIMIT }) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ items: Type.Array(Sample) }) },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send({ items: await samples.createBulk((req.body as { samples: never[] }).samples, callerOf(req)) }),
  );

  app.get(
    '/api/samples',
    {
      config: { permission: 'samples:read' },
      schema: {
        tags,
        summary: 'List and search samples; page with limit and cursor (keyset) or offset',
        querystring: Type.Object(
          {
            limit: Limit,
            offset: Offset,
            cursor: Type.Optional(
              Type.String({ maxLength: 500, description: 'next_cursor of the previous page' }),
            ),
            ...Filters,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(Sample),
            next_offset: Nullable(Type.Integer()),
            next_cursor: Nullable(Type.String()),
          }),
        },
      },
    },
    async (req) => samples.list(req.query as SampleListQuery, callerOf(req)),
  );

  app.get(
    '/api/samples/export.csv',
    {
      config: { permission: 'samples:read' },
      schema: {
        tags,
        summary: 'The filtered sample list as CSV (up to 50,000 rows)',
        querystring: Type.Object(Filters, { additionalProperties: false }),
      },
    },
    async (req, reply) => {
      const csv = await samples.exportCsv(
        req.query as Omit<SampleListQuery, 'limit' | 'offset'>,
        callerOf(req),
      );
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="samples.csv"')
        .send(csv);
    },
  );

  app.get(
    '/api/samples/:sampleId',
    {
      config: { permission: 'samples:read' },
      schema: { tags, summary: 'One sample with its parent chain and children', params: SampleParam },
    },
    async (req) => samples.get((req.params as { sampleId: string }).sampleId, callerOf(req)),
  );

  for (const method of ['PUT', 'PATCH'] as const) {
    app.route({
      method,
      url: '/api/samples/:sampleId',
      config: { permission: 'samples:update' },
      schema: {
        tags,
        summary:
          'Change fields, status (state machine; 409 otherwise) or container (audited as a move). Reason required.',
        params: SampleParam,
        body: PatchBody,
        response: { 200: Sample },
      },
      handler: async (req) =>
        samples.update((req.params as { sampleId: string }).sampleId, req.body as SamplePatch, callerOf(req)),
    });
  }

  app.delete(
    '/api/samples/:sampleId',
    {
      config: { permission: 'samples:delete' },
      schema: {
        tags,
        summary: 'Soft delete (admin only); the record stays, hidden from lists. Reason required.',
        params: SampleParam,
        querystring: ReasonQuery,
        response: { 200: Sample },
      },
    },
    async (req) =>
      samples.softDelete(
        (req.params as { sampleId: string }).sampleId,
        (req.query as { reason: string }).reason,
        callerOf(req),
      ),
  );

  app.post(
    '/api/samples/:sampleId/split',
    {
      config: { permission: 'samples:create' },
      schema: {
        tags,
        summary: 'Split into aliquots; the parent quantity drops by their sum (409 if they exceed it)',
        params: SampleParam,
        body: Type.Object(
          {
            children: Type.Array(
              Type.Object(
                {
                  quantity: Type.Number({ exclusiveMinimum: 0, maximum: 1e12 }),
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
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ parent: Sample, children: Type.Array(Sample) }) },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(
          await samples.split(
            (req.params as { sampleId: string }).sampleId,
            req.body as never,
            callerOf(req),
          ),
        ),
  );

  app.get(
    '/api/samples/:sampleId/lineage',
    {
      config: { permission: 'samples:read' },
      schema: {
        tags,
        summary: 'Ancestor and descendant trees, up to depth generations each way',
        params: SampleParam,
        querystring: Type.Object({
          depth: Type.Integer({ minimum: 1, maximum: LINEAGE_MAX_DEPTH, default: 5 }),
        }),
      },
    },
    async (req) =>
      samples.lineage(
        (req.params as { sampleId: string }).sampleId,
        (req.query as { depth: number }).depth,
        callerOf(req),
      ),
  );

  app.get(
    '/api/samples/:sampleId/history',
    {
      config: { permission: 'samples:read' },
      schema: {
        tags,
        summary: "The sample's audit events, oldest first; page with after_seq",
        params: SampleParam,
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
          after_seq: Type.Optional(Type.Integer({ minimum: 0 })),
        }),
      },
    },
    async (req) =>
      samples.history(
        (req.params as { sampleId: string }).sampleId,
        callerOf(req),
        req.query as { limit: number; after_seq?: number },
      ),
  );

  app.post(
    '/api/samples/:sampleId/assign-workflow',
    {
      config: { permission: 'samples:update' },
      schema: {
        tags,
        summary: 'Assign the sample to a workflow run',
        params: SampleParam,
        body: Type.Object({ run_id: Code, reason: Type.Optional(Reason) }, { additionalProperties: false }),
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(
          await samples.assignWorkflow(
            (req.params as { sampleId: string }).sampleId,
            req.body as { run_id: string; reason?: string },
            callerOf(req),
          ),
        ),
  );
}
