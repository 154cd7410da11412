import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { callerOf } from '../../platform/access/lab-scope.ts';
import { Code, Limit, Offset, Reason, Sort } from '../../platform/http/common-schemas.ts';
import { registerCreateAndListUntyped } from '../../platform/http/create-and-list-routes.ts';
import type { SampleService } from '../samples/service.ts';
import { CONTAINER_SORTS, type ContainerService } from './service.ts';

const tags = ['containers'];
const Param = Type.Object({ containerId: Code });
const Location = Type.String({
  minLength: 1,
  maxLength: 500,
  description: 'site/room/freezer/shelf/box/position',
});

/** /api/containers (also under /api/samples/containers, the seed's paths); placing samples checks capacity. */
export async function containerRoutes(
  app: FastifyInstance,
  opts: { containers: ContainerService; samples: SampleService },
) {
  const { containers, samples } = opts;
  const createSchema = {
    tags,
    body: Type.Object(
      {
        container_id: Code,
        container_type: Type.String({ minLength: 1, maxLength: 64 }),
        location: Location,
        capacity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
        lab_id: Type.Optional(Code),
      },
      { additionalProperties: false },
    ),
  };
  const listSchema = {
    tags,
    querystring: Type.Object(
      {
        limit: Limit,
        offset: Offset,
        container_type: Type.Optional(Type.String({ maxLength: 64 })),
        location: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
        has_space: Type.Optional(Type.Boolean()),
        sort: Sort(CONTAINER_SORTS),
      },
      { additionalProperties: false },
    ),
  };
  registerCreateAndListUntyped(app, 'containers', { create: createSchema, list: listSchema }, containers);
  app.get(
    '/api/containers/:containerId',
    { config: { permission: 'containers:read' }, schema: { tags, params: Param } },
    async (req) => containers.get((req.params as { containerId: string }).containerId, callerOf(req)),
  );
  app.patch(
    '/api/containers/:containerId',
    {
      config: { permission: 'containers:update' },
      schema: {
        tags,
        params: Param,
        body: Type.Object(
          {
            container_type: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            location: Type.Optional(Location),
            capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
            reason: Reason,
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) =>
      containers.update(
        (req.params as { containerId: string }).containerId,
        req.body as never,
        callerOf(req),
      ),
  );
  app.post(
    '/api/containers/:containerId/samples',
    {
      config: { permission: 'samples:update' },
      schema: {
        tags,
        summary: 'Place (or move) a sample into this container; 409 when full. Audited as sample.moved.',
        params: Param,
        body: Type.Object({ sample_id: Code, reason: Reason }, { additionalProperties: false }),
      },
    },
    async (req) => {
      const body = req.body as { sample_id: string; reason: string };
      return samples.move(
        body.sample_id,
        (req.params as { containerId: string }).containerId,
        body.reason,
        callerOf(req),
      );
    },
  );
}
