/**
 * The interlock watchdog. While a run executes it reads the DAQ's interlock lines every `periodMs` of
 * wall time (not experiment time: safety does not speed up with the simulation). On a trip (any line
 * true, or the lines unreadable `failedReadsToTrip` times in a row: fail safe) it tells the run to
 * abort and, at the same moment, puts every device in its safe state (heater off, outputs low),
 * then reports when the trip was seen and when the safe state was reached.
 *
 * Bound: from a line tripping to the safe state takes at most one period, plus one interlock read,
 * plus the slowest device's safeState() (each cut off at `safeStateTimeoutMs`).
 */
import { cancellableDelay } from './clock.ts';
import { type DeviceKind, type DeviceSet, INTERLOCK_LINES } from './drivers.ts';

export interface WatchdogOptions {
  /** Wall milliseconds between two interlock reads. */
  periodMs: number;
  /** A read that takes longer than this counts as failed. */
  readTimeoutMs: number;
  /** Consecutive failed reads that count as a trip (the line 'interlock_unreadable'). */
  failedReadsToTrip: number;
  /** Each device's safeState() is given this long before it counts as failed. */
  safeStateTimeoutMs: number;
}

export const DEFAULT_WATCHDOG_OPTIONS: WatchdogOptions = {
  periodMs: 50,
  readTimeoutMs: 2000,
  failedReadsToTrip: 2,
  safeStateTimeoutMs: 5000,
};

export const UNREADABLE_LINE = 'interlock_unreadable';

export interface TripDetected {
  /** The tripped lines (INTERLOCK_LINES names, or 'interlock_unreadable'). */
  lines: string[];
  /** Wall time the trip was seen, ms since the epoch. */
  detectedAt: number;
}

export interface InterlockTrip extends TripDetected {
  /** Wall time every device had answered its safeState(), ms since the epoch. */
  safeStateAt: number;
  /** Trip seen to safe state, ms (monotonic clock). */
  latencyMs: number;
  /** Devices whose safeState() failed or timed out. */
  safeStateErrors: { device: DeviceKind; message: string }[];
}

export interface Watchdog {
  /** Resolves after the first read: a run must not start on a tripped interlock. */
  readonly ready: Promise<void>;
  /** Resolves with the trip once the devices are in safe state; never resolves without a trip. */
  readonly tripped: Promise<InterlockTrip>;
  /** The trip so far, once one was seen. */
  trip(): TripDetected | null;
  stop(): Promise<void>;
}

export function startWatchdog(
  devices: DeviceSet,
  onTrip: (trip: TripDetected) => void,
  options: Partial<WatchdogOptions> = {},
): Watchdog {
  const o = { ...DEFAULT_WATCHDOG_OPTIONS, ...options };
  const stopper = new AbortController();
  let detected: TripDetected | null = null;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  let report: (trip: InterlockTrip) => void = () => {};
  const tripped = new Promise<InterlockTrip>((resolve) => {
    report = resolve;
  });

  const loop = async () => {
    let failed = 0;
    while (!stopper.signal.aborted) {
      const lines = await readTrippedLines(devices, o.readTimeoutMs);
      failed = lines === null ? failed + 1 : 0;
      const trippedLines = lines === null ? (failed >= o.failedReadsToTrip ? [UNREADABLE_LINE] : []) : lines;
      if (trippedLines.length > 0 && !stopper.signal.aborted) {
        const started = performance.now();
        detected = { lines: trippedLines, detectedAt: Date.now() };
        onTrip(detected);
        const safeStateErrors = await putInSafeState(devices, o.safeStateTimeoutMs);
        report({
          ...detected,
          safeStateAt: Date.now(),
          latencyMs: performance.now() - started,
          safeStateErrors,
        });
        markReady();
        return;
      }
      markReady();
      await cancellableDelay(o.periodMs, stopper.signal).catch(() => {});
    }
  };
  const running = loop();
  return {
    ready,
    tripped,
    trip: () => detected,
    stop: async () => {
      stopper.abort();
      markReady();
      await running;
    },
  };
}

/** The tripped lines, or null when the interlocks could not be read in time. */
async function readTrippedLines(devices: DeviceSet, timeoutMs: number): Promise<string[] | null> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const reading = await withDeadline(devices.daq.readInterlocks({ signal }), signal);
    return INTERLOCK_LINES.filter((line) => reading.value[line]);
  } catch {
    return null;
  }
}

/**
 * Every device to its safe state at once; a device that fails or hangs does not hold up the others.
 * Returns the devices that failed.
 */
export async function putInSafeState(
  devices: DeviceSet,
  timeoutMs: number = DEFAULT_WATCHDOG_OPTIONS.safeStateTimeoutMs,
): Promise<{ device: DeviceKind; message: string }[]> {
  const kinds = ['temperature_controller', 'daq', 'spectrometer'] as const;
  const results = await Promise.allSettled(
    kinds.map((kind) => {
      const signal = AbortSignal.timeout(timeoutMs);
      return withDeadline(devices[kind].safeState({ signal }), signal);
    }),
  );
  return results.flatMap((r, i) =>
    r.status === 'rejected' ? [{ device: kinds[i]!, message: errorMessage(r.reason) }] : [],
  );
}

/** The promise, or a rejection when the signal fires first (a driver that ignores its signal). */
function withDeadline<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('timed out'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));
