// API keys and the rate limit (@fastify/rate-limit) for every route that is not public (health,
// readiness, metrics, the OpenAPI document and docs, the problem pages). Order on each request:
// 1. onRequest (this app): is x-api-key one of the configured keys? Nothing is refused yet;
// 2. onRequest (the route's, added by the limiter): counted per verified key, or else per client
//    address, so a new header value per request is still the same client and wrong keys are counted;
// 3. preParsing: a missing or wrong key gets its 401 (after the 429 of a client over its limit).
import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import { statusProblem } from '@polymorph/http-problem/problem';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface AccessOptions {
  /** Accepted x-api-key values; empty = no authentication. */
  apiKeys: readonly string[];
  /** Requests per window per client (verified key, or else address); 0 = unlimited. */
  rateLimit: number;
  rateWindowMs: number;
  /** Paths under these prefixes are public too (the docs UI registers its own routes). */
  publicPrefixes: readonly string[];
}

/** Keys are compared and remembered as digests: a set lookup on a digest tells nothing about a key. */
const digest = (key: string) => createHash('sha256').update(key).digest('hex');

/** Call before the routes it guards are registered (the limiter hooks each route as it is added). */
export async function registerAccess(app: FastifyInstance, opts: AccessOptions): Promise<void> {
  const keys = new Set(opts.apiKeys.filter(Boolean).map(digest));
  // the digest of the request's key once verified; a request that must be refused has `null`
  const caller = new WeakMap<FastifyRequest, string | null>();
  const isPublic = (req: FastifyRequest) =>
    req.routeOptions.config?.public === true ||
    opts.publicPrefixes.some((prefix) => (req.routeOptions.url ?? req.url).startsWith(prefix));

  app.addHook('onRequest', async (req) => {
    if (!keys.size || isPublic(req)) return;
    const key = req.headers['x-api-key'];
    const d = typeof key === 'string' ? digest(key) : null;
    caller.set(req, d !== null && keys.has(d) ? d : null);
  });

  if (opts.rateLimit > 0) {
    await app.register(rateLimit, {
      max: opts.rateLimit,
      timeWindow: opts.rateWindowMs,
      cache: 10_000,
      allowList: (req) => isPublic(req),
      keyGenerator: (req) => {
        const key = caller.get(req);
        return key ? `key:${key}` : `ip:${req.ip}`;
      },
      errorResponseBuilder: (_req, ctx) =>
        statusProblem(
          429,
          `more than ${ctx.max} requests in ${opts.rateWindowMs / 1000} s from this client; retry after the seconds in retry-after`,
        ),
    });
  }

  app.addHook('preParsing', async (req, _reply, payload) => {
    if (caller.get(req) === null) throw statusProblem(401, 'missing or invalid x-api-key');
    return payload;
  });
}
