import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { callerOf } from '../../platform/access/lab-scope.ts';
import { Code, Limit, Offset, Reason, Sort } from '../../platform/http/common-schemas.ts';
import { registerCreateAndListUntyped } from '../../platform/http/create-and-list-routes.ts';
import { BATCH_SORTS, type BatchService } from './service.ts';

const tags = ['batches'];
const Param = Type.Object({ batchId: Code });
const Decision = Type.Object(
  {
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    mfa_code: Type.Optional(Type.String({ maxLength: 32 })),
    reason: Reason,
  },
  { additionalProperties: false },
);

/** /api/batches (also under /api/samples/batches, the seed's paths). */
export async function batchRoutes(app: FastifyInstance, opts: { batches: BatchService }) {
  const { batches } = opts;
  const createSchema = {
    tags,
    body: Type.Object(
      { batch_id: Code, project_id: Code, description: Type.Optional(Type.String({ maxLength: 2000 })) },
      { additionalProperties: false },
    ),
  };
  const listSchema = {
    tags,
    querystring: Type.Object(
      {
        limit: Limit,
        offset: Offset,
        project_id: Type.Optional(Code),
        status: Type.Optional(
          Type.Union([Type.Literal('active'), Type.Literal('released'), Type.Literal('rejected')]),
        ),
        sort: Sort(BATCH_SORTS),
      },
      { additionalProperties: false },
    ),
  };
  registerCreateAndListUntyped(app, 'batches', { create: createSchema, list: listSchema }, batches);
  app.get(
    '/api/batches/:batchId',
    { config: { permission: 'batches:read' }, schema: { tags, params: Param } },
    async (req) => batches.get((req.params as { batchId: string }).batchId, callerOf(req)),
  );
  app.patch(
    '/api/batches/:batchId',
    {
      config: { permission: 'batches:update' },
      schema: {
        tags,
        params: Param,
        body: Type.Object(
          {
            description: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
            reason: Reason,
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) =>
      batches.update((req.params as { batchId: string }).batchId, req.body as never, callerOf(req)),
  );
  for (const decision of ['release', 'reject'] as const) {
    app.post(
      `/api/batches/:batchId/${decision}`,
      {
        config: { permission: 'batches:approve' },
        schema: {
          tags,
          summary: `${decision === 'release' ? 'Release' : 'Reject'} the batch with an electronic signature (meaning ${decision === 'release' ? 'approved' : 'rejected'}); not by its creator`,
          params: Param,
          body: Decision,
        },
      },
      async (req) =>
        batches.decide(
          (req.params as { batchId: string }).batchId,
          decision,
          req.body as never,
          callerOf(req),
        ),
    );
  }
}
