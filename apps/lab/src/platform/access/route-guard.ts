import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticate, Principal } from '../auth/authenticator.ts';
import { sendProblem } from '../http/problem.ts';
import { hasPermission, type Permission } from './permissions.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `resource:action` the caller's roles must grant, e.g. `samples:create`. */
    permission?: Permission;
    /** Any signed-in user (their own profile, logout, MFA enrolment). */
    authenticated?: boolean;
    /** Reachable while the user is restricted (must enrol MFA, or change an expired or administrator-set password). */
    allowWhenRestricted?: boolean;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export class UndeclaredAccessError extends Error {}

/** The routes' access declarations, for the route-coverage and role-matrix tests. */
export interface DeclaredRoute {
  method: string;
  url: string;
  access: 'public' | 'authenticated' | Permission;
}

const RESTRICTION_PROBLEMS = {
  mfa_enrollment_required: {
    slug: 'mfa-enrollment-required',
    title: 'MFA enrolment required',
    detail: 'A role you hold requires MFA: enrol with POST /auth/mfa/enroll and /auth/mfa/confirm first',
  },
  password_expired: {
    slug: 'password-expired',
    title: 'Password expired',
    detail: 'Your password is older than the maximum age: change it with POST /auth/password',
  },
  password_change_required: {
    slug: 'password-change-required',
    title: 'Password change required',
    detail: 'An administrator set your password: choose your own with POST /auth/password',
  },
} as const;

function unauthorized(request: FastifyRequest, reply: FastifyReply, detail: string) {
  reply.header('www-authenticate', 'Bearer');
  return sendProblem(request, reply, {
    slug: 'unauthorized',
    title: 'Authentication required',
    status: 401,
    detail,
  });
}

/**
 * Default deny. Every route declares `config.public`, `config.authenticated` or `config.permission`; a
 * route that declares none fails at registration, so none can be forgotten. One onRequest hook enforces it.
 */
export function registerRouteGuard(
  app: FastifyInstance,
  options: { publicPrefixes: string[]; authenticate?: Authenticate; routes?: DeclaredRoute[] },
): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRoute', (route) => {
    const config = route.config ?? {};
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    let access: DeclaredRoute['access'] | undefined;
    if (config.public === true) access = 'public';
    else if (typeof config.permission === 'string') access = config.permission;
    else if (config.authenticated === true) access = 'authenticated';
    else if (options.publicPrefixes.some((p) => route.url.startsWith(p))) {
      route.config = { ...config, public: true };
      access = 'public';
    }
    if (!access) {
      throw new UndeclaredAccessError(
        `route ${methods.join(',')} ${route.url} declares neither config.public, config.authenticated nor config.permission`,
      );
    }
    for (const method of methods) options.routes?.push({ method, url: route.url, access });
  });

  app.addHook('onRequest', async (request, reply) => {
    // routeOptions builds a new frozen object on every access: read it once per request.
    const { config, url } = request.routeOptions;
    // Unmatched requests reach the not-found handler, which discloses nothing.
    if (url === undefined || config.public === true) return;
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!token || !options.authenticate)
      return unauthorized(request, reply, 'Send Authorization: Bearer <access_token>');
    const result = await options.authenticate(token);
    if (!result.ok) return unauthorized(request, reply, result.detail);
    request.principal = result.principal;
    const restriction = result.principal.restrictions[0];
    if (restriction && !config.allowWhenRestricted) {
      return sendProblem(request, reply, { ...RESTRICTION_PROBLEMS[restriction], status: 403 });
    }
    if (config.permission && !hasPermission(result.principal.roles, config.permission)) {
      return sendProblem(request, reply, {
        slug: 'forbidden',
        title: 'Permission denied',
        status: 403,
        detail: `${request.method} ${url} requires permission ${config.permission}`,
      });
    }
  });
}
