import { callerOf } from '../../platform/access/lab-scope.ts';
import { createAndListRoutes } from '../../platform/http/create-and-list-routes.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import {
  BatchCreate,
  BatchDecision,
  BatchDetail,
  BatchList,
  BatchParams,
  BatchQuery,
  BatchUpdate,
  BatchView,
} from './schemas.ts';
import type { BatchService } from './service.ts';

const tags = ['batches'];

/** /api/batches (also under /api/samples/batches, the seed's paths). */
export const batchRoutes: LabRoutes<{ batches: BatchService }> = async (app, { batches }) => {
  const resource = createAndListRoutes('batches', {
    noun: ['Batch', 'Batches'],
    tags,
    body: BatchCreate,
    query: BatchQuery,
    view: BatchView,
    list: BatchList,
    // 409: the batch_id is taken or the project is archived.
    createProblems: [409],
  });
  for (const { url, create, list } of resource) {
    app.post(url, create, async (req, reply) =>
      reply.code(201).send(await batches.create(req.body, callerOf(req))),
    );
    app.get(url, list, async (req) => batches.list(req.query, callerOf(req)));
  }
  app.get(
    '/api/batches/:batchId',
    {
      config: { permission: 'batches:read' },
      schema: {
        operationId: 'getBatch',
        summary: 'A batch with its sample count',
        tags,
        params: BatchParams,
        response: { 200: BatchDetail, ...problemResponses(404) },
      },
    },
    async (req) => batches.get(req.params.batchId, callerOf(req)),
  );
  app.patch(
    '/api/batches/:batchId',
    {
      config: { permission: 'batches:update' },
      schema: {
        operationId: 'updateBatch',
        summary: 'Change the description of an active batch (audited, with a reason)',
        description: 'A released or rejected batch is frozen (409).',
        tags,
        params: BatchParams,
        body: BatchUpdate,
        response: { 200: BatchView, ...problemResponses(404, 409) },
      },
    },
    async (req) => batches.update(req.params.batchId, req.body, callerOf(req)),
  );
  for (const decision of ['release', 'reject'] as const) {
    const meaning = decision === 'release' ? 'approved' : 'rejected';
    app.post(
      `/api/batches/:batchId/${decision}`,
      {
        config: { permission: 'batches:approve' },
        schema: {
          operationId: `${decision}Batch`,
          summary: `${decision === 'release' ? 'Release' : 'Reject'} the batch with an electronic signature (meaning ${meaning})`,
          description:
            'The signer re-authenticates (401 on a wrong password or missing MFA code, 423 when the account is locked) and must not be the batch creator (403 segregation-of-duties). 409 when the batch is already decided; 503 without a signature service.',
          tags,
          params: BatchParams,
          body: BatchDecision,
          response: { 200: BatchView, ...problemResponses(404, 409, 423, 503) },
        },
      },
      async (req) => batches.decide(req.params.batchId, decision, req.body, callerOf(req)),
    );
  }
};
