import { auditContext } from '../../platform/http/request-context.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import {
  CredentialsReset,
  CredentialsResetResult,
  OptionalReasonQuery,
  RoleGrant,
  RoleList,
  RoleMfaPolicy,
  RoleMfaPolicyUpdate,
  RoleParams,
  UnlockBody,
  UserCreate,
  UserList,
  UserParams,
  UserQuery,
  UserRoleParams,
  UserUpdate,
  UserView,
} from './schemas.ts';
import type { UserService } from './service.ts';

const tags = ['users'];

/** User administration (admin). Users are deactivated, never deleted. */
export const userRoutes: LabRoutes<{ users: UserService }> = async (app, { users }) => {
  app.post(
    '/api/users',
    {
      config: { permission: 'users:create' },
      schema: {
        operationId: 'createUser',
        tags,
        summary: 'Create a user with an initial password, to be changed at first login',
        description:
          'A password that breaks the policy answers 400 `password-policy`. An email is never reused, even after deactivation. The user must change the password at first login: until then only POST /auth/password answers (403 `password-change-required`).',
        body: UserCreate,
        response: { 201: UserView, ...problemResponses(409) },
      },
    },
    async (request, reply) => {
      const user = await users.create(request.body, auditContext(request), {
        passwordSetByAdministrator: true,
      });
      return reply.code(201).send(user);
    },
  );

  app.get(
    '/api/users',
    {
      config: { permission: 'users:read' },
      schema: {
        operationId: 'listUsers',
        tags,
        summary: 'List users, ordered by email; page with limit and cursor',
        querystring: UserQuery,
        response: { 200: UserList },
      },
    },
    async (request) => users.list(request.query),
  );

  app.get(
    '/api/users/:email',
    {
      config: { permission: 'users:read' },
      schema: {
        operationId: 'getUser',
        tags,
        summary: 'A user with roles, MFA and lock state',
        params: UserParams,
        response: { 200: UserView, ...problemResponses(404) },
      },
    },
    async (request) => users.get(request.params.email),
  );

  app.patch(
    '/api/users/:email',
    {
      config: { permission: 'users:update' },
      schema: {
        operationId: 'updateUser',
        tags,
        summary: 'Change name or active flag; deactivation ends all sessions. A reason is required.',
        params: UserParams,
        body: UserUpdate,
        response: { 200: UserView, ...problemResponses(404) },
      },
    },
    async (request) => users.update(request.params.email, request.body, auditContext(request)),
  );

  app.post(
    '/api/users/:email/roles',
    {
      config: { permission: 'users:update' },
      schema: {
        operationId: 'addUserRole',
        tags,
        summary: 'Grant a role (audited); granting a role held already changes nothing',
        params: UserParams,
        body: RoleGrant,
        response: { 200: UserView, ...problemResponses(404) },
      },
    },
    async (request) =>
      users.addRole(request.params.email, request.body.role, request.body.reason, auditContext(request)),
  );

  app.delete(
    '/api/users/:email/roles/:role',
    {
      config: { permission: 'users:update' },
      schema: {
        operationId: 'removeUserRole',
        tags,
        summary: 'Revoke a role (audited); 404 when the user does not hold it',
        params: UserRoleParams,
        querystring: OptionalReasonQuery,
        response: { 200: UserView, ...problemResponses(404) },
      },
    },
    async (request) =>
      users.removeRole(
        request.params.email,
        request.params.role,
        request.query.reason,
        auditContext(request),
      ),
  );

  app.post(
    '/api/users/:email/unlock',
    {
      config: { permission: 'users:update' },
      schema: {
        operationId: 'unlockUser',
        tags,
        summary: 'Lift a lockout and reset the failed-attempt count (audited)',
        params: UserParams,
        body: UnlockBody,
        response: { 200: UserView, ...problemResponses(404) },
      },
    },
    async (request) => users.unlock(request.params.email, request.body.reason, auditContext(request)),
  );

  app.post(
    '/api/users/:email/credentials/reset',
    {
      config: { permission: 'users:update' },
      schema: {
        operationId: 'resetUserCredentials',
        tags,
        summary: 'Reset a user who lost their password or authenticator: a temporary password, shown once',
        description:
          'Sets a random temporary password that the user must change at the next login, removes the MFA enrolment unless `reset_mfa` is false, lifts the lock and ends every session of the user. Audited with the reason; the password is never recorded.',
        params: UserParams,
        body: CredentialsReset,
        response: { 200: CredentialsResetResult, ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      // The temporary password must not stay in any cache on the way.
      reply.header('cache-control', 'no-store');
      return users.resetCredentials(request.params.email, request.body, auditContext(request));
    },
  );

  app.get(
    '/api/roles',
    {
      config: { permission: 'users:read' },
      schema: {
        operationId: 'listRoles',
        tags,
        summary: 'The roles, their permissions (resource:action) and MFA policy',
        response: { 200: RoleList },
      },
    },
    async () => users.listRoles(),
  );

  app.patch(
    '/api/roles/:role',
    {
      config: { permission: 'users:update' },
      schema: {
        operationId: 'updateRoleMfaPolicy',
        tags,
        summary: 'Require MFA for a role (its holders must enrol before anything else)',
        params: RoleParams,
        body: RoleMfaPolicyUpdate,
        response: { 200: RoleMfaPolicy, ...problemResponses(404) },
      },
    },
    async (request) =>
      users.setRoleMfaRequired(
        request.params.role,
        request.body.mfa_required,
        request.body.reason,
        auditContext(request),
      ),
  );
};
