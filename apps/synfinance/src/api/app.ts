// SynFinance HTTP API (Fastify): generation streamed back, the fraud scoring routes, Prometheus metrics
// through the shared observability plugin, OpenAPI 3.1 at /openapi.json and /docs, problem pages at
// /problems. Optional API keys and a rate limit (per verified key, or else per address) guard everything
// but the operational routes; security headers (helmet) on every response, no CORS. Every error is
// RFC 9457 problem+json from @polymorph/http-problem (docs/api/problems.md).
// Settings come in as one object (config.ts reads the environment; this file never does).
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type ProblemSlug, problemTypeOf } from '@polymorph/http-problem/catalogue';
import { frameworkErrorHandler, registerProblemHandlers } from '@polymorph/http-problem/fastify-handlers';
import { problemPagesPlugin } from '@polymorph/http-problem/pages';
import {
  componentRefResolver,
  problemResponses,
  registerProblemSchema,
} from '@polymorph/http-problem/schema';
import { httpMetricsPlugin } from '@polymorph/observability/http-metrics';
import { logSerializers } from '@polymorph/observability/log-serializers';
import { qualityMetricsFor } from '@polymorph/observability/quality/prometheus-exporter';
import { requestIdHeaderPlugin, requestIdServerOptions } from '@polymorph/observability/request-id';
import { hoistNamedSchemas, type OpenApiDocument } from '@polymorph/openapi/named-schemas';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { ScoringConfig } from '../config.ts';
import { createSynfinanceMetrics } from '../fraud/api/metrics.ts';
import { fraudRoutes } from '../fraud/api/routes.ts';
import { Readiness } from '../fraud/api/schemas.ts';
import { ScoringService } from '../fraud/api/scoring-service.ts';
import { registerAccess } from './access.ts';
import { GeneratedBatchMonitor } from './generation-quality.ts';
import { completeRouteContract, SECURITY_SCHEMES } from './route-contract.ts';
import { Health } from './schemas.ts';
import { type ApiState, transactionRoutes } from './transaction-routes.ts';
import { buildApiValidator } from './validation.ts';

export type { ApiState } from './transaction-routes.ts';

export interface ApiOptions {
  /** Accepted API keys; empty = no authentication. */
  apiKeys?: string[];
  /** Requests per window per client (verified key, or else address); 0 = unlimited. */
  rateLimit?: number;
  rateWindowMs?: number;
  maxCount?: number;
  logger?: boolean;
  /** Reported as app_data_dir_bytes{path} (disk used by generated datasets and models). */
  dataDir?: string;
  /** Model, reload key, history cache and thresholds of the scoring routes; no model by default. */
  scoring?: Partial<ScoringConfig>;
  /** Called before any route is registered, so its hooks reach every route (the tests' contract check). */
  beforeRoutes?: (app: FastifyInstance) => void;
}

const DOCS_PREFIX = '/docs';
export const SYNFINANCE_API_VERSION = '0.1.0';

/**
 * Helmet's default CSP (scripts, styles, images from this origin: what the /docs UI loads), but no
 * framing at all, and no upgrade-insecure-requests, which would break /docs on a plain-HTTP port.
 */
const CSP_DIRECTIVES = { frameAncestors: ["'none'"], upgradeInsecureRequests: null };

/** The problem types this service answers with, served as pages at /problems/<slug>. */
const PROBLEM_SLUGS: ProblemSlug[] = [
  'validation-error',
  'malformed-json',
  'bad-request',
  'unauthorized',
  'forbidden',
  'not-found',
  'conflict',
  'body-too-large',
  'unsupported-media-type',
  'rate-limited',
  'internal-error',
  'shutting-down',
  'batch-too-large',
  'invalid-model',
  'model-unavailable',
  'feature-store-unavailable',
];

export async function buildApi(opts: ApiOptions = {}): Promise<{ app: FastifyInstance; state: ApiState }> {
  const app = Fastify({
    logger: opts.logger ? { serializers: logSerializers } : false,
    ...requestIdServerOptions(),
    frameworkErrors: frameworkErrorHandler,
    // While closing, requests get the `shutting-down` problem from registerProblemHandlers instead.
    return503OnClosing: false,
    // every bad field is listed, and a field the schema does not allow is refused rather than dropped
    ajv: { customOptions: { allErrors: true, removeAdditional: false } },
    schemaController: { compilersFactory: { buildValidator: buildApiValidator } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  registerProblemHandlers(app);
  registerProblemSchema(app);
  app.addHook('onRoute', completeRouteContract);
  opts.beforeRoutes?.(app);
  // Response schemas document the contract (the tests check responses against it); serialising with
  // JSON.stringify keeps a schema gap from silently dropping a field from a response.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await app.register(requestIdHeaderPlugin);
  await app.register(helmet, {
    contentSecurityPolicy: { directives: CSP_DIRECTIVES },
    frameguard: { action: 'deny' },
  });

  const registry = new Registry();
  await app.register(httpMetricsPlugin, { registry, ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });
  const metrics = createSynfinanceMetrics(registry);
  const quality = qualityMetricsFor(registry);
  const warn = (err: unknown, message: string) => app.log.warn({ err }, message);

  await registerDocs(app);
  await app.register(problemPagesPlugin, { entries: PROBLEM_SLUGS.map(problemTypeOf) });
  await registerAccess(app, {
    apiKeys: opts.apiKeys ?? [],
    rateLimit: opts.rateLimit ?? 0,
    rateWindowMs: opts.rateWindowMs ?? 60_000,
    publicPrefixes: [DOCS_PREFIX],
  });
  const state: ApiState = { activeGenerations: 0 };
  const monitor = new GeneratedBatchMonitor(quality, warn);
  await app.register(transactionRoutes, {
    maxCount: opts.maxCount ?? 1_000_000,
    metrics: metrics.generation,
    state,
    onComplete: (params, count) => monitor.check(params, count),
  });
  const { adminApiKey, ...scoringOptions } = opts.scoring ?? {};
  const scoring = await ScoringService.open(scoringOptions, { metrics: metrics.scoring, quality, warn });
  registerProbes(app, scoring);
  await app.register(fraudRoutes, { scoring, adminApiKey });
  return { app, state };
}

/** OpenAPI 3.1 at /openapi.json (titled schemas hoisted into components) and the docs UI. */
async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    refResolver: componentRefResolver,
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'SynFinance API',
        version: SYNFINANCE_API_VERSION,
        description:
          'Synthetic Indian transactions with labelled fraud, and a fraud-scoring model. Errors are RFC 9457 application/problem+json; each `type` resolves to a page under /problems.',
      },
      tags: [
        { name: 'transactions', description: 'Generate synthetic transactions' },
        { name: 'fraud', description: 'Score transactions, manage the model, feedback and drift' },
        { name: 'system', description: 'Liveness and readiness' },
        { name: 'problems', description: 'The problem types errors refer to' },
      ],
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    // Titled schemas (the shapes several operations share) become one component each.
    transformObject: (document) =>
      'openapiObject' in document
        ? reloadBodyOptional(hoistNamedSchemas(document.openapiObject))
        : document.swaggerObject,
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}

/** Model reload also takes no body at all (@fastify/swagger marks every request body required). */
function reloadBodyOptional<D extends OpenApiDocument>(document: D): D {
  const reload = document.paths?.['/api/fraud/model/reload']?.['post'] as
    | { requestBody?: { required?: boolean } }
    | undefined;
  if (reload?.requestBody) reload.requestBody.required = false;
  return document;
}

function registerProbes(app: FastifyInstance, scoring: ScoringService): void {
  const system = { tags: ['system'] };
  app.get(
    '/health',
    {
      config: { public: true },
      schema: { ...system, operationId: 'getHealth', summary: 'Liveness', response: { 200: Health } },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/ready',
    {
      config: { public: true },
      schema: {
        ...system,
        operationId: 'getReadiness',
        summary: 'Readiness: the configured model loaded and the history store answering',
        description: 'Says which model is loaded and where customer histories are kept.',
        response: {
          200: Readiness,
          ...problemResponses({
            503: 'The configured model is not loaded (`model-unavailable`), or the history store (Redis) does not answer (`feature-store-unavailable`)',
          }),
        },
      },
    },
    async () => scoring.readiness(),
  );
}
