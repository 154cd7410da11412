import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { callerOf } from '../../platform/access/lab-scope.ts';
import { Code, Json, Reason, ReasonQuery } from '../../platform/http/common-schemas.ts';
import type { SiteService } from './service.ts';

const tags = ['sites'];
const Name = Type.String({ minLength: 1, maxLength: 200 });

/** Organizations, labs (with membership), nodes (with heartbeat) and device hubs. */
export async function siteRoutes(app: FastifyInstance, opts: { sites: SiteService }) {
  const { sites } = opts;
  const read = { permission: 'sites:read' };
  const create = { permission: 'sites:create' };
  const update = { permission: 'sites:update' };

  // organizations
  app.get('/api/organizations', { config: read, schema: { tags } }, async () => sites.listOrganizations());
  app.post(
    '/api/organizations',
    {
      config: create,
      schema: { tags, body: Type.Object({ org_id: Code, name: Name }, { additionalProperties: false }) },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(await sites.createOrganization(req.body as { org_id: string; name: string }, callerOf(req))),
  );
  const OrgParam = Type.Object({ orgId: Code });
  app.get('/api/organizations/:orgId', { config: read, schema: { tags, params: OrgParam } }, async (req) =>
    sites.getOrganization((req.params as { orgId: string }).orgId),
  );
  app.patch(
    '/api/organizations/:orgId',
    {
      config: update,
      schema: {
        tags,
        params: OrgParam,
        body: Type.Object({ name: Type.Optional(Name), reason: Reason }, { additionalProperties: false }),
      },
    },
    async (req) =>
      sites.updateOrganization(
        (req.params as { orgId: string }).orgId,
        req.body as { name?: string; reason: string },
        callerOf(req),
      ),
  );
  app.delete(
    '/api/organizations/:orgId',
    { config: update, schema: { tags, params: OrgParam, querystring: ReasonQuery } },
    async (req, reply) => {
      await sites.deleteOrganization(
        (req.params as { orgId: string }).orgId,
        (req.query as { reason: string }).reason,
        callerOf(req),
      );
      return reply.code(204).send();
    },
  );

  // labs and membership
  const LabParam = Type.Object({ labId: Code });
  app.get('/api/labs', { config: read, schema: { tags } }, async (req) => sites.listLabs(callerOf(req)));
  app.post(
    '/api/labs',
    {
      config: create,
      schema: {
        tags,
        body: Type.Object(
          {
            lab_id: Code,
            org_id: Code,
            name: Name,
            location: Type.Optional(Type.String({ maxLength: 500 })),
            timezone: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(await sites.createLab(req.body as Parameters<SiteService['createLab']>[0], callerOf(req))),
  );
  app.get('/api/labs/:labId', { config: read, schema: { tags, params: LabParam } }, async (req) =>
    sites.getLab((req.params as { labId: string }).labId, callerOf(req)),
  );
  app.patch(
    '/api/labs/:labId',
    {
      config: update,
      schema: {
        tags,
        summary: 'Rename, move or deactivate (is_active: false) a lab; labs are never deleted',
        params: LabParam,
        body: Type.Object(
          {
            name: Type.Optional(Name),
            location: Type.Optional(Type.String({ maxLength: 500 })),
            timezone: Type.Optional(Type.String({ maxLength: 64 })),
            is_active: Type.Optional(Type.Boolean()),
            reason: Reason,
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) =>
      sites.updateLab(
        (req.params as { labId: string }).labId,
        req.body as Parameters<SiteService['updateLab']>[1],
        callerOf(req),
      ),
  );
  app.get('/api/labs/:labId/members', { config: read, schema: { tags, params: LabParam } }, async (req) =>
    sites.listMembers((req.params as { labId: string }).labId, callerOf(req)),
  );
  app.put(
    '/api/labs/:labId/members/:email',
    {
      config: { permission: 'users:update' },
      schema: {
        tags,
        summary: 'Place a user in this lab (and its organization)',
        params: Type.Object({ labId: Code, email: Type.String({ maxLength: 254 }) }),
        body: Type.Object({ reason: Reason }, { additionalProperties: false }),
      },
    },
    async (req) => {
      const { labId, email } = req.params as { labId: string; email: string };
      return sites.setMembership(labId, email, (req.body as { reason: string }).reason, callerOf(req));
    },
  );

  // nodes
  const NodeParam = Type.Object({ nodeId: Code });
  app.get('/api/nodes', { config: read, schema: { tags } }, async (req) => sites.listNodes(callerOf(req)));
  app.post(
    '/api/nodes',
    {
      config: create,
      schema: {
        tags,
        body: Type.Object(
          {
            node_id: Code,
            lab_id: Type.Optional(Code),
            hostname: Type.String({ minLength: 1, maxLength: 253 }),
            capabilities: Type.Optional(Json),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(await sites.createNode(req.body as Parameters<SiteService['createNode']>[0], callerOf(req))),
  );
  app.get('/api/nodes/:nodeId', { config: read, schema: { tags, params: NodeParam } }, async (req) =>
    sites.getNode((req.params as { nodeId: string }).nodeId, callerOf(req)),
  );
  app.patch(
    '/api/nodes/:nodeId',
    {
      config: update,
      schema: {
        tags,
        params: NodeParam,
        body: Type.Object(
          {
            hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
            capabilities: Type.Optional(Json),
            reason: Reason,
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) =>
      sites.updateNode(
        (req.params as { nodeId: string }).nodeId,
        req.body as Parameters<SiteService['updateNode']>[1],
        callerOf(req),
      ),
  );
  app.post(
    '/api/nodes/:nodeId/heartbeat',
    {
      config: update,
      schema: { tags, summary: 'Mark the node online; offline after 90 s without one', params: NodeParam },
    },
    async (req) => sites.heartbeat((req.params as { nodeId: string }).nodeId, callerOf(req)),
  );
  app.delete(
    '/api/nodes/:nodeId',
    { config: update, schema: { tags, params: NodeParam, querystring: ReasonQuery } },
    async (req, reply) => {
      await sites.deleteNode(
        (req.params as { nodeId: string }).nodeId,
        (req.query as { reason: string }).reason,
        callerOf(req),
      );
      return reply.code(204).send();
    },
  );

  // device hubs
  const HubParam = Type.Object({ hubId: Code });
  app.get('/api/device-hubs', { config: read, schema: { tags } }, async (req) =>
    sites.listHubs(callerOf(req)),
  );
  app.post(
    '/api/device-hubs',
    {
      config: create,
      schema: {
        tags,
        body: Type.Object(
          {
            hub_id: Code,
            node_id: Code,
            hub_type: Type.String({ minLength: 1, maxLength: 64 }),
            config: Type.Optional(Json),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(await sites.createHub(req.body as Parameters<SiteService['createHub']>[0], callerOf(req))),
  );
  app.get('/api/device-hubs/:hubId', { config: read, schema: { tags, params: HubParam } }, async (req) =>
    sites.getHub((req.params as { hubId: string }).hubId, callerOf(req)),
  );
  app.patch(
    '/api/device-hubs/:hubId',
    {
      config: update,
      schema: {
        tags,
        params: HubParam,
        body: Type.Object(
          {
            hub_type: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            config: Type.Optional(Json),
            status: Type.Optional(
              Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('error')]),
            ),
            reason: Reason,
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) =>
      sites.updateHub(
        (req.params as { hubId: string }).hubId,
        req.body as Parameters<SiteService['updateHub']>[1],
        callerOf(req),
      ),
  );
  app.delete(
    '/api/device-hubs/:hubId',
    { config: update, schema: { tags, params: HubParam, querystring: ReasonQuery } },
    async (req, reply) => {
      await sites.deleteHub(
        (req.params as { hubId: string }).hubId,
        (req.query as { reason: string }).reason,
        callerOf(req),
      );
      return reply.code(204).send();
    },
  );
}
