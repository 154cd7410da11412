import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../http/problem.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `resource:action` the caller's roles must grant, e.g. `samples:create`. */
    permission?: string;
  }
}

export class UndeclaredAccessError extends Error {}

/**
 * Default deny. Every route must declare `config.public: true` or `config.permission`; a route that
 * declares neither fails at start-up, so no route can be forgotten.
 */
export function registerRouteGuard(app: FastifyInstance, options: { publicPrefixes: string[] }): void {
  app.addHook('onRoute', (route) => {
    const config = route.config ?? {};
    if (config.public === true || typeof config.permission === 'string') return;
    if (options.publicPrefixes.some((p) => route.url.startsWith(p))) {
      route.config = { ...config, public: true };
      return;
    }
    throw new UndeclaredAccessError(
      `route ${route.method} ${route.url} declares neither config.public nor config.permission`,
    );
  });

  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config;
    // Unmatched requests reach the not-found handler, which discloses nothing.
    if (request.routeOptions.url === undefined || config.public === true) return;
    // Authentication arrives with the identity module; until then a protected route is always refused.
    return sendProblem(request, reply, {
      slug: 'unauthorized',
      title: 'Authentication required',
      status: 401,
      detail: `${request.method} ${request.routeOptions.url} requires permission ${config.permission}`,
    });
  });
}
