import { callerOf } from '../../platform/access/lab-scope.ts';
import type { Permission } from '../../platform/access/permissions.ts';
import { ReasonQuery } from '../../platform/http/common-schemas.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import {
  Deleted,
  DeviceHubList,
  DeviceHubView,
  HubCreate,
  HubParams,
  HubUpdate,
  LabCreate,
  LabList,
  LabMembers,
  LabMembership,
  LabParams,
  LabUpdate,
  LabView,
  MemberParams,
  MembershipChange,
  NodeCreate,
  NodeList,
  NodeParams,
  NodeUpdate,
  NodeView,
  OrganizationCreate,
  OrganizationList,
  OrganizationParams,
  OrganizationUpdate,
  OrganizationView,
} from './schemas.ts';
import type { SiteService } from './service.ts';

const tags = ['sites'];
const read: { permission: Permission } = { permission: 'sites:read' };
const create: { permission: Permission } = { permission: 'sites:create' };
const update: { permission: Permission } = { permission: 'sites:update' };

/** Organizations, labs (with membership), nodes (with heartbeat) and device hubs. */
export const siteRoutes: LabRoutes<{ sites: SiteService }> = async (app, { sites }) => {
  // organizations
  app.get(
    '/api/organizations',
    {
      config: read,
      schema: {
        operationId: 'listOrganizations',
        summary: 'List organizations with their lab counts',
        tags,
        response: { 200: OrganizationList },
      },
    },
    async () => sites.listOrganizations(),
  );
  app.post(
    '/api/organizations',
    {
      config: create,
      schema: {
        operationId: 'createOrganization',
        summary: 'Create an organization',
        tags,
        body: OrganizationCreate,
        response: { 201: OrganizationView, ...problemResponses(409) },
      },
    },
    async (req, reply) => reply.code(201).send(await sites.createOrganization(req.body, callerOf(req))),
  );
  app.get(
    '/api/organizations/:orgId',
    {
      config: read,
      schema: {
        operationId: 'getOrganization',
        summary: 'An organization with its lab count',
        tags,
        params: OrganizationParams,
        response: { 200: OrganizationView, ...problemResponses(404) },
      },
    },
    async (req) => sites.getOrganization(req.params.orgId),
  );
  app.patch(
    '/api/organizations/:orgId',
    {
      config: update,
      schema: {
        operationId: 'updateOrganization',
        summary: 'Rename an organization (audited, with a reason)',
        tags,
        params: OrganizationParams,
        body: OrganizationUpdate,
        response: { 200: OrganizationView, ...problemResponses(404) },
      },
    },
    async (req) => sites.updateOrganization(req.params.orgId, req.body, callerOf(req)),
  );
  app.delete(
    '/api/organizations/:orgId',
    {
      config: update,
      schema: {
        operationId: 'deleteOrganization',
        summary: 'Delete an organization that has no labs and no members',
        tags,
        params: OrganizationParams,
        querystring: ReasonQuery,
        response: { 204: Deleted, ...problemResponses(404, 409) },
      },
    },
    async (req, reply) => {
      await sites.deleteOrganization(req.params.orgId, req.query.reason, callerOf(req));
      reply.code(204); // an async handler that returns nothing sends an empty 204
    },
  );

  // labs and membership
  app.get(
    '/api/labs',
    {
      config: read,
      schema: {
        operationId: 'listLabs',
        summary: "List labs: every lab for an admin, the caller's own lab otherwise",
        tags,
        response: { 200: LabList },
      },
    },
    async (req) => sites.listLabs(callerOf(req)),
  );
  app.post(
    '/api/labs',
    {
      config: create,
      schema: {
        operationId: 'createLab',
        summary: 'Create a lab in an organization',
        description: 'An unknown `org_id` answers 400.',
        tags,
        body: LabCreate,
        response: { 201: LabView, ...problemResponses(409) },
      },
    },
    async (req, reply) => reply.code(201).send(await sites.createLab(req.body, callerOf(req))),
  );
  app.get(
    '/api/labs/:labId',
    {
      config: read,
      schema: {
        operationId: 'getLab',
        summary: 'A lab',
        tags,
        params: LabParams,
        response: { 200: LabView, ...problemResponses(404) },
      },
    },
    async (req) => sites.getLab(req.params.labId, callerOf(req)),
  );
  app.patch(
    '/api/labs/:labId',
    {
      config: update,
      schema: {
        operationId: 'updateLab',
        summary: 'Rename, move or deactivate (is_active: false) a lab; labs are never deleted',
        description: 'The default lab cannot be deactivated (409).',
        tags,
        params: LabParams,
        body: LabUpdate,
        response: { 200: LabView, ...problemResponses(404, 409) },
      },
    },
    async (req) => sites.updateLab(req.params.labId, req.body, callerOf(req)),
  );
  app.get(
    '/api/labs/:labId/members',
    {
      config: read,
      schema: {
        operationId: 'listLabMembers',
        summary: 'The users who belong to a lab (users without a lab belong to the default lab)',
        tags,
        params: LabParams,
        response: { 200: LabMembers, ...problemResponses(404) },
      },
    },
    async (req) => sites.listMembers(req.params.labId, callerOf(req)),
  );
  app.put(
    '/api/labs/:labId/members/:email',
    {
      config: { permission: 'users:update' },
      schema: {
        operationId: 'setLabMember',
        summary: 'Place a user in this lab (and its organization)',
        description: 'A deactivated lab takes no members (409).',
        tags,
        params: MemberParams,
        body: MembershipChange,
        response: { 200: LabMembership, ...problemResponses(404, 409) },
      },
    },
    async (req) => sites.setMembership(req.params.labId, req.params.email, req.body.reason, callerOf(req)),
  );

  // nodes
  app.get(
    '/api/nodes',
    {
      config: read,
      schema: {
        operationId: 'listNodes',
        summary: "List nodes (bench computers) of the caller's labs",
        tags,
        response: { 200: NodeList },
      },
    },
    async (req) => sites.listNodes(callerOf(req)),
  );
  app.post(
    '/api/nodes',
    {
      config: create,
      schema: {
        operationId: 'createNode',
        summary: 'Register a node (a bench computer that hosts device hubs)',
        description: "Without `lab_id` the node joins the caller's lab; an unknown lab answers 400.",
        tags,
        body: NodeCreate,
        response: { 201: NodeView, ...problemResponses(409) },
      },
    },
    async (req, reply) => reply.code(201).send(await sites.createNode(req.body, callerOf(req))),
  );
  app.get(
    '/api/nodes/:nodeId',
    {
      config: read,
      schema: {
        operationId: 'getNode',
        summary: 'A node with its online status',
        tags,
        params: NodeParams,
        response: { 200: NodeView, ...problemResponses(404) },
      },
    },
    async (req) => sites.getNode(req.params.nodeId, callerOf(req)),
  );
  app.patch(
    '/api/nodes/:nodeId',
    {
      config: update,
      schema: {
        operationId: 'updateNode',
        summary: "Change a node's hostname or capabilities (audited, with a reason)",
        tags,
        params: NodeParams,
        body: NodeUpdate,
        response: { 200: NodeView, ...problemResponses(404) },
      },
    },
    async (req) => sites.updateNode(req.params.nodeId, req.body, callerOf(req)),
  );
  app.post(
    '/api/nodes/:nodeId/heartbeat',
    {
      config: update,
      schema: {
        operationId: 'recordNodeHeartbeat',
        summary: 'Mark the node online; offline after 90 s without one',
        description: 'Only the change to online is audited, not every beat. No request body.',
        tags,
        params: NodeParams,
        response: { 200: NodeView, ...problemResponses(404) },
      },
    },
    async (req) => sites.heartbeat(req.params.nodeId, callerOf(req)),
  );
  app.delete(
    '/api/nodes/:nodeId',
    {
      config: update,
      schema: {
        operationId: 'deleteNode',
        summary: 'Delete a node that hosts no device hubs',
        tags,
        params: NodeParams,
        querystring: ReasonQuery,
        response: { 204: Deleted, ...problemResponses(404, 409) },
      },
    },
    async (req, reply) => {
      await sites.deleteNode(req.params.nodeId, req.query.reason, callerOf(req));
      reply.code(204); // an async handler that returns nothing sends an empty 204
    },
  );

  // device hubs
  app.get(
    '/api/device-hubs',
    {
      config: read,
      schema: {
        operationId: 'listDeviceHubs',
        summary: "List device hubs on the caller's labs' nodes",
        tags,
        response: { 200: DeviceHubList },
      },
    },
    async (req) => sites.listHubs(callerOf(req)),
  );
  app.post(
    '/api/device-hubs',
    {
      config: create,
      schema: {
        operationId: 'createDeviceHub',
        summary: 'Create a device hub on a node',
        description: 'An unknown node (or one in a lab the caller cannot see) answers 400.',
        tags,
        body: HubCreate,
        response: { 201: DeviceHubView, ...problemResponses(409) },
      },
    },
    async (req, reply) => reply.code(201).send(await sites.createHub(req.body, callerOf(req))),
  );
  app.get(
    '/api/device-hubs/:hubId',
    {
      config: read,
      schema: {
        operationId: 'getDeviceHub',
        summary: 'A device hub',
        tags,
        params: HubParams,
        response: { 200: DeviceHubView, ...problemResponses(404) },
      },
    },
    async (req) => sites.getHub(req.params.hubId, callerOf(req)),
  );
  app.patch(
    '/api/device-hubs/:hubId',
    {
      config: update,
      schema: {
        operationId: 'updateDeviceHub',
        summary: "Change a device hub's type, configuration or status (audited, with a reason)",
        tags,
        params: HubParams,
        body: HubUpdate,
        response: { 200: DeviceHubView, ...problemResponses(404) },
      },
    },
    async (req) => sites.updateHub(req.params.hubId, req.body, callerOf(req)),
  );
  app.delete(
    '/api/device-hubs/:hubId',
    {
      config: update,
      schema: {
        operationId: 'deleteDeviceHub',
        summary: 'Delete a device hub that has no devices',
        tags,
        params: HubParams,
        querystring: ReasonQuery,
        response: { 204: Deleted, ...problemResponses(404, 409) },
      },
    },
    async (req, reply) => {
      await sites.deleteHub(req.params.hubId, req.query.reason, callerOf(req));
      reply.code(204); // an async handler that returns nothing sends an empty 204
    },
  );
};
