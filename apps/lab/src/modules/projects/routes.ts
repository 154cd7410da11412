import { callerOf } from '../../platform/access/lab-scope.ts';
import { createAndListRoutes } from '../../platform/http/create-and-list-routes.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import {
  ProjectArchive,
  ProjectCreate,
  ProjectDetail,
  ProjectList,
  ProjectParams,
  ProjectQuery,
  ProjectUpdate,
  ProjectView,
} from './schemas.ts';
import type { ProjectService } from './service.ts';

const tags = ['projects'];

/** /api/projects (also under /api/samples/projects, the seed's paths). */
export const projectRoutes: LabRoutes<{ projects: ProjectService }> = async (app, { projects }) => {
  const resource = createAndListRoutes('projects', {
    noun: ['Project', 'Projects'],
    tags,
    body: ProjectCreate,
    query: ProjectQuery,
    view: ProjectView,
    list: ProjectList,
    createProblems: [409],
  });
  for (const { url, create, list } of resource) {
    app.post(url, create, async (req, reply) =>
      reply.code(201).send(await projects.create(req.body, callerOf(req))),
    );
    app.get(url, list, async (req) => projects.list(req.query, callerOf(req)));
  }
  app.get(
    '/api/projects/:projectId',
    {
      config: { permission: 'projects:read' },
      schema: {
        operationId: 'getProject',
        summary: 'A project with its batch and sample counts',
        tags,
        params: ProjectParams,
        response: { 200: ProjectDetail, ...problemResponses(404) },
      },
    },
    async (req) => projects.get(req.params.projectId, callerOf(req)),
  );
  app.patch(
    '/api/projects/:projectId',
    {
      config: { permission: 'projects:update' },
      schema: {
        operationId: 'updateProject',
        summary: 'Rename or describe a project (audited, with a reason)',
        tags,
        params: ProjectParams,
        body: ProjectUpdate,
        response: { 200: ProjectView, ...problemResponses(404) },
      },
    },
    async (req) => projects.update(req.params.projectId, req.body, callerOf(req)),
  );
  app.post(
    '/api/projects/:projectId/archive',
    {
      config: { permission: 'projects:update' },
      schema: {
        operationId: 'archiveProject',
        summary: 'Archive a project: it takes no new batches',
        tags,
        params: ProjectParams,
        body: ProjectArchive,
        response: { 200: ProjectView, ...problemResponses(404, 409) },
      },
    },
    async (req) => projects.archive(req.params.projectId, req.body.reason, callerOf(req)),
  );
};
