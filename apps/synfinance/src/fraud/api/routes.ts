// Fastify plugin `fraudRoutes`: the scoring API of issue 6 and its metrics.
//   POST /api/fraud/predict        {transaction}            -> probability, risk score, decision, reasons
//   POST /api/fraud/predict/batch  {transactions: [...]}    -> at most 10,000; errors item by item
//   GET  /api/fraud/model                                   -> metadata of the model in use
//   POST /api/fraud/model/reload   [{path}] + x-admin-key   -> load, validate, swap (no restart)
//   POST /api/fraud/feedback       {transaction_id, is_fraud} -> rolling-window precision/recall/F1
// Errors are RFC 9457 problem+json (docs/api/problems.md). Register after the http-metrics plugin:
// the metrics go on `app.metricsRegistry`.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { problemErrorHandler } from '@polymorph/http-problem/fastify-handlers';
import { HttpProblem, statusProblem, validationProblem } from '@polymorph/http-problem/problem';
import type { ReferenceProfile } from '@polymorph/observability/quality/profile';
import { qualityMetricsFor } from '@polymorph/observability/quality/prometheus-exporter';
import { qualityReport } from '@polymorph/observability/quality/report';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  DEFAULT_THRESHOLDS,
  type LoadedModel,
  loadModelText,
  ModelLoadError,
  type Thresholds,
} from '../training/train.ts';
import { FieldError, FraudScorer, type Timed } from './scorer.ts';

export interface FraudRoutesOptions {
  /** Model file loaded at start-up and by a reload without a path. */
  modelPath?: string;
  /** Or an already loaded model. */
  model?: LoadedModel;
  /** Key for POST /api/fraud/model/reload (header x-admin-key); without one, reload answers 403. */
  adminApiKey?: string;
  /** Customers kept in the history LRU (default 100,000). */
  cacheSize?: number;
  /** Override the model's review/block thresholds. */
  thresholds?: Partial<Thresholds>;
  /** Feedback outcomes in the rolling window (default 1,000) and the minimum before the
   *  precision/recall/F1 gauges appear (default 50). */
  feedbackWindow?: number;
  minFeedback?: number;
  /** Predictions in the synfinance_fraud_rate window (default 10,000). */
  rateWindow?: number;
  /** Feature rows of the latest predictions kept for GET /api/fraud/drift (default 5,000). */
  driftWindow?: number;
  /** Export the scoring window's data-quality metrics every N predictions (default 1,000). */
  qualityEvery?: number;
  maxBatch?: number;
  /** Registry for the metrics (default app.metricsRegistry). */
  registry?: Registry;
}

/** Fixed-size ring of booleans pairs, for rolling windows. */
class Ring {
  private a: Uint8Array;
  private i = 0;
  n = 0;
  constructor(readonly cap: number) {
    this.a = new Uint8Array(cap);
  }
  push(v: number): number | null {
    const old = this.n === this.cap ? this.a[this.i]! : null;
    this.a[this.i] = v;
    this.i = (this.i + 1) % this.cap;
    if (this.n < this.cap) this.n++;
    return old;
  }
}

const sha = (s: string) => createHash('sha256').update(s).digest();

export async function fraudRoutes(app: FastifyInstance, opts: FraudRoutesOptions): Promise<void> {
  const registry = opts.registry ?? app.metricsRegistry;
  if (!registry) throw new Error('fraudRoutes: register the http-metrics plugin first (or pass a registry)');
  const maxBatch = opts.maxBatch ?? 10_000;
  const minFeedback = opts.minFeedback ?? 50;
  const scorer = new FraudScorer(opts.cacheSize ?? 100_000);
  const state: { current: LoadedModel | null; loadedAt: string | null; reloads: number } = {
    current: opts.model ?? null,
    loadedAt: opts.model ? new Date().toISOString() : null,
    reloads: 0,
  };
  if (!state.current && opts.modelPath) {
    state.current = loadModelText(await readFile(opts.modelPath, 'utf8'));
    state.loadedAt = new Date().toISOString();
  }
  const thresholdsOf = (lm: LoadedModel): Thresholds => ({
    ...DEFAULT_THRESHOLDS,
    ...lm.thresholds,
    ...opts.thresholds,
  });

  // ---- metrics (names from seed 001; see deploy/metrics-catalogue.json)
  const secBuckets = [
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
    0.5, 1,
  ];
  const detections = new Counter({
    name: 'synfinance_fraud_detections_total',
    help: 'Transactions scored review or block, by the top reason group (fraud_type) and severity',
    labelNames: ['fraud_type', 'severity'] as const,
    registers: [registry],
  });
  const confidence = new Histogram({
    name: 'synfinance_fraud_confidence',
    help: 'Predicted fraud probability of each scored transaction',
    buckets: [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99],
    registers: [registry],
  });
  const predSeconds = new Histogram({
    name: 'synfinance_prediction_seconds',
    help: 'Time to score one transaction (features, model and reasons), seconds',
    buckets: secBuckets,
    registers: [registry],
  });
  const featSeconds = new Histogram({
    name: 'synfinance_feature_engineering_seconds',
    help: 'Time to compute the features of one transaction, seconds',
    buckets: secBuckets,
    registers: [registry],
  });
  const cacheHits = new Counter({
    name: 'synfinance_cache_hits_total',
    help: 'Customer-history cache hits',
    registers: [registry],
  });
  const cacheMisses = new Counter({
    name: 'synfinance_cache_misses_total',
    help: 'Customer-history cache misses',
    registers: [registry],
  });
  // Gauges that would be misleading before data arrives are registered only once they have a value.
  const fraudRate = new Gauge({
    name: 'synfinance_fraud_rate',
    help: 'Share of the last scored transactions flagged review or block',
    registers: [],
  });
  const precisionG = new Gauge({
    name: 'synfinance_model_precision',
    help: 'Precision over the feedback window (flag = review or block)',
    registers: [],
  });
  const recallG = new Gauge({
    name: 'synfinance_model_recall',
    help: 'Recall over the feedback window',
    registers: [],
  });
  const f1G = new Gauge({ name: 'synfinance_model_f1', help: 'F1 over the feedback window', registers: [] });
  const lazy = new Set<string>();
  const ensure = (g: Gauge) => {
    const name = (g as unknown as { name: string }).name;
    if (!lazy.has(name)) {
      if (!registry.getSingleMetric(name)) registry.registerMetric(g);
      lazy.add(name);
    }
  };

  const rate = new Ring(opts.rateWindow ?? 10_000);
  let flaggedInWindow = 0;
  // outcomes of recent predictions, for feedback (bounded; oldest forgotten first)
  const recent = new Map<string, 0 | 1>();
  const RECENT_CAP = 200_000;
  const fb = new Ring(opts.feedbackWindow ?? 1_000); // codes: 0 tn, 1 fp, 2 fn, 3 tp
  const fbCounts = [0, 0, 0, 0];
  const feedbackIds = new Set<string>();

  // feature rows of the latest predictions of the current model, for GET /api/fraud/drift
  const driftCap = opts.driftWindow ?? 5_000;
  let win = { version: '', nCols: 0, buf: new Float64Array(0), n: 0, i: 0 };
  function keepRow(lm: LoadedModel, row: Float64Array): void {
    if (win.version !== lm.version || win.nCols !== row.length) {
      win = {
        version: lm.version,
        nCols: row.length,
        buf: new Float64Array(driftCap * row.length),
        n: 0,
        i: 0,
      };
    }
    win.buf.set(row, win.i * win.nCols);
    win.i = (win.i + 1) % driftCap;
    if (win.n < driftCap) win.n++;
  }

  /** Feature rows kept for this model (none once another model's rows fill the window). */
  const rowsKeptFor = (lm: LoadedModel) => (win.version === lm.version ? win.n : 0);

  /** The window of recent feature rows against the model's training profile: drift endpoint and metrics. */
  function scoringQualityReport(lm: LoadedModel, profile: ReferenceProfile) {
    const names = lm.file.feature_names;
    const n = rowsKeptFor(lm);
    const records: Record<string, number | null>[] = [];
    for (let r = 0; r < n; r++) {
      const rec: Record<string, number | null> = {};
      for (let j = 0; j < names.length; j++) {
        const v = win.buf[r * win.nCols + j]!;
        rec[names[j]!] = Number.isNaN(v) ? null : v;
      }
      records.push(rec);
    }
    return qualityReport(profile, records, {
      fields: names.map((name) => ({ name, type: 'number' as const, nullable: true })),
    });
  }

  // Every `qualityEvery` predictions, the window is compared with the training profile and exported as
  // the synfinance_data_* series (stream="scoring"), off the request path.
  const qualityMetrics = qualityMetricsFor(registry);
  const qualityEvery = opts.qualityEvery ?? 1_000;
  let sinceQuality = 0;
  let qualityPending = false;
  function maybeExportQuality(lm: LoadedModel): void {
    if (++sinceQuality < qualityEvery || qualityPending) return;
    const profile = lm.file.fraud?.reference_profile;
    if (!profile) return;
    sinceQuality = 0;
    qualityPending = true;
    setImmediate(() => {
      try {
        qualityMetrics.record('scoring', scoringQualityReport(lm, profile));
      } catch (err) {
        app.log.warn({ err }, 'scoring data-quality report failed');
      } finally {
        qualityPending = false;
      }
    });
  }

  function record(lm: LoadedModel, t: Timed): void {
    keepRow(lm, t.features);
    maybeExportQuality(lm);
    const p = t.prediction;
    predSeconds.observe(t.totalSeconds);
    featSeconds.observe(t.featureSeconds);
    confidence.observe(p.fraud_probability);
    if (t.cacheHit === true) cacheHits.inc();
    else if (t.cacheHit === false) cacheMisses.inc();
    const flagged = p.decision === 'allow' ? 0 : 1;
    if (flagged) detections.inc({ fraud_type: t.reasonGroup, severity: t.severity! });
    const old = rate.push(flagged);
    flaggedInWindow += flagged - (old ?? 0);
    ensure(fraudRate);
    fraudRate.set(flaggedInWindow / rate.n);
    if (p.transaction_id !== null) {
      recent.delete(p.transaction_id);
      recent.set(p.transaction_id, flagged);
      if (recent.size > RECENT_CAP) recent.delete(recent.keys().next().value as string);
    }
  }

  // problem+json for every error of these routes (validation, body too large, bad JSON), also when the
  // plugin runs on a bare Fastify instance (tests, bench/fraud-server.ts)
  app.setErrorHandler(problemErrorHandler);

  const noModel = () =>
    new HttpProblem(
      503,
      'model-unavailable',
      'No model loaded',
      'load one with POST /api/fraud/model/reload',
    );

  /** A scorer's FieldError as a problem field error, its field under `prefix` (FieldError's message is `field: message`). */
  const fieldErrorAt = (e: FieldError, prefix: string) => ({
    field: `${prefix}.${e.field}`,
    message: e.message.slice(e.field.length + 2),
  });

  const txnSchema = {
    type: 'object',
    description: 'A transaction with the columns of docs/synfinance/schema.md (labels are ignored)',
  };

  app.post<{ Body: { transaction: Record<string, unknown> } }>(
    '/api/fraud/predict',
    {
      schema: {
        description: 'Score one transaction; its customer history is updated',
        body: { type: 'object', required: ['transaction'], properties: { transaction: txnSchema } },
      },
    },
    async (req) => {
      const lm = state.current;
      if (!lm) throw noModel();
      try {
        const t = scorer.score(lm, req.body.transaction, thresholdsOf(lm));
        record(lm, t);
        return t.prediction;
      } catch (e) {
        if (e instanceof FieldError)
          throw validationProblem([fieldErrorAt(e, 'body.transaction')], 'Invalid transaction');
        throw e;
      }
    },
  );

  app.post<{ Body: { transactions: unknown[] } }>(
    '/api/fraud/predict/batch',
    {
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        description: `Score up to ${maxBatch} transactions in order; invalid items get an error each, the rest are scored`,
        body: {
          type: 'object',
          required: ['transactions'],
          properties: { transactions: { type: 'array', items: {} } },
        },
      },
    },
    async (req) => {
      const items = req.body.transactions;
      if (items.length > maxBatch) {
        throw new HttpProblem(
          413,
          'batch-too-large',
          'Batch too large',
          `${items.length} transactions; at most ${maxBatch} per batch`,
        );
      }
      const lm = state.current;
      if (!lm) throw noModel();
      const th = thresholdsOf(lm);
      const t0 = performance.now();
      let errors = 0;
      const results = items.map((item, index) => {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) {
          errors++;
          return { index, error: { field: `body.transactions.${index}`, message: 'must be an object' } };
        }
        try {
          const t = scorer.score(lm, item as Record<string, unknown>, th);
          record(lm, t);
          return { index, ...t.prediction };
        } catch (e) {
          if (!(e instanceof FieldError)) throw e;
          errors++;
          return { index, error: fieldErrorAt(e, `body.transactions.${index}`) };
        }
      });
      return {
        model_version: lm.version,
        count: items.length,
        errors,
        processing_time_ms: performance.now() - t0,
        results,
      };
    },
  );

  app.get('/api/fraud/model', { schema: { description: 'Metadata of the model in use' } }, async () => {
    const lm = state.current;
    if (!lm) throw noModel();
    const f = lm.file;
    return {
      model_version: lm.version,
      algo: f.algo,
      feature_names: f.feature_names,
      feature_spec: lm.spec.kind,
      params: f.params,
      training_data_hash: f.training_data_hash,
      metrics: f.metrics,
      created_at: f.created_at,
      thresholds: thresholdsOf(lm),
      split: f.fraud?.split ?? null,
      loaded_at: state.loadedAt,
      reloads: state.reloads,
      cache: { customers: scorer.extractor.size, capacity: scorer.extractor.maxCustomers },
    };
  });

  app.get(
    '/api/fraud/drift',
    {
      schema: {
        description:
          "Drift of the features of the latest predictions against the model's training reference profile (PSI and KS per feature)",
      },
    },
    async () => {
      const lm = state.current;
      if (!lm) throw noModel();
      const profile = lm.file.fraud?.reference_profile;
      if (!profile)
        throw new HttpProblem(
          404,
          'not-found',
          'No reference profile',
          'this model file carries no reference profile',
        );
      const n = rowsKeptFor(lm);
      const rep = scoringQualityReport(lm, profile);
      const fields = rep.fields.map((f) => ({
        name: f.name,
        verdict: f.driftVerdict,
        drift: f.drift.map((d) => ({ method: d.method, value: d.value, verdict: d.verdict })),
      }));
      const order = ['drift', 'warn', 'ok', 'insufficient_data', 'not_monitored'];
      const worst = fields.reduce(
        (w, f) => (order.indexOf(f.verdict) < order.indexOf(w) ? f.verdict : w),
        'not_monitored' as string,
      );
      return {
        model_version: lm.version,
        window: n,
        min_window: rep.settings.minWindow,
        verdict: n === 0 ? 'insufficient_data' : worst,
        drifted: fields.filter((f) => f.verdict === 'drift').map((f) => f.name),
        fields,
      };
    },
  );

  const adminHash = opts.adminApiKey ? sha(opts.adminApiKey) : null;
  app.post<{ Body: { path?: string } | undefined }>(
    '/api/fraud/model/reload',
    {
      schema: {
        description:
          'Load a model file, validate it and swap it in; requests in flight finish on the old one (header x-admin-key)',
        body: {
          type: ['object', 'null'],
          properties: { path: { type: 'string', minLength: 1 } },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      if (!adminHash)
        throw new HttpProblem(403, 'forbidden', 'Reload disabled', 'no admin API key is configured');
      const key = req.headers['x-admin-key'];
      if (typeof key !== 'string' || !timingSafeEqual(sha(key), adminHash)) {
        throw statusProblem(401, 'missing or invalid x-admin-key');
      }
      const path = req.body?.path ?? opts.modelPath;
      if (!path)
        throw new HttpProblem(
          400,
          'bad-request',
          'No model path',
          'give {"path": ...}; no default model path is configured',
        );
      let next: LoadedModel;
      try {
        next = loadModelText(await readFile(path, 'utf8'));
      } catch (e) {
        const msg =
          e instanceof ModelLoadError
            ? e.message
            : `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`;
        throw new HttpProblem(
          422,
          'invalid-model',
          'Model not loaded',
          `${msg}; the previous model stays in use`,
        );
      }
      const previous = state.current?.version ?? null;
      state.current = next; // one assignment: requests already running keep their reference
      state.loadedAt = new Date().toISOString();
      state.reloads++;
      return { model_version: next.version, previous_version: previous, loaded_at: state.loadedAt };
    },
  );

  app.post<{ Body: { transaction_id: string; is_fraud: boolean | 0 | 1 } }>(
    '/api/fraud/feedback',
    {
      schema: {
        description: 'Confirmed outcome of a scored transaction; feeds the rolling precision/recall/F1',
        body: {
          type: 'object',
          required: ['transaction_id', 'is_fraud'],
          additionalProperties: false,
          properties: {
            transaction_id: { type: 'string', minLength: 1, maxLength: 200 },
            is_fraud: { anyOf: [{ type: 'boolean' }, { type: 'integer', enum: [0, 1] }] },
          },
        },
      },
    },
    async (req) => {
      const { transaction_id: id } = req.body;
      const actual = req.body.is_fraud === true || req.body.is_fraud === 1 ? 1 : 0;
      const flagged = recent.get(id);
      if (flagged === undefined) {
        throw new HttpProblem(
          404,
          'not-found',
          'Unknown transaction',
          `no recent prediction for transaction_id ${id}`,
        );
      }
      if (feedbackIds.has(id))
        throw new HttpProblem(
          409,
          'conflict',
          'Duplicate feedback',
          `feedback for ${id} was already recorded`,
        );
      feedbackIds.add(id);
      if (feedbackIds.size > RECENT_CAP) feedbackIds.delete(feedbackIds.values().next().value as string);
      const code = actual * 2 + flagged;
      const old = fb.push(code);
      fbCounts[code]!++;
      if (old !== null) fbCounts[old]!--;
      const [, fp, fn, tp] = fbCounts as [number, number, number, number];
      const precision = tp + fp ? tp / (tp + fp) : 0;
      const recall = tp + fn ? tp / (tp + fn) : 0;
      const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
      const ready = fb.n >= minFeedback;
      if (ready) {
        for (const [g, v] of [
          [precisionG, precision],
          [recallG, recall],
          [f1G, f1],
        ] as const) {
          ensure(g);
          g.set(v);
        }
      }
      return {
        recorded: true,
        window: fb.n,
        min_for_metrics: minFeedback,
        precision: ready ? precision : null,
        recall: ready ? recall : null,
        f1: ready ? f1 : null,
      };
    },
  );
}

/**
 * Options from the environment, for the SynFinance service: SYNFINANCE_MODEL_PATH (model loaded at
 * start-up and by a reload without a path; without it the routes answer 503 until a reload names
 * one), SYNFINANCE_ADMIN_API_KEY (reload), SYNFINANCE_FRAUD_CACHE_SIZE (customers in the LRU),
 * SYNFINANCE_REVIEW_THRESHOLD / SYNFINANCE_BLOCK_THRESHOLD.
 */
export function fraudOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): FraudRoutesOptions {
  const num = (name: string, min: number, max: number): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const x = Number(v);
    if (!Number.isFinite(x) || x < min || x > max)
      throw new Error(`${name} must be a number in [${min}, ${max}], got "${v}"`);
    return x;
  };
  const thresholds: Partial<Thresholds> = {};
  const review = num('SYNFINANCE_REVIEW_THRESHOLD', 0, 1);
  const block = num('SYNFINANCE_BLOCK_THRESHOLD', 0, 1);
  if (review !== undefined) thresholds.review = review;
  if (block !== undefined) thresholds.block = block;
  return {
    modelPath: env.SYNFINANCE_MODEL_PATH || undefined,
    adminApiKey: env.SYNFINANCE_ADMIN_API_KEY || undefined,
    cacheSize: num('SYNFINANCE_FRAUD_CACHE_SIZE', 1, 100_000_000),
    thresholds,
  };
}
