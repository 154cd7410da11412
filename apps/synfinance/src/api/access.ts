// API keys and a fixed-window rate limit for every route that is not public (health, readiness,
// metrics, the OpenAPI document and docs, the problem pages).
import { statusProblem } from '@polymorph/http-problem/problem';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface AccessOptions {
  /** Accepted x-api-key values; empty = no authentication. */
  apiKeys: readonly string[];
  /** Requests per window per client (key, or IP without one); 0 = unlimited. */
  rateLimit: number;
  rateWindowMs: number;
  /** Paths under these prefixes are public too (the docs UI registers its own routes). */
  publicPrefixes: readonly string[];
}

/** Counts requests per client in fixed windows; expired windows are swept at most once per window. */
export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; n: number }>();
  private lastSweep = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Seconds until the client may retry, or 0 when this request is within the limit. */
  hit(client: string, now = Date.now()): number {
    if (this.windows.size > 10_000 && now - this.lastSweep >= this.windowMs) {
      this.lastSweep = now;
      for (const [k, v] of this.windows) if (now - v.start >= this.windowMs) this.windows.delete(k);
    }
    let w = this.windows.get(client);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, n: 0 };
      this.windows.set(client, w);
    }
    return ++w.n > this.limit ? Math.ceil((w.start + this.windowMs - now) / 1000) : 0;
  }
}

export function registerAccess(app: FastifyInstance, opts: AccessOptions): void {
  const keys = new Set(opts.apiKeys.filter(Boolean));
  const limiter = opts.rateLimit > 0 ? new FixedWindowLimiter(opts.rateLimit, opts.rateWindowMs) : null;
  const isPublic = (req: FastifyRequest) =>
    req.routeOptions.config?.public === true ||
    opts.publicPrefixes.some((prefix) => (req.routeOptions.url ?? req.url).startsWith(prefix));

  app.addHook('onRequest', async (req, reply) => {
    if (isPublic(req)) return;
    const key = req.headers['x-api-key'];
    if (keys.size && (typeof key !== 'string' || !keys.has(key))) {
      throw statusProblem(401, 'missing or invalid x-api-key');
    }
    if (!limiter) return;
    const retryAfter = limiter.hit(typeof key === 'string' && key ? `k:${key}` : `ip:${req.ip}`);
    if (retryAfter > 0) {
      reply.header('retry-after', retryAfter);
      throw statusProblem(
        429,
        `more than ${limiter.limit} requests in ${limiter.windowMs / 1000} s; retry after the seconds in retry-after`,
      );
    }
  });
}
