import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Database } from '../../db/client.ts';
import { sendProblem } from '../../platform/http/problem.ts';

const Health = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  uptime_s: Type.Number(),
});

/** Liveness and readiness: /health never touches the database, /ready always does. */
export async function systemRoutes(app: FastifyInstance, opts: { database: Database; version: string }) {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: { tags: ['system'], summary: 'Liveness', response: { 200: Health } },
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
        tags: ['system'],
        summary: 'Readiness: a database round trip',
        response: { 200: Type.Object({ status: Type.Literal('ready'), database: Type.String() }) },
      },
    },
    async (request, reply) => {
      try {
        await opts.database.ping();
        return { status: 'ready' as const, database: opts.database.kind };
      } catch (err) {
        request.log.warn({ err }, 'readiness check failed');
        return sendProblem(request, reply, {
          slug: 'database-unavailable',
          title: 'Database unavailable',
          status: 503,
          detail: `The ${opts.database.kind} database did not answer`,
        });
      }
    },
  );
}
