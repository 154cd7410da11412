import type { FastifyInstance, FastifySchema } from 'fastify';
import { type Caller, callerOf } from '../access/lab-scope.ts';

/**
 * POST (create, 201) and GET (list) for a LIMS resource under its own URL and the seed's alias under
 * /api/samples (e.g. /api/projects and /api/samples/projects), with one permission pair.
 */
export function registerCreateAndList(
  app: FastifyInstance,
  resource: 'projects' | 'batches' | 'containers',
  schemas: { create: FastifySchema; list: FastifySchema },
  service: {
    create(body: never, caller: Caller): Promise<unknown>;
    list(query: never, caller: Caller): Promise<unknown>;
  },
): void {
  for (const url of [`/api/${resource}`, `/api/samples/${resource}`]) {
    app.post(
      url,
      { config: { permission: `${resource}:create` }, schema: schemas.create },
      async (req, reply) => reply.code(201).send(await service.create(req.body as never, callerOf(req))),
    );
    app.get(url, { config: { permission: `${resource}:read` }, schema: schemas.list }, async (req) =>
      service.list(req.query as never, callerOf(req)),
    );
  }
}
