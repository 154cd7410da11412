import type { Database } from '../../db/client.ts';
import { DATABASE_RETRY_AFTER_S, sendProblem } from '../../platform/http/problem.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import { Health, Readiness } from './schemas.ts';

const tags = ['system'];

/** Liveness and readiness: /health never touches the database, /ready always does. */
export const systemRoutes: LabRoutes<{ database: Database; version: string }> = async (app, opts) => {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        operationId: 'getHealth',
        tags,
        summary: 'Liveness: the process answers (never touches the database)',
        response: { 200: Health },
      },
    },
    async () => ({
      status: 'ok' as const,
      version: opts.version,
      uptime_s: Math.round(process.uptime() * 10) / 10,
    }),
  );

  app.get(
    '/ready',
    {
      config: { public: true },
      schema: {
        operationId: 'getReadiness',
        tags,
        summary: 'Readiness: a database round trip',
        response: { 200: Readiness, ...problemResponses(503) },
      },
    },
    async (request, reply) => {
      try {
        await opts.database.ping();
        return { status: 'ready' as const, database: opts.database.kind };
      } catch (err) {
        request.log.warn({ err }, 'readiness check failed');
        reply.header('retry-after', String(DATABASE_RETRY_AFTER_S));
        return sendProblem(request, reply, {
          slug: 'database-unavailable',
          title: 'Database unavailable',
          status: 503,
          detail: `The ${opts.database.kind} database did not answer`,
        });
      }
    },
  );
};
