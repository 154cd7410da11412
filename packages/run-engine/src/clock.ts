/**
 * Experiment clocks. The engine and the simulated devices share one clock, so a `wait 600` step and
 * the reactor's cooling agree on how much experiment time has passed.
 *
 * - AcceleratedClock: the wall clock (monotonic) times an acceleration factor; real devices use 1.
 * - ManualClock: time moves only when a test calls advance(), so physics tests never race the machine.
 */
import { DriverError, type ExperimentClock } from './drivers.ts';

function cancelledError(signal: AbortSignal): DriverError {
  return new DriverError('cancelled', 'the command was cancelled', { cause: signal.reason });
}

/** Wall-clock `setTimeout` that an AbortSignal cancels with DriverError 'cancelled'. */
export function cancellableDelay(wallMs: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(cancelledError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelledError(signal!));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, wallMs),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface AcceleratedClockOptions {
  /** Experiment ms per wall ms, >= 1. Default 1 (real time). */
  acceleration?: number;
  /** Monotonic wall time in ms; default performance.now (never jumps with NTP or the user). */
  wallNow?: () => number;
}

export class AcceleratedClock implements ExperimentClock {
  readonly acceleration: number;
  private readonly wallNow: () => number;
  private readonly wallStart: number;

  constructor(options: AcceleratedClockOptions = {}) {
    const acceleration = options.acceleration ?? 1;
    if (!Number.isFinite(acceleration) || acceleration < 1) {
      throw new RangeError(`acceleration must be a finite number >= 1, got ${acceleration}`);
    }
    this.acceleration = acceleration;
    this.wallNow = options.wallNow ?? (() => performance.now());
    this.wallStart = this.wallNow();
  }

  now(): number {
    return (this.wallNow() - this.wallStart) * this.acceleration;
  }

  async sleep(experimentMs: number, signal?: AbortSignal): Promise<void> {
    // Sleep to a deadline, not for a duration: a timer that fires early (timer granularity) sleeps again.
    const deadline = this.now() + Math.max(0, experimentMs);
    for (let left = experimentMs; left > 0; left = deadline - this.now()) {
      await cancellableDelay(left / this.acceleration, signal);
    }
    if (signal?.aborted) throw cancelledError(signal);
  }
}

interface Sleeper {
  deadline: number;
  seq: number;
  resolve: () => void;
}

/**
 * Experiment time that moves only on advance(): sleepers wake in deadline order, each at its own
 * deadline, and whatever they schedule next (another sleep) is woken in the same advance if it falls
 * inside it, provided it does so within one macrotask of waking (code that does I/O first sleeps after
 * the advance has moved on; drive it with repeated small advances). Deterministic: no wall clock at all.
 */
export class ManualClock implements ExperimentClock {
  /** Nominal only: this clock is not tied to the wall clock. */
  readonly acceleration: number;
  private time = 0;
  private seq = 0;
  private sleepers: Sleeper[] = [];

  constructor(options: { acceleration?: number; startMs?: number } = {}) {
    this.acceleration = options.acceleration ?? 1;
    this.time = options.startMs ?? 0;
  }

  now(): number {
    return this.time;
  }

  /** How many sleeps are waiting (lets a test wait until a command has started sleeping). */
  get pendingSleeps(): number {
    return this.sleepers.length;
  }

  sleep(experimentMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(cancelledError(signal));
    return new Promise((resolve, reject) => {
      const sleeper: Sleeper = {
        deadline: this.time + Math.max(0, experimentMs),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(cancelledError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(sleeper);
    });
  }

  /** Move experiment time forward by `experimentMs`, waking each sleeper at its deadline. */
  async advance(experimentMs: number): Promise<void> {
    const target = this.time + Math.max(0, experimentMs);
    for (;;) {
      const next = this.earliest();
      if (!next || next.deadline > target) break;
      this.sleepers = this.sleepers.filter((s) => s !== next);
      this.time = Math.max(this.time, next.deadline);
      next.resolve();
      // let the woken code run up to its next await (it may sleep again inside this advance)
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.time = target;
  }

  private earliest(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.sleepers) {
      if (!best || s.deadline < best.deadline || (s.deadline === best.deadline && s.seq < best.seq)) best = s;
    }
    return best;
  }
}
