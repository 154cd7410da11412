import { callerOf } from '../../platform/access/lab-scope.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import {
  BULK_LIMIT,
  SampleBulkCreate,
  SampleBulkResult,
  SampleCreate,
  SampleDeleteQuery,
  SampleDetail,
  SampleExportQuery,
  SampleHistory,
  SampleHistoryQuery,
  SampleLineage,
  SampleLineageQuery,
  SampleList,
  SampleListQuery,
  SampleParams,
  SampleSplit,
  SampleSplitResult,
  SampleUpdate,
  SampleView,
  SampleWorkflowAssigned,
  SampleWorkflowAssignment,
} from './schemas.ts';
import type { SampleService } from './service.ts';

const tags = ['samples'];

/** /api/samples: the sample register with lineage, status machine, bulk create, split, history and CSV export. */
export const sampleRoutes: LabRoutes<{ samples: SampleService }> = async (app, { samples }) => {
  app.post(
    '/api/samples',
    {
      config: { permission: 'samples:create' },
      schema: {
        operationId: 'createSample',
        summary: 'Create a sample',
        description:
          'sample_id is generated from the configured pattern when omitted. 409 when the sample_id is taken or the container is full.',
        tags,
        body: SampleCreate,
        response: { 201: SampleView, ...problemResponses(409) },
      },
    },
    async (req, reply) => reply.code(201).send(await samples.create(req.body, callerOf(req))),
  );

  app.post(
    '/api/samples/bulk',
    {
      config: { permission: 'samples:create' },
      schema: {
        operationId: 'createSamples',
        summary: `Create up to ${BULK_LIMIT} samples, all or nothing`,
        description: 'A 400 lists every offending item; nothing is written unless every item is valid.',
        tags,
        body: SampleBulkCreate,
        response: { 201: SampleBulkResult, ...problemResponses(409) },
      },
    },
    async (req, reply) =>
      reply.code(201).send({ items: await samples.createBulk(req.body.samples, callerOf(req)) }),
  );

  app.get(
    '/api/samples',
    {
      config: { permission: 'samples:read' },
      schema: {
        operationId: 'listSamples',
        summary: 'List and search samples',
        description:
          'Page with limit and cursor (keyset, `next_cursor`) or offset (`next_offset`), not both.',
        tags,
        querystring: SampleListQuery,
        response: { 200: SampleList },
      },
    },
    async (req) => samples.list(req.query, callerOf(req)),
  );

  app.get(
    '/api/samples/export.csv',
    {
      config: { permission: 'samples:read' },
      schema: {
        operationId: 'exportSamples',
        summary: 'The filtered sample list as CSV (up to 50,000 rows)',
        description:
          'Cells a spreadsheet would run as formulas are prefixed with a quote. Sent as an attachment (samples.csv).',
        tags,
        querystring: SampleExportQuery,
        response: {
          200: {
            description: 'One header row, then one row per sample; CRLF line ends',
            content: { 'text/csv': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (req, reply) => {
      const csv = await samples.exportCsv(req.query, callerOf(req));
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
      schema: {
        operationId: 'getSample',
        summary: 'One sample with its parent chain and children',
        tags,
        params: SampleParams,
        response: { 200: SampleDetail, ...problemResponses(404) },
      },
    },
    async (req) => samples.get(req.params.sampleId, callerOf(req)),
  );

  for (const method of ['PUT', 'PATCH'] as const) {
    app.route({
      method,
      url: '/api/samples/:sampleId',
      config: { permission: 'samples:update' },
      schema: {
        operationId: method === 'PATCH' ? 'updateSample' : 'putSample',
        summary:
          method === 'PATCH'
            ? 'Change fields, status or container (audited, with a reason)'
            : 'Same as PATCH /api/samples/{sampleId} (the seed clients send PUT)',
        description:
          'Status follows the state machine (409 otherwise); a container change alone is audited as a move and takes a slot (409 when full). A deleted sample cannot change (409).',
        tags,
        params: SampleParams,
        body: SampleUpdate,
        response: { 200: SampleView, ...problemResponses(404, 409) },
      },
      handler: async (req) => samples.update(req.params.sampleId, req.body, callerOf(req)),
    });
  }

  app.delete(
    '/api/samples/:sampleId',
    {
      config: { permission: 'samples:delete' },
      schema: {
        operationId: 'deleteSample',
        summary: 'Soft delete (admin only), with a reason',
        description:
          'The record stays, hidden from lists, and leaves its container. 409 when already deleted.',
        tags,
        params: SampleParams,
        querystring: SampleDeleteQuery,
        response: { 200: SampleView, ...problemResponses(404, 409) },
      },
    },
    async (req) => samples.softDelete(req.params.sampleId, req.query.reason, callerOf(req)),
  );

  app.post(
    '/api/samples/:sampleId/split',
    {
      config: { permission: 'samples:create' },
      schema: {
        operationId: 'splitSample',
        summary: 'Split into aliquots or derivatives',
        description:
          "The parent quantity drops by the children's sum (a parent at 0 becomes consumed). 409 if they exceed it, the parent is not active or has no quantity, or a container is full.",
        tags,
        params: SampleParams,
        body: SampleSplit,
        response: { 201: SampleSplitResult, ...problemResponses(404, 409) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await samples.split(req.params.sampleId, req.body, callerOf(req))),
  );

  app.get(
    '/api/samples/:sampleId/lineage',
    {
      config: { permission: 'samples:read' },
      schema: {
        operationId: 'getSampleLineage',
        summary: 'Ancestor and descendant trees, up to depth generations each way',
        tags,
        params: SampleParams,
        querystring: SampleLineageQuery,
        response: { 200: SampleLineage, ...problemResponses(404) },
      },
    },
    async (req) => samples.lineage(req.params.sampleId, req.query.depth, callerOf(req)),
  );

  app.get(
    '/api/samples/:sampleId/history',
    {
      config: { permission: 'samples:read' },
      schema: {
        operationId: 'getSampleHistory',
        summary: "The sample's audit events, oldest first; page with after_seq",
        tags,
        params: SampleParams,
        querystring: SampleHistoryQuery,
        response: { 200: SampleHistory, ...problemResponses(404) },
      },
    },
    async (req) => samples.history(req.params.sampleId, callerOf(req), req.query),
  );

  app.post(
    '/api/samples/:sampleId/assign-workflow',
    {
      config: { permission: 'samples:update' },
      schema: {
        operationId: 'assignSampleToWorkflow',
        summary: 'Assign the sample to a workflow run',
        description:
          'An unknown run is a field error (400); 409 when the sample is deleted, consumed or disposed, or already assigned to the run.',
        tags,
        params: SampleParams,
        body: SampleWorkflowAssignment,
        response: { 201: SampleWorkflowAssigned, ...problemResponses(404, 409) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await samples.assignWorkflow(req.params.sampleId, req.body, callerOf(req))),
  );
};
