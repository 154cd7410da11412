// The scoring service behind the fraud routes: the model in use (load, hot reload), scoring one
// transaction or a batch, feedback on decisions (rolling precision/recall/F1) and drift of the
// scored features against the model's training profile. No HTTP here: errors are HttpProblems the
// error handler renders (titles from the problem catalogue), and a field error names the field under the prefix the caller gives.
import { constants } from 'node:fs';
import { open, readFile, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { catalogueProblem, validationProblem } from '@polymorph/http-problem/problem';
import type { ReferenceProfile } from '@polymorph/observability/quality/profile';
import type { QualityStream } from '@polymorph/observability/quality/prometheus-exporter';
import { type QualityReport, qualityReport } from '@polymorph/observability/quality/report';
import { parseTxn } from '../features/transaction.ts';
import {
  DEFAULT_THRESHOLDS,
  type LoadedModel,
  loadModelText,
  ModelLoadError,
  type Thresholds,
} from '../training/train.ts';
import { type HistoryStore, HistoryUnavailableError, MemoryHistoryStore } from './history-store.ts';
import type { ScoringMetrics } from './metrics.ts';
import { type RedisHistoryOptions, RedisHistoryStore } from './redis-history.ts';
import type {
  BatchItem,
  BatchResult,
  DriftReport,
  FeedbackResult,
  ModelInfo,
  Prediction,
  Readiness,
  ReloadResult,
} from './schemas.ts';
import { FieldError, FraudScorer, historyRow, type Timed } from './scorer.ts';
import { BoundedMap, FeatureRows, FeedbackWindow, FlagRate } from './windows.ts';

export interface ScoringOptions {
  /** Model file loaded at start and by a reload without a path. */
  modelPath?: string | undefined;
  /** The only directory a reload with a path may read from (default: the directory of modelPath). */
  modelDir?: string | undefined;
  /** Or an already loaded model. */
  model?: LoadedModel;
  /** Customers kept in the in-process history LRU (default 100,000). */
  cacheSize?: number | undefined;
  /** Keep customer histories in Redis, shared by every replica, instead of in this process. */
  redis?: Omit<RedisHistoryOptions, 'warn'> | undefined;
  /** Overrides of the model's review/block thresholds. */
  thresholds?: Partial<Thresholds>;
  /** Feedback outcomes in the rolling window (default 1,000). */
  feedbackWindow?: number;
  /** Outcomes before precision/recall/F1 are reported (default 50). */
  minFeedback?: number;
  /** Predictions in the synfinance_fraud_rate window (default 10,000). */
  rateWindow?: number;
  /** Feature rows of the latest predictions kept for drift (default 5,000). */
  driftWindow?: number;
  /** Export the scoring window's data-quality metrics every N predictions (default 1,000). */
  qualityEvery?: number;
  /** Transactions per batch (default 10,000). */
  maxBatch?: number;
}

export interface ScoringDeps {
  metrics: ScoringMetrics;
  /** Where the scoring window's data-quality report goes (the synfinance_data_* series). */
  quality: { record(stream: QualityStream, report: QualityReport): void };
  /** Told when the background quality report fails; scoring goes on. */
  warn(err: unknown, message: string): void;
}

/** Predictions remembered for feedback, and feedback ids remembered against duplicates. */
const RECENT_CAP = 200_000;
const VERDICT_ORDER = ['drift', 'warn', 'ok', 'insufficient_data', 'not_monitored'] as const;
type Verdict = (typeof VERDICT_ORDER)[number];

const noModel = () => catalogueProblem('model-unavailable', 'load one with POST /api/fraud/model/reload');

export class ScoringService {
  readonly maxBatch: number;
  readonly minFeedback: number;
  private current: LoadedModel | null;
  private loadedAt: string | null;
  private reloads = 0;
  private readonly scorer: FraudScorer;
  private readonly history: HistoryStore;
  private readonly flagRate: FlagRate;
  private readonly recent = new BoundedMap<string, 0 | 1>(RECENT_CAP);
  private readonly feedbackIds = new BoundedMap<string, true>(RECENT_CAP);
  private readonly outcomes: FeedbackWindow;
  private readonly rows: FeatureRows;
  private readonly qualityEvery: number;
  private sinceQuality = 0;
  private qualityPending = false;

  constructor(
    private readonly options: ScoringOptions,
    private readonly deps: ScoringDeps,
  ) {
    this.maxBatch = options.maxBatch ?? 10_000;
    this.minFeedback = options.minFeedback ?? 50;
    this.current = options.model ?? null;
    this.loadedAt = options.model ? new Date().toISOString() : null;
    this.scorer = new FraudScorer(options.cacheSize ?? 100_000);
    this.history = options.redis
      ? new RedisHistoryStore({ ...options.redis, warn: deps.warn })
      : new MemoryHistoryStore(this.scorer.extractor);
    this.flagRate = new FlagRate(options.rateWindow ?? 10_000);
    this.outcomes = new FeedbackWindow(options.feedbackWindow ?? 1_000);
    this.rows = new FeatureRows(options.driftWindow ?? 5_000);
    this.qualityEvery = options.qualityEvery ?? 1_000;
  }

  /** A service with the configured model file loaded (a missing or bad file fails the start). */
  static async open(options: ScoringOptions, deps: ScoringDeps): Promise<ScoringService> {
    const service = new ScoringService(options, deps);
    try {
      if (!options.model && options.modelPath) {
        service.swapIn(loadModelText(await readFile(options.modelPath, 'utf8')));
      }
      // ready at once when Redis is; else the service starts not ready and keeps reconnecting
      if (service.history instanceof RedisHistoryStore) await service.history.connected(5_000);
    } catch (e) {
      await service.close(); // a failed start leaves no Redis connection behind
      throw e;
    }
    return service;
  }

  /** Scores one transaction and updates its customer's history. */
  async predict(transaction: Record<string, unknown>, fieldPrefix: string): Promise<Prediction> {
    const lm = this.model();
    try {
      return await this.scoreAndRecord(lm, transaction, this.thresholdsOf(lm));
    } catch (e) {
      if (e instanceof FieldError)
        throw validationProblem([fieldErrorAt(e, fieldPrefix)], 'Invalid transaction');
      throw e;
    }
  }

  /**
   * Scores items in order; an item that is not a valid transaction gets an error entry instead. When
   * the feature store stops answering, the whole batch is a 503 (the items before it were recorded).
   */
  async predictBatch(items: readonly unknown[], fieldPrefix: string): Promise<BatchResult> {
    if (items.length > this.maxBatch) {
      throw catalogueProblem(
        'batch-too-large',
        `${items.length} transactions; at most ${this.maxBatch} per batch`,
      );
    }
    const lm = this.model();
    const thresholds = this.thresholdsOf(lm);
    const t0 = performance.now();
    const results: BatchItem[] = [];
    // one after the other: a customer's later transaction must see its earlier one in the history
    for (const [index, item] of items.entries()) {
      const at = `${fieldPrefix}.${index}`;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        results.push({ index, error: { field: at, message: 'must be an object' } });
        continue;
      }
      try {
        results.push({
          index,
          ...(await this.scoreAndRecord(lm, item as Record<string, unknown>, thresholds)),
        });
      } catch (e) {
        if (!(e instanceof FieldError)) throw e;
        results.push({ index, error: fieldErrorAt(e, at) });
      }
    }
    return {
      model_version: lm.version,
      count: items.length,
      errors: results.filter((r) => 'error' in r).length,
      processing_time_ms: performance.now() - t0,
      results,
    };
  }

  /** Metadata of the model in use. */
  modelInfo(): ModelInfo {
    const lm = this.model();
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
      thresholds: this.thresholdsOf(lm),
      split: f.fraud?.split ?? null,
      loaded_at: this.loadedAt,
      reloads: this.reloads,
      cache: this.history.info(),
    };
  }

  /** Loads, validates and swaps in a model file; on any failure the previous model stays. */
  async reload(path: string | undefined): Promise<ReloadResult> {
    let next: LoadedModel;
    if (path !== undefined) next = parseModelText(await this.readInModelDir(path));
    else if (this.options.modelPath) next = await readModel(this.options.modelPath);
    else throw catalogueProblem('bad-request', 'give {"path": ...}; no default model path is configured');
    const previous = this.current?.version ?? null;
    const loadedAt = this.swapIn(next);
    this.reloads++;
    return { model_version: next.version, previous_version: previous, loaded_at: loadedAt };
  }

  /** Records the confirmed outcome of a recent prediction; precision/recall/F1 once the window is full enough. */
  feedback(transactionId: string, isFraud: boolean): FeedbackResult {
    const flagged = this.recent.get(transactionId);
    if (flagged === undefined)
      throw catalogueProblem('not-found', `no recent prediction for transaction_id ${transactionId}`);
    if (this.feedbackIds.has(transactionId))
      throw catalogueProblem('conflict', `feedback for ${transactionId} was already recorded`);
    this.feedbackIds.set(transactionId, true);
    const scores = this.outcomes.push(isFraud ? 1 : 0, flagged);
    const ready = this.outcomes.size >= this.minFeedback;
    if (ready) {
      this.deps.metrics.precision.set(scores.precision);
      this.deps.metrics.recall.set(scores.recall);
      this.deps.metrics.f1.set(scores.f1);
    }
    return {
      recorded: true,
      window: this.outcomes.size,
      min_for_metrics: this.minFeedback,
      precision: ready ? scores.precision : null,
      recall: ready ? scores.recall : null,
      f1: ready ? scores.f1 : null,
    };
  }

  /** Drift of the latest predictions' features against the model's training profile (PSI and KS). */
  drift(): DriftReport {
    const lm = this.model();
    const profile = lm.file.fraud?.reference_profile;
    if (!profile) throw catalogueProblem('not-found', 'this model file carries no reference profile');
    const window = this.rows.count(lm.version);
    const report = this.qualityOfWindow(lm, profile);
    const fields = report.fields.map((f) => ({
      name: f.name,
      verdict: f.driftVerdict,
      drift: f.drift.map((d) => ({ method: d.method, value: d.value, verdict: d.verdict })),
    }));
    const worst = fields.reduce<Verdict>(
      (w, f) => (VERDICT_ORDER.indexOf(f.verdict) < VERDICT_ORDER.indexOf(w) ? f.verdict : w),
      'not_monitored',
    );
    return {
      model_version: lm.version,
      window,
      min_window: report.settings.minWindow,
      verdict: window === 0 ? 'insufficient_data' : worst,
      drifted: fields.filter((f) => f.verdict === 'drift').map((f) => f.name),
      fields,
    };
  }

  /**
   * The text of a regular file inside the model directory, after resolving every symlink. A path
   * outside it, missing, a directory or unreadable gets one and the same answer, so a caller learns
   * nothing about which paths exist.
   */
  private async readInModelDir(path: string): Promise<string> {
    const { modelDir, modelPath } = this.options;
    const dir = modelDir ?? (modelPath ? dirname(resolve(modelPath)) : undefined);
    if (!dir) throw unreadableModel();
    try {
      const root = await realpath(dir);
      const real = await realpath(resolve(root, path));
      const rel = relative(root, real);
      if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
        throw unreadableModel();
      // no symlink swapped in since realpath; non-blocking so a FIFO cannot hang the request
      const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      try {
        if (!(await handle.stat()).isFile()) throw unreadableModel();
        return await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch {
      throw unreadableModel();
    }
  }

  private model(): LoadedModel {
    if (!this.current) throw noModel();
    return this.current;
  }

  /** One assignment: requests already running keep their reference to the previous model. */
  private swapIn(next: LoadedModel): string {
    this.current = next;
    this.loadedAt = new Date().toISOString();
    return this.loadedAt;
  }

  private thresholdsOf(lm: LoadedModel): Thresholds {
    return { ...DEFAULT_THRESHOLDS, ...lm.thresholds, ...this.options.thresholds };
  }

  /**
   * Whether this replica can score: the configured model is loaded and the history store answers
   * (a 503 problem otherwise); says which model is loaded.
   */
  async readiness(): Promise<Readiness> {
    if (this.options.modelPath && !this.current) throw noModel();
    const kind = this.history.info().kind;
    if (!(await this.history.reachable()))
      throw catalogueProblem('feature-store-unavailable', `the ${kind} history store does not answer`, {
        retryAfterSeconds: 1,
      });
    return {
      status: 'ready',
      model_version: this.current?.version ?? null,
      loaded_at: this.loadedAt,
      history_store: kind,
    };
  }

  /** Releases the history store's connection. */
  async close(): Promise<void> {
    await this.history.close();
  }

  private async scoreAndRecord(
    lm: LoadedModel,
    transaction: Record<string, unknown>,
    th: Thresholds,
  ): Promise<Prediction> {
    const t0 = performance.now();
    const features =
      lm.spec.kind === 'columns'
        ? this.scorer.features(lm, transaction)
        : await this.historyFeatures(lm, transaction);
    const timed = this.scorer.scoreFeatures(lm, features, th, t0);
    this.record(lm, timed);
    return timed.prediction;
  }

  /** Features through the history store; without an answer from it, a 503 rather than a score without history. */
  private async historyFeatures(lm: LoadedModel, transaction: Record<string, unknown>) {
    const t = parseTxn(transaction);
    try {
      const { features, hit } = await this.history.step(t);
      return { row: historyRow(lm, features), hit, id: t.transactionId };
    } catch (e) {
      if (!(e instanceof HistoryUnavailableError)) throw e;
      this.deps.metrics.historyUnavailable.inc();
      throw catalogueProblem('feature-store-unavailable', 'the customer history store did not answer', {
        retryAfterSeconds: 1,
      });
    }
  }

  /** Metrics, the drift window and the outcome remembered for feedback, for one scored transaction. */
  private record(lm: LoadedModel, t: Timed): void {
    this.rows.keep(lm.version, t.features);
    this.maybeExportQuality(lm);
    const m = this.deps.metrics;
    const p = t.prediction;
    m.predictionSeconds.observe(t.totalSeconds);
    m.featureSeconds.observe(t.featureSeconds);
    m.confidence.observe(p.fraud_probability);
    if (t.cacheHit === true) m.cacheHits.inc();
    else if (t.cacheHit === false) m.cacheMisses.inc();
    const flagged = p.decision === 'allow' ? 0 : 1;
    if (flagged) m.detections.inc({ fraud_type: t.reasonGroup, severity: t.severity! });
    m.fraudRate.set(this.flagRate.push(flagged));
    if (p.transaction_id !== null) this.recent.set(p.transaction_id, flagged);
  }

  /** Every `qualityEvery` predictions, the window against the training profile, off the request path. */
  private maybeExportQuality(lm: LoadedModel): void {
    if (++this.sinceQuality < this.qualityEvery || this.qualityPending) return;
    const profile = lm.file.fraud?.reference_profile;
    if (!profile) return;
    this.sinceQuality = 0;
    this.qualityPending = true;
    setImmediate(() => {
      try {
        this.deps.quality.record('scoring', this.qualityOfWindow(lm, profile));
      } catch (err) {
        this.deps.warn(err, 'scoring data-quality report failed');
      } finally {
        this.qualityPending = false;
      }
    });
  }

  private qualityOfWindow(lm: LoadedModel, profile: ReferenceProfile): QualityReport {
    const names = lm.file.feature_names;
    return qualityReport(profile, this.rows.records(lm.version, names), {
      fields: names.map((name) => ({ name, type: 'number' as const, nullable: true })),
    });
  }
}

/** A scorer's FieldError as a problem field error under `prefix` (its message is `field: message`). */
const fieldErrorAt = (e: FieldError, prefix: string) => ({
  field: `${prefix}.${e.field}`,
  message: e.message.slice(e.field.length + 2),
});

/** The one answer for a reload path that is not a readable file inside the model directory. */
const unreadableModel = () =>
  catalogueProblem(
    'invalid-model',
    'no readable model file at this path in the model directory; the previous model stays in use',
  );

/** The configured model file (the operator's path, not the caller's). */
async function readModel(path: string): Promise<LoadedModel> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw catalogueProblem(
      'invalid-model',
      `cannot read the configured model file: ${(e as NodeJS.ErrnoException).code ?? 'error'}; the previous model stays in use`,
    );
  }
  return parseModelText(text);
}

function parseModelText(text: string): LoadedModel {
  try {
    return loadModelText(text);
  } catch (e) {
    if (!(e instanceof ModelLoadError)) throw e;
    throw catalogueProblem(
      'invalid-model',
      `${withoutFileContent(e.message)}; the previous model stays in use`,
    );
  }
}

/**
 * A model validation message with the values it quoted from the file taken out: which check failed,
 * never what the file holds (a JSON parser's message quotes the file's first bytes).
 */
function withoutFileContent(message: string): string {
  return message
    .replace(/not JSON \(.*$/s, 'not JSON')
    .replace(/, got .*$/s, '')
    .replace(/\b(format_version|algo|feature_spec version) [^;]*/g, '$1')
    .replace(/\b(parameter [\w.]+)=.*$/s, '$1 is invalid')
    .replace(/=\S+ out of range/g, ' out of range')
    .slice(0, 300);
}
