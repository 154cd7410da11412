import { callerOf } from '../../platform/access/lab-scope.ts';
import { createAndListRoutes } from '../../platform/http/create-and-list-routes.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import { type SampleMover, SampleView } from '../samples/port.ts';
import {
  ContainerCreate,
  ContainerDetail,
  ContainerList,
  ContainerParams,
  ContainerPlacement,
  ContainerQuery,
  ContainerUpdate,
  ContainerView,
} from './schemas.ts';
import type { ContainerService } from './service.ts';

const tags = ['containers'];

/** /api/containers (also under /api/samples/containers, the seed's paths); placing samples checks capacity. */
export const containerRoutes: LabRoutes<{ containers: ContainerService; samples: SampleMover }> = async (
  app,
  { containers, samples },
) => {
  const resource = createAndListRoutes('containers', {
    noun: ['Container', 'Containers'],
    tags,
    body: ContainerCreate,
    query: ContainerQuery,
    view: ContainerView,
    list: ContainerList,
    createProblems: [409],
  });
  for (const { url, create, list } of resource) {
    app.post(url, create, async (req, reply) =>
      reply.code(201).send(await containers.create(req.body, callerOf(req))),
    );
    app.get(url, list, async (req) => containers.list(req.query, callerOf(req)));
  }
  app.get(
    '/api/containers/:containerId',
    {
      config: { permission: 'containers:read' },
      schema: {
        operationId: 'getContainer',
        summary: 'A container with its occupancy and the samples inside',
        tags,
        params: ContainerParams,
        response: { 200: ContainerDetail, ...problemResponses(404) },
      },
    },
    async (req) => containers.get(req.params.containerId, callerOf(req)),
  );
  app.patch(
    '/api/containers/:containerId',
    {
      config: { permission: 'containers:update' },
      schema: {
        operationId: 'updateContainer',
        summary: 'Change type, location or capacity (audited, with a reason)',
        description: 'Capacity cannot drop below the samples already inside (409 container-full).',
        tags,
        params: ContainerParams,
        body: ContainerUpdate,
        response: { 200: ContainerView, ...problemResponses(404, 409) },
      },
    },
    async (req) => containers.update(req.params.containerId, req.body, callerOf(req)),
  );
  app.post(
    '/api/containers/:containerId/samples',
    {
      config: { permission: 'samples:update' },
      schema: {
        operationId: 'placeSampleInContainer',
        summary: 'Place (or move) a sample into this container',
        description:
          'Audited as sample.moved. 409 when the container is full or the sample deleted; an unknown container is a field error (400).',
        tags,
        params: ContainerParams,
        body: ContainerPlacement,
        response: { 200: SampleView, ...problemResponses(404, 409) },
      },
    },
    async (req) => samples.move(req.body.sample_id, req.params.containerId, req.body.reason, callerOf(req)),
  );
};
