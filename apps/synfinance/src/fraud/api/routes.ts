// The scoring API over HTTP: schemas and thin handlers; the work is the ScoringService's.
//   POST /api/fraud/predict        {transaction}              -> probability, risk score, decision, reasons
//   POST /api/fraud/predict/batch  {transactions: [...]}      -> at most 10,000; errors item by item
//   GET  /api/fraud/model                                     -> metadata of the model in use
//   GET  /api/fraud/drift                                     -> drift against the training profile
//   POST /api/fraud/model/reload   [{path}] + x-admin-key     -> load, validate, swap (no restart)
//   POST /api/fraud/feedback       {transaction_id, is_fraud} -> rolling-window precision/recall/F1
// Errors are RFC 9457 problem+json (docs/api/problems.md).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemErrorHandler } from '@polymorph/http-problem/fastify-handlers';
import { catalogueProblem, statusProblem } from '@polymorph/http-problem/problem';
import { problemResponses, registerProblemSchema } from '@polymorph/http-problem/schema';
import { qualityMetricsFor } from '@polymorph/observability/quality/prometheus-exporter';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { createScoringMetrics } from './metrics.ts';
import {
  BatchRequest,
  BatchResult,
  DriftReport,
  FeedbackRequest,
  FeedbackResult,
  ModelInfo,
  Prediction,
  PredictRequest,
  ReloadRequest,
  ReloadResult,
} from './schemas.ts';
import { type ScoringOptions, ScoringService } from './scoring-service.ts';

export interface FraudRoutesOptions extends ScoringOptions {
  /** The service to serve; without one, the routes build their own from these options. */
  scoring?: ScoringService;
  /** Key for POST /api/fraud/model/reload (header x-admin-key); without one, reload answers 403. */
  adminApiKey?: string | undefined;
  /** Registry for the scoring metrics when the routes build their own service (default app.metricsRegistry). */
  registry?: Registry;
}

const tags = ['fraud'];
const modelUnavailable = problemResponses({ 503: 'No model is loaded' });

export const fraudRoutes: FastifyPluginAsyncTypebox<FraudRoutesOptions> = async (app, opts) => {
  const scoring = opts.scoring ?? (await ownScoringService(app, opts));
  // problem+json for every error of these routes, also on a bare Fastify instance (tests, benches);
  // responses serialise as they are (the schemas document them, they do not filter them)
  app.setErrorHandler(problemErrorHandler);
  registerProblemSchema(app);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addHook('onClose', () => scoring.close());

  app.post(
    '/api/fraud/predict',
    {
      schema: {
        operationId: 'predictFraud',
        summary: 'Score one transaction',
        description: 'Updates the customer’s history. A column the scorer cannot read is a 400 naming it.',
        tags,
        body: PredictRequest,
        response: { 200: Prediction, ...modelUnavailable },
      },
    },
    async (req) => scoring.predict(req.body.transaction, 'body.transaction'),
  );

  app.post(
    '/api/fraud/predict/batch',
    {
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        operationId: 'predictFraudBatch',
        summary: `Score up to ${scoring.maxBatch} transactions in order`,
        description: 'Invalid items get an error each; the rest are scored. Body limit 32 MiB.',
        tags,
        body: BatchRequest,
        response: {
          200: BatchResult,
          ...problemResponses({ 413: `Body over 32 MiB, or more than ${scoring.maxBatch} transactions` }),
          ...modelUnavailable,
        },
      },
    },
    async (req) => scoring.predictBatch(req.body.transactions, 'body.transactions'),
  );

  app.get(
    '/api/fraud/model',
    {
      schema: {
        operationId: 'getFraudModel',
        summary: 'Metadata of the model in use',
        tags,
        response: { 200: ModelInfo, ...modelUnavailable },
      },
    },
    async () => scoring.modelInfo(),
  );

  app.get(
    '/api/fraud/drift',
    {
      schema: {
        operationId: 'getFraudDrift',
        summary: 'Drift of recent scoring traffic against the training profile',
        description: 'PSI and KS per feature, over the feature rows of the latest predictions of this model.',
        tags,
        response: {
          200: DriftReport,
          ...problemResponses({ 404: 'The model file carries no reference profile' }),
          ...modelUnavailable,
        },
      },
    },
    async () => scoring.drift(),
  );

  app.post(
    '/api/fraud/model/reload',
    {
      config: { adminKey: true },
      preHandler: adminKeyCheck(opts.adminApiKey),
      schema: {
        operationId: 'reloadFraudModel',
        summary: 'Load a model file, validate it and swap it in',
        description:
          'Requests in flight finish on the old model. Needs x-admin-key. Reads only regular files inside the model directory (symlinks resolved first); errors never quote the file. A file that does not load leaves the old model in use (422).',
        tags,
        body: ReloadRequest,
        response: {
          200: ReloadResult,
          ...problemResponses(
            { 400: 'Invalid body, or no path given and none configured' },
            { 401: 'x-admin-key (or x-api-key) is missing or wrong' },
            { 403: 'Reload is disabled: no admin key is configured' },
            {
              422: 'No readable model file at that path inside the model directory (the same answer whether it is missing, a directory, unreadable or outside), or not a valid model; the previous model stays in use',
            },
          ),
        },
      },
    },
    async (req) => scoring.reload(req.body?.path),
  );

  app.post(
    '/api/fraud/feedback',
    {
      schema: {
        operationId: 'recordFraudFeedback',
        summary: 'Confirmed outcome of a scored transaction',
        description:
          'Feeds the rolling precision/recall/F1 (reported once the window holds enough outcomes).',
        tags,
        body: FeedbackRequest,
        response: {
          200: FeedbackResult,
          ...problemResponses(
            { 404: 'No recent prediction with this transaction_id' },
            { 409: 'Feedback for this transaction was already recorded' },
          ),
        },
      },
    },
    async (req) =>
      scoring.feedback(req.body.transaction_id, req.body.is_fraud === true || req.body.is_fraud === 1),
  );
};

/** The routes on their own (tests, benches): metrics on the app's registry, warnings to its log. */
async function ownScoringService(app: FastifyInstance, opts: FraudRoutesOptions): Promise<ScoringService> {
  const registry = opts.registry ?? app.metricsRegistry;
  if (!registry) throw new Error('fraudRoutes: register the http-metrics plugin first (or pass a registry)');
  return ScoringService.open(opts, {
    metrics: createScoringMetrics(registry),
    quality: qualityMetricsFor(registry),
    warn: (err, message) => app.log.warn({ err }, message),
  });
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** Reload needs the admin key; with none configured it is disabled. Compared in constant time. */
function adminKeyCheck(adminApiKey: string | undefined) {
  const expected = adminApiKey ? sha256(adminApiKey) : null;
  return async (req: FastifyRequest) => {
    if (!expected) throw catalogueProblem('forbidden', 'reload is disabled: no admin API key is configured');
    const key = req.headers['x-admin-key'];
    if (typeof key !== 'string' || !timingSafeEqual(sha256(key), expected)) {
      throw statusProblem(401, 'missing or invalid x-admin-key');
    }
  };
}
