import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ROLES } from '../../platform/access/permissions.ts';
import { auditContext } from '../../platform/http/request-context.ts';
import type { UserService } from './service.ts';

const User = Type.Object({
  email: Type.String(),
  name: Type.String(),
  is_active: Type.Boolean(),
  mfa_enabled: Type.Boolean(),
  locked: Type.Boolean(),
  roles: Type.Array(Type.String()),
  last_login_at: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
});
const EmailParam = Type.Object({ email: Type.String({ maxLength: 254 }) });
/** 21 CFR 11.10(e): why a regulated record changed. */
const Reason = Type.String({ minLength: 3, maxLength: 1000 });
const tags = ['users'];

/** User administration (admin). Users are deactivated, never deleted. */
export async function userRoutes(app: FastifyInstance, opts: { users: UserService }) {
  const { users } = opts;

  app.post(
    '/api/users',
    {
      config: { permission: 'users:create' },
      schema: {
        tags,
        summary: 'Create a user with an initial password (the password policy applies)',
        body: Type.Object(
          {
            email: Type.String({ format: 'email', maxLength: 254 }),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
            roles: Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r))), { maxItems: 4, default: [] }),
          },
          { additionalProperties: false },
        ),
        response: { 201: User },
      },
    },
    async (request, reply) => {
      const user = await users.create(
        request.body as { email: string; name: string; password: string; roles: string[] },
        auditContext(request),
      );
      return reply.code(201).send(user);
    },
  );

  app.get(
    '/api/users',
    {
      config: { permission: 'users:read' },
      schema: {
        tags,
        summary: 'List users, ordered by email; page with limit and cursor',
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          cursor: Type.Optional(Type.String({ maxLength: 254 })),
          active: Type.Optional(Type.Boolean()),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(User),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => users.list(request.query as { limit: number; cursor?: string; active?: boolean }),
  );

  app.get(
    '/api/users/:email',
    { config: { permission: 'users:read' }, schema: { tags, params: EmailParam, response: { 200: User } } },
    async (request) => users.get((request.params as { email: string }).email),
  );

  app.patch(
    '/api/users/:email',
    {
      config: { permission: 'users:update' },
      schema: {
        tags,
        summary: 'Change name or active flag; deactivation ends all sessions. A reason is required.',
        params: EmailParam,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            is_active: Type.Optional(Type.Boolean()),
            reason: Reason,
          },
          { additionalProperties: false },
        ),
        response: { 200: User },
      },
    },
    async (request) =>
      users.update(
        (request.params as { email: string }).email,
        request.body as { name?: string; is_active?: boolean; reason: string },
        auditContext(request),
      ),
  );

  app.post(
    '/api/users/:email/roles',
    {
      config: { permission: 'users:update' },
      schema: {
        tags,
        params: EmailParam,
        body: Type.Object(
          { role: Type.String({ maxLength: 50 }), reason: Type.Optional(Reason) },
          { additionalProperties: false },
        ),
        response: { 200: User },
      },
    },
    async (request) => {
      const body = request.body as { role: string; reason?: string };
      return users.addRole(
        (request.params as { email: string }).email,
        body.role,
        body.reason,
        auditContext(request),
      );
    },
  );

  app.delete(
    '/api/users/:email/roles/:role',
    {
      config: { permission: 'users:update' },
      schema: {
        tags,
        params: Type.Object({ email: Type.String({ maxLength: 254 }), role: Type.String({ maxLength: 50 }) }),
        querystring: Type.Object({ reason: Type.Optional(Reason) }),
        response: { 200: User },
      },
    },
    async (request) => {
      const { email, role } = request.params as { email: string; role: string };
      return users.removeRole(
        email,
        role,
        (request.query as { reason?: string }).reason,
        auditContext(request),
      );
    },
  );

  app.post(
    '/api/users/:email/unlock',
    {
      config: { permission: 'users:update' },
      schema: {
        tags,
        params: EmailParam,
        body: Type.Optional(Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false })),
        response: { 200: User },
      },
    },
    async (request) =>
      users.unlock(
        (request.params as { email: string }).email,
        (request.body as { reason?: string } | undefined)?.reason,
        auditContext(request),
      ),
  );

  app.get(
    '/api/roles',
    {
      config: { permission: 'users:read' },
      schema: {
        tags,
        summary: 'The roles, their permissions (resource:action) and MFA policy',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                name: Type.String(),
                description: Type.String(),
                permissions: Type.Array(Type.String()),
                mfa_required: Type.Boolean(),
              }),
            ),
          }),
        },
      },
    },
    async () => users.listRoles(),
  );

  app.patch(
    '/api/roles/:role',
    {
      config: { permission: 'users:update' },
      schema: {
        tags,
        summary: 'Require MFA for a role (its holders must enrol before anything else)',
        params: Type.Object({ role: Type.Union(ROLES.map((r) => Type.Literal(r))) }),
        body: Type.Object({ mfa_required: Type.Boolean(), reason: Reason }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const body = request.body as { mfa_required: boolean; reason: string };
      return users.setRoleMfaRequired(
        (request.params as { role: string }).role,
        body.mfa_required,
        body.reason,
        auditContext(request),
      );
    },
  );
}
