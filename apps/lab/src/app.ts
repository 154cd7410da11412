import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { problemPagesPlugin } from '@polymorph/http-problem/pages';
import { componentRefResolver, registerProblemSchema } from '@polymorph/http-problem/schema';
import { httpMetricsPlugin } from '@polymorph/observability/http-metrics';
import { logSerializers } from '@polymorph/observability/log-serializers';
import { requestIdHeaderPlugin, requestIdServerOptions } from '@polymorph/observability/request-id';
import { hoistNamedSchemas } from '@polymorph/openapi/named-schemas';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { DEFAULT_INSTRUMENT_HOSTS, type LabConfig } from './config.ts';
import type { Database } from './db/client.ts';
import { limsGaugeSource } from './modules/inventory/lims-gauges.ts';
import type { RunEventSignals } from './modules/runs/events.ts';
import {
  createModuleServices,
  type ModuleKernel,
  type ModuleServices,
  registerModuleRoutes,
} from './modules.ts';
import { type DeclaredRoute, registerRouteGuard } from './platform/access/route-guard.ts';
import { AuditTrail, auditSealSource } from './platform/audit/audit-trail.ts';
import { SignedHeadFile } from './platform/audit/signed-head.ts';
import { createAuthenticator } from './platform/auth/authenticator.ts';
import { DEFAULT_PASSWORD_POLICY } from './platform/auth/password-policy.ts';
import { registerIdempotencyKeys } from './platform/http/idempotency-key.ts';
import {
  databaseUnavailableProblem,
  frameworkErrorHandler,
  registerProblemHandlers,
  storageFullProblem,
} from './platform/http/problem.ts';
import { completeRouteContract } from './platform/http/route-contract.ts';
import { registerSecurityHeaders } from './platform/http/security-headers.ts';
import { buildLabValidator } from './platform/http/validation.ts';
import { registerWebUi } from './platform/http/web-ui.ts';
import { createLabMetrics, type LabMetrics } from './platform/lab-metrics.ts';
import { UnitOfWork } from './platform/unit-of-work.ts';
import type { ServerSecrets } from './secrets.ts';

export const LAB_VERSION: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version;

export type AppConfig = Pick<
  LabConfig,
  | 'logLevel'
  | 'bodyLimitBytes'
  | 'env'
  | 'lockoutThreshold'
  | 'lockoutMinutes'
  | 'passwordMaxAgeDays'
  | 'auditCheckpointInterval'
  | 'auditCheckpointSeconds'
  | 'sessionIdleMinutes'
  | 'loginMaxPerAddress'
  | 'loginMaxPerAccount'
  | 'loginWindowSeconds'
> &
  // Optional here: the default (loopback only) suits tests and tools that build an app.
  Partial<Pick<LabConfig, 'instrumentHosts'>>;

export interface AppDeps {
  config: AppConfig;
  database: Database;
  secrets: ServerSecrets;
  /** LIMS files (calibration certificates) live under here; uploads answer 503 without it. */
  dataDir?: string | undefined;
  /** Where each newly signed audit head is also written, outside the database; none when undefined. */
  auditHeadFile?: string | undefined;
  /** Pattern of generated sample ids, e.g. S-{YYYY}-{SEQ:6}. */
  sampleIdPattern?: string | undefined;
  /** Pino destination override, used by tests to read log lines. */
  logStream?: NodeJS.WritableStream;
  /** The built web UI served at /; apps/lab-web/dist when undefined. */
  webRoot?: string | undefined;
  /** Called before any route is registered, so its hooks reach every route (the tests' contract check). */
  beforeRoutes?: (app: FastifyInstance) => void;
}

/** What the modules share; decorated on the app so the CLI and tests reach the same instances. */
export interface LabServices extends ModuleServices {
  audit: AuditTrail;
  uow: UnitOfWork;
  metrics: LabMetrics;
  /** Wake-ups for run event readers: the engine notifies after each stored event, the live stream waits. */
  runSignals: RunEventSignals;
  /** Every route with its access declaration (public, authenticated or a permission). */
  routes: DeclaredRoute[];
}

declare module 'fastify' {
  interface FastifyInstance {
    lab: LabServices;
  }
}

const DOCS_PREFIX = '/docs';
const TOKEN_ISSUER = 'polymorph-lite';

/** Builds the lab OS HTTP app. Tests call this and use `inject`; main.ts adds listen and shutdown. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, database, secrets } = deps;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Credentials never reach the log.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'],
      // Nor do the values a failed query was given (SQL parameters, PostgreSQL's detail).
      serializers: logSerializers,
      ...(deps.logStream ? { stream: deps.logStream } : {}),
    },
    ...requestIdServerOptions(),
    frameworkErrors: frameworkErrorHandler,
    bodyLimit: config.bodyLimitBytes,
    // While closing, requests get the `shutting-down` problem from registerProblemHandlers instead.
    return503OnClosing: false,
    trustProxy: false,
    // Query strings, paths and headers are text and are coerced; bodies are not (platform/http/validation.ts).
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
    schemaController: { compilersFactory: { buildValidator: buildLabValidator } },
  });

  const registry = new Registry();
  const metrics = createLabMetrics(
    registry,
    limsGaugeSource(database.db),
    auditSealSource(database.db, config.auditCheckpointInterval),
  );
  const headFile = deps.auditHeadFile ? new SignedHeadFile(deps.auditHeadFile) : undefined;
  const audit = new AuditTrail(database, secrets.signingKey, config.auditCheckpointInterval, metrics, {
    checkpointSeconds: config.auditCheckpointSeconds,
    ...(headFile && {
      // The checkpoint is committed either way; a head that could not be kept must still be seen.
      onCheckpointSigned: (cp) =>
        headFile
          .record(cp)
          .catch((err: Error) =>
            app.log.error(
              { err: err.message, file: headFile.path, seq: cp.seq },
              'could not write the signed audit head file',
            ),
          ),
    }),
  });
  app.addHook('onClose', async () => audit.stop());
  const uow = new UnitOfWork(database, audit);
  const tokens = { key: secrets.tokenKey, issuer: TOKEN_ISSUER, audience: TOKEN_ISSUER };
  const kernel: ModuleKernel = {
    database,
    uow,
    audit,
    metrics,
    signingKey: secrets.signingKey,
    auth: {
      tokens,
      lockoutThreshold: config.lockoutThreshold,
      lockoutMinutes: config.lockoutMinutes,
      passwordPolicy: {
        ...DEFAULT_PASSWORD_POLICY,
        maxAgeDays: config.passwordMaxAgeDays > 0 ? config.passwordMaxAgeDays : null,
      },
      totpIssuer: 'POLYMORPH-LITE',
      sessionIdleMinutes: config.sessionIdleMinutes,
      loginThrottle: {
        perAddress: config.loginMaxPerAddress,
        perAccount: config.loginMaxPerAccount,
        windowSeconds: config.loginWindowSeconds,
      },
    },
    dataDir: deps.dataDir,
    sampleIdPattern: deps.sampleIdPattern,
    instrumentHosts: config.instrumentHosts ?? DEFAULT_INSTRUMENT_HOSTS,
    version: LAB_VERSION,
  };
  const services = createModuleServices(kernel);
  const routes: DeclaredRoute[] = [];
  // One wake-up bus per app: the engine's appends wake the API's live streams of the same process.
  app.decorate('lab', { audit, uow, metrics, runSignals: services.runs.signals, ...services, routes });

  await app.register(requestIdHeaderPlugin);
  await registerSecurityHeaders(app, { docsPrefix: DOCS_PREFIX });
  registerProblemHandlers(app, {
    translate: (error) => databaseUnavailableProblem(error) ?? storageFullProblem(error),
  });
  registerRouteGuard(app, {
    publicPrefixes: [DOCS_PREFIX],
    authenticate: createAuthenticator({
      db: database.db,
      tokens,
      passwordMaxAgeDays: config.passwordMaxAgeDays,
    }),
    routes,
  });
  registerIdempotencyKeys(app, uow, secrets.tokenKey);
  app.addHook('onRoute', completeRouteContract);
  deps.beforeRoutes?.(app);
  // Response schemas document the contract (enforced by the contract test); serialising with
  // JSON.stringify keeps a schema gap from silently dropping a field from a response.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  registerProblemSchema(app);

  await app.register(httpMetricsPlugin, { registry, ...(deps.dataDir ? { dataDir: deps.dataDir } : {}) });
  await app.register(swagger, {
    // Shared schemas become components named by their $id (#/components/schemas/Problem).
    refResolver: componentRefResolver,
    // Titled schemas (the views several operations return) become one component each.
    transformObject: (document) =>
      'openapiObject' in document ? hoistNamedSchemas(document.openapiObject) : document.swaggerObject,
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
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  await app.register(problemPagesPlugin);
  await registerModuleRoutes(app, kernel, services);
  await registerWebUi(app, deps.webRoot);
  return app;
}
