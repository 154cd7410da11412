import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { httpMetricsPlugin } from '@polymorph/observability/http-metrics';
import Fastify, { type FastifyInstance } from 'fastify';
import type { LabConfig } from './config.ts';
import type { Database } from './db/client.ts';
import { systemRoutes } from './modules/system/routes.ts';
import { registerRouteGuard } from './platform/access/route-guard.ts';
import { registerProblemHandlers } from './platform/http/problem.ts';
import { REQUEST_ID_HEADER, requestIdFor } from './platform/http/request-id.ts';

export const LAB_VERSION: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version;

export interface AppDeps {
  config: Pick<LabConfig, 'logLevel' | 'bodyLimitBytes' | 'env'>;
  database: Database;
  /** Pino destination override, used by tests to read log lines. */
  logStream?: NodeJS.WritableStream;
}

const DOCS_PREFIX = '/docs';

/** Builds the lab OS HTTP app. Tests call this and use `inject`; main.ts adds listen and shutdown. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: deps.config.logLevel,
      // Credentials never reach the log.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'],
      ...(deps.logStream ? { stream: deps.logStream } : {}),
    },
    genReqId: requestIdFor,
    requestIdLogLabel: 'request_id',
    bodyLimit: deps.config.bodyLimitBytes,
    return503OnClosing: true,
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  registerProblemHandlers(app);
  registerRouteGuard(app, { publicPrefixes: [DOCS_PREFIX] });

  await app.register(httpMetricsPlugin);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'POLYMORPH-LITE lab OS API',
        version: LAB_VERSION,
        description: 'Errors are RFC 9457 application/problem+json. See docs/api/problems.md.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  await app.register(systemRoutes, { database: deps.database, version: LAB_VERSION });
  return app;
}
