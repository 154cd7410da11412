// The engine host: claims pending runs from the database and executes them, renews each run's lease
// while it drives it, and marks runs whose engine died (lease expired) as interrupted. Several hosts
// may share one PostgreSQL: a claim takes the row with FOR UPDATE SKIP LOCKED, so exactly one wins.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { cancellableDelay } from '@polymorph/run-engine/clock';
import type { LabMetrics } from '../../../platform/lab-metrics.ts';
import type { UnitOfWork } from '../../../platform/unit-of-work.ts';
import type { RunEventSignals } from '../events.ts';
import { executeRun } from './execute-run.ts';
import { type ClaimedRun, claimNextRun, interruptRun, markInterrupted, renewLease } from './run-store.ts';

export interface EngineLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RunEngineOptions {
  uow: UnitOfWork;
  metrics: LabMetrics;
  /** The app's instance: the live stream wakes on each stored event. */
  signals: RunEventSignals;
  log: EngineLog;
  /** POLYMORPH_ENGINE_LEASE_MS: a run whose lease is not renewed for this long is interrupted. */
  leaseMs: number;
  /** POLYMORPH_ENGINE_POLL_MS: how often to look for pending runs and expired leases. */
  pollMs: number;
  /** POLYMORPH_RUN_ACCELERATION. */
  acceleration: number;
  /** POLYMORPH_ENGINE_MAX_RUNS: runs one engine drives at once. */
  maxRuns: number;
  /** Default hostname:pid:random. */
  engineId?: string;
}

export const newEngineId = () => `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

/** How often the row is read for pause and abort while a run executes. */
const CONTROL_POLL_MS = 200;

export class RunEngine {
  readonly engineId: string;
  private readonly stopping = new AbortController();
  private readonly active = new Map<string, { stop: AbortController; done: Promise<void> }>();
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly o: RunEngineOptions) {
    this.engineId = o.engineId ?? newEngineId();
  }

  start(): void {
    if (this.loop) return;
    this.o.log.info({ engine: this.engineId, lease_ms: this.o.leaseMs }, 'run engine started');
    this.loop = this.claimLoop();
  }

  /** Look for pending runs now instead of at the next poll (the API calls it after a start or resume). */
  poke(): void {
    this.wake?.();
  }

  /** The runs this engine is driving (execution ids). */
  get running(): string[] {
    return [...this.active.keys()];
  }

  /**
   * Stops claiming, stops every run it drives (devices to safe state) and marks those runs interrupted
   * at once, so an operator can resume them without waiting for the lease to expire.
   */
  async stop(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    this.stopping.abort();
    this.wake?.();
    await this.loop;
    const runs = [...this.active.entries()];
    for (const [, a] of runs) a.stop.abort();
    await Promise.allSettled(runs.map(([, a]) => a.done));
    for (const [id] of runs) {
      await interruptRun(this.o.uow, this.o.metrics, id, this.engineId, 'the engine shut down').catch((err) =>
        this.o.log.error({ err: String(err), execution_id: id }, 'could not mark the run interrupted'),
      );
      this.o.signals.notify(id);
    }
    this.o.log.info({ engine: this.engineId, interrupted: runs.length }, 'run engine stopped');
  }

  private async claimLoop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      try {
        await this.sweep();
        while (this.active.size < this.o.maxRuns && !this.stopping.signal.aborted) {
          const run = await claimNextRun(this.o.uow, this.o.metrics, this.engineId, this.o.leaseMs);
          if (!run) break;
          this.o.signals.notify(run.id);
          this.drive(run);
        }
      } catch (err) {
        this.o.log.warn({ err: String(err), engine: this.engineId }, 'run engine poll failed; retrying');
      }
      await this.sleep(this.o.pollMs);
    }
  }

  /** Runs of dead engines become interrupted, not stuck. */
  private async sweep(): Promise<void> {
    const marked = await markInterrupted(this.o.uow, this.o.metrics, this.engineId);
    if (marked.length > 0)
      this.o.log.warn(
        { runs: marked, engine: this.engineId },
        'runs whose engine lease expired are interrupted',
      );
  }

  private drive(run: ClaimedRun): void {
    const stop = new AbortController();
    const heartbeat = this.heartbeat(run, stop);
    const done = executeRun(run, {
      uow: this.o.uow,
      metrics: this.o.metrics,
      signals: this.o.signals,
      engineId: this.engineId,
      acceleration: this.o.acceleration,
      pollMs: CONTROL_POLL_MS,
      stop: stop.signal,
      log: this.o.log,
    })
      .then((outcome) =>
        this.o.log.info(
          { run_id: run.runId, engine: this.engineId, status: outcome?.status ?? 'taken away' },
          'run ended on this engine',
        ),
      )
      .catch((err) => this.o.log.error({ err: String(err), run_id: run.runId }, 'run execution failed'))
      .finally(() => {
        heartbeat.abort();
        this.active.delete(run.id);
        this.wake?.();
      });
    this.active.set(run.id, { stop, done });
  }

  /** Renews the lease every lease/3; a lost lease stops the run at once. */
  private heartbeat(run: ClaimedRun, stop: AbortController): AbortController {
    const ended = new AbortController();
    const beat = async () => {
      while (!ended.signal.aborted) {
        await cancellableDelay(this.o.leaseMs / 3, ended.signal).catch(() => {});
        if (ended.signal.aborted) return;
        const held = await renewLease(this.o.uow, run.id, this.engineId, this.o.leaseMs).catch(() => true);
        if (!held) {
          this.o.log.error({ run_id: run.runId, engine: this.engineId }, 'run lease lost: stopping the run');
          stop.abort();
          return;
        }
      }
    };
    void beat();
    return ended;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
