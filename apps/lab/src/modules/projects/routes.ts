import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { callerOf } from '../../platform/access/lab-scope.ts';
import { Code, Limit, Offset, Reason, Sort } from '../../platform/http/common-schemas.ts';
import { registerCreateAndList } from '../../platform/http/create-and-list-routes.ts';
import { PROJECT_SORTS, type ProjectService } from './service.ts';

const tags = ['projects'];
const Param = Type.Object({ projectId: Code });

/** /api/projects (also under /api/samples/projects, the seed's paths). */
export async function projectRoutes(app: FastifyInstance, opts: { projects: ProjectService }) {
  const { projects } = opts;
  const createSchema = {
    tags,
    body: Type.Object(
      {
        project_id: Code,
        name: Type.String({ minLength: 1, maxLength: 200 }),
        description: Type.Optional(Type.String({ maxLength: 2000 })),
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
        status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('archived')])),
        q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        sort: Sort(PROJECT_SORTS),
      },
      { additionalProperties: false },
    ),
  };
  registerCreateAndList(app, 'projects', { create: createSchema, list: listSchema }, projects);
  app.get(
    '/api/projects/:projectId',
    { config: { permission: 'projects:read' }, schema: { tags, params: Param } },
    async (req) => projects.get((req.params as { projectId: string }).projectId, callerOf(req)),
  );
  app.patch(
    '/api/projects/:projectId',
    {
      config: { permission: 'projects:update' },
      schema: {
        tags,
        params: Param,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            description: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
            reason: Reason,
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) =>
      projects.update((req.params as { projectId: string }).projectId, req.body as never, callerOf(req)),
  );
  app.post(
    '/api/projects/:projectId/archive',
    {
      config: { permission: 'projects:update' },
      schema: { tags, params: Param, body: Type.Object({ reason: Reason }, { additionalProperties: false }) },
    },
    async (req) =>
      projects.archive(
        (req.params as { projectId: string }).projectId,
        (req.body as { reason: string }).reason,
        callerOf(req),
      ),
  );
}
