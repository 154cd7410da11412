// SynFinance HTTP API (Fastify). Streams generated transactions; a client that disconnects stops
// its generation. Optional API keys (SYNFINANCE_API_KEYS), a fixed-window rate limit, Prometheus
// metrics through the shared observability plugin, OpenAPI at /openapi.json and /docs. Every error,
// here and in the fraud routes, is RFC 9457 problem+json from @polymorph/http-problem (docs/api/problems.md).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { registerProblemHandlers } from '@polymorph/http-problem/fastify-handlers';
import { statusProblem, validationProblem } from '@polymorph/http-problem/problem';
import { httpMetricsPlugin } from '@polymorph/observability/http-metrics';
import { buildReferenceProfile, type ReferenceProfile } from '@polymorph/observability/quality/profile';
import { qualityMetricsFor } from '@polymorph/observability/quality/prometheus-exporter';
import { qualityReport } from '@polymorph/observability/quality/report';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { Counter, Gauge, Registry } from 'prom-client';
import { fraudOptionsFromEnv, fraudRoutes } from '../fraud/api/routes.ts';
import { planShards } from '../generator/plan.ts';
import { TXN_COLUMNS } from '../generator/schema.ts';
import { generateStream } from '../generator/stream.ts';
import { TaskRunner } from '../generator/task.ts';
import { ANOMALY_TYPES, defaultGenParams, type GenParams } from '../generator/types.ts';
import { parseDay } from '../generator/world/calendar.ts';
import { TRANSACTION_QUALITY_SCHEMA, typedTransaction } from '../quality/transaction-quality-schema.ts';

export interface ApiOptions {
  /** accepted API keys; empty = no authentication */
  apiKeys?: string[];
  /** requests per window per client (key or IP); 0 = unlimited */
  rateLimit?: number;
  rateWindowMs?: number;
  maxCount?: number;
  logger?: boolean;
  /** Reported as app_data_dir_bytes{path} (disk used by generated datasets and models). */
  dataDir?: string;
}

const CONTENT_TYPE = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson',
  parquet: 'application/vnd.apache.parquet',
};
const PUBLIC = new Set(['/health', '/ready', '/metrics', '/openapi.json']);

export interface ApiState {
  activeGenerations: number;
}

export async function buildApi(opts: ApiOptions = {}): Promise<{ app: FastifyInstance; state: ApiState }> {
  const app = Fastify({
    logger: opts.logger ?? false,
    // every bad field is listed, and a field the schema does not allow is refused rather than dropped
    ajv: { customOptions: { allErrors: true, removeAdditional: false } },
  });
  registerProblemHandlers(app);
  // the id a 500 problem asks the client to quote, also on the server's log lines
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  const registry = new Registry();
  await app.register(httpMetricsPlugin, { registry, ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });
  const qualityMetrics = qualityMetricsFor(registry);
  /** The first shard (up to 20,000 rows) of a generation, regenerated as JSON: the same rows in any format. */
  function firstShardRecords(params: GenParams, count: number): Record<string, unknown>[] {
    const first = planShards(count, params.days, params.shardRows)[0];
    if (!first) return [];
    const text = new TextDecoder().decode(new TaskRunner(params, 'jsonl').run(0, [first]).txnText!);
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => typedTransaction(JSON.parse(line) as Record<string, unknown>));
  }
  // Expected missing and outlier rates come from the default world (seed 42); built on first use.
  let generatedBaseline: ReferenceProfile | undefined;
  /**
   * Every generated batch is checked against the declared transaction schema: missing values and
   * outliers beyond the default world's own rates, and schema violations, on its first shard. Drift is
   * not judged here (each seed is a different synthetic world, so there is no single reference); it is
   * monitored on scoring traffic against the model's training profile.
   */
  function monitorGeneratedBatch(params: GenParams, count: number): void {
    try {
      generatedBaseline ??= buildReferenceProfile(
        firstShardRecords(defaultGenParams(), 20_000),
        TRANSACTION_QUALITY_SCHEMA,
      );
      const records = firstShardRecords(params, count);
      const report = qualityReport(generatedBaseline, records, TRANSACTION_QUALITY_SCHEMA, {
        minWindow: Number.MAX_SAFE_INTEGER,
      });
      qualityMetrics.record('generated', report);
    } catch (err) {
      app.log.warn({ err }, 'data-quality check of a generated batch failed');
    }
  }
  const generated = new Counter({
    name: 'synfinance_transactions_generated_total',
    help: 'Transactions generated and sent by the API',
    registers: [registry],
  });
  const rate = new Gauge({
    name: 'synfinance_generation_rate_txn_per_sec',
    help: 'Generation rate of the most recent (or current) API generation, transactions per second',
    registers: [registry],
  });
  const fraud = new Counter({
    name: 'synfinance_fraud_injected_total',
    help: 'Fraud rows injected into generated transactions, by fraud type and severity',
    labelNames: ['fraud_type', 'severity'] as const,
    registers: [registry],
  });
  const anomalies = new Counter({
    name: 'synfinance_anomalies_injected_total',
    help: 'Anomaly rows injected into generated transactions, by anomaly type',
    labelNames: ['anomaly_type'] as const,
    registers: [registry],
  });
  for (const anomaly_type of ANOMALY_TYPES) anomalies.inc({ anomaly_type }, 0);
  const active = new Gauge({
    name: 'synfinance_active_generations',
    help: 'API generations currently streaming',
    registers: [registry],
  });
  const state: ApiState = { activeGenerations: 0 };
  const maxCount = opts.maxCount ?? 1_000_000;

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'SynFinance API',
        version: '0.1.0',
        description: 'Synthetic Indian transactions with labelled fraud',
      },
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // API keys and rate limit for everything but the operational endpoints
  const keys = new Set((opts.apiKeys ?? []).filter(Boolean));
  const limit = opts.rateLimit ?? 0;
  const windowMs = opts.rateWindowMs ?? 60_000;
  const windows = new Map<string, { start: number; n: number }>();
  let lastSweep = 0;
  const isPublic = (req: FastifyRequest) => {
    const url = req.routeOptions.url ?? req.url;
    return PUBLIC.has(url) || url.startsWith('/docs');
  };
  app.addHook('onRequest', async (req, reply) => {
    if (isPublic(req)) return;
    const key = req.headers['x-api-key'];
    if (keys.size && (typeof key !== 'string' || !keys.has(key))) {
      throw statusProblem(401, 'missing or invalid x-api-key');
    }
    if (limit > 0) {
      const who = typeof key === 'string' && key ? `k:${key}` : `ip:${req.ip}`;
      const now = Date.now();
      // expired windows are dropped once the map is large, at most once per window (not per request)
      if (windows.size > 10_000 && now - lastSweep >= windowMs) {
        lastSweep = now;
        for (const [k, v] of windows) if (now - v.start >= windowMs) windows.delete(k);
      }
      let w = windows.get(who);
      if (!w || now - w.start >= windowMs) {
        w = { start: now, n: 0 };
        windows.set(who, w);
      }
      if (++w.n > limit) {
        reply.header('retry-after', Math.ceil((w.start + windowMs - now) / 1000));
        throw statusProblem(
          429,
          `more than ${limit} requests in ${windowMs / 1000} s; retry after the seconds in retry-after`,
        );
      }
    }
  });

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/ready', { schema: { hide: true } }, async () => ({ status: 'ready' }));

  app.get(
    '/api/transactions/schema',
    {
      schema: {
        description: 'Columns of the transaction table (see docs/synfinance/schema.md)',
        security: [{ apiKey: [] }],
      },
    },
    async () => ({ columns: TXN_COLUMNS }),
  );

  app.post<{
    Body: {
      count: number;
      seed?: number;
      fraud_rate?: number;
      format?: 'csv' | 'jsonl' | 'parquet';
      start?: string;
      days?: number;
    };
  }>(
    '/api/transactions/generate',
    {
      schema: {
        description: 'Generate transactions and stream them back (CSV, JSONL or Parquet)',
        security: [{ apiKey: [] }],
        body: {
          type: 'object',
          required: ['count'],
          additionalProperties: false,
          properties: {
            count: { type: 'integer', minimum: 1, maximum: maxCount },
            seed: { type: 'integer', minimum: 0, default: 42 },
            fraud_rate: { type: 'number', minimum: 0, maximum: 0.5, default: 0.02 },
            format: { type: 'string', enum: ['csv', 'jsonl', 'parquet'], default: 'csv' },
            start: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', default: '2025-01-01' },
            days: { type: 'integer', minimum: 1, maximum: 3660, default: 365 },
          },
        },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const startDay = parseDay(b.start ?? '2025-01-01');
      if (startDay === null)
        throw validationProblem([{ field: 'body.start', message: `is not a real date (${b.start})` }]);
      const format = b.format ?? 'csv';
      const params = defaultGenParams({
        startDay,
        ...(b.seed !== undefined && { seed: b.seed }),
        ...(b.days !== undefined && { days: b.days }),
        ...(b.fraud_rate !== undefined && { fraudRate: b.fraud_rate }),
      });
      const ac = new AbortController();
      // the response's 'close' before it finished = the client went away (the request's own
      // 'close' fires as soon as its body has been read, so it cannot be used for this)
      const onClose = () => {
        if (!reply.raw.writableFinished) ac.abort();
      };
      reply.raw.on('close', onClose);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': CONTENT_TYPE[format],
        'content-disposition': `attachment; filename="transactions.${format}"`,
      });
      state.activeGenerations++;
      active.inc();
      const t0 = performance.now();
      let rows = 0;
      try {
        for await (const chunk of generateStream(params, b.count, format, ac.signal)) {
          if (ac.signal.aborted) break;
          if (chunk.stats) {
            rows += chunk.stats.rows;
            generated.inc(chunk.stats.rows);
            for (const [k, v] of Object.entries(chunk.stats.fraudByTypeSeverity)) {
              const [fraud_type, severity] = k.split('|');
              fraud.inc({ fraud_type: fraud_type!, severity: severity! }, v);
            }
            for (const [anomaly_type, v] of Object.entries(chunk.stats.anomalyByType))
              anomalies.inc({ anomaly_type }, v);
            rate.set(rows / Math.max((performance.now() - t0) / 1000, 1e-6));
          }
          if (!res.write(chunk.bytes)) {
            await new Promise<void>((resolve) => {
              const done = () => {
                res.off('drain', done);
                ac.signal.removeEventListener('abort', done);
                resolve();
              };
              res.on('drain', done);
              ac.signal.addEventListener('abort', done, { once: true });
            });
          }
        }
        if (!ac.signal.aborted) {
          res.end();
          setImmediate(() => monitorGeneratedBatch(params, b.count));
        } else res.destroy();
      } catch (e) {
        req.log.error(e);
        res.destroy();
      } finally {
        state.activeGenerations--;
        active.dec();
        reply.raw.off('close', onClose);
      }
    },
  );

  await app.register(fraudRoutes, fraudOptionsFromEnv()); // fraud scoring API and metrics (issue 6)

  return { app, state };
}
