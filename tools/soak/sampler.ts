// Samples a running lab process from outside: RSS and open file descriptors from /proc/PID, event-loop
// lag and heap from the lab's own /metrics text (prom-client's default process metrics).
import { readdir, readFile } from 'node:fs/promises';

export const SERIES = ['rss_bytes', 'heap_used_bytes', 'open_fds', 'eventloop_lag_p99_seconds'] as const;
export type SeriesName = (typeof SERIES)[number];

export interface Sample {
  /** Seconds since the load started. */
  t: number;
  values: Partial<Record<SeriesName, number>>;
}

/** Unlabelled samples of a Prometheus text exposition, by metric name (labelled ones are skipped). */
export function parsePrometheusText(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[2]);
    if (!Number.isNaN(value)) out.set(match[1]!, value);
  }
  return out;
}

/** VmRSS of a process in bytes (/proc/PID/status gives kB). */
export async function residentBytes(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = status && /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : undefined;
}

export async function openFds(pid: number): Promise<number | undefined> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => undefined);
  return fds?.length;
}

/** One sample; a series that could not be read this time is left out rather than guessed. */
export async function takeSample(pid: number, baseUrl: string, t: number): Promise<Sample> {
  const values: Sample['values'] = {};
  const rss = await residentBytes(pid);
  if (rss !== undefined) values.rss_bytes = rss;
  const fds = await openFds(pid);
  if (fds !== undefined) values.open_fds = fds;
  try {
    const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(30_000) });
    const metrics = parsePrometheusText(await res.text());
    const heap = metrics.get('nodejs_heap_size_used_bytes');
    if (heap !== undefined) values.heap_used_bytes = heap;
    // prom-client resets its event-loop histogram at each scrape: this is the p99 since the last sample.
    const lag = metrics.get('nodejs_eventloop_lag_p99_seconds');
    if (lag !== undefined) values.eventloop_lag_p99_seconds = lag;
  } catch {
    // A scrape that failed is a missing point, not a finding: the request counts show errors.
  }
  return { t, values };
}

export interface Sampler {
  samples: Sample[];
  stop(): Promise<Sample[]>;
}

/** Samples every `everyMs` until stopped; `t` counts from the call. */
export function startSampler(pid: number, baseUrl: string, everyMs: number): Sampler {
  const samples: Sample[] = [];
  const t0 = performance.now();
  let stopping = false;
  let wake: () => void = () => undefined;
  const loop = (async () => {
    while (!stopping) {
      samples.push(await takeSample(pid, baseUrl, (performance.now() - t0) / 1000));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, everyMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    samples,
    stop: async () => {
      stopping = true;
      wake();
      await loop;
      return samples;
    },
  };
}

export interface SeriesSummary {
  points: number;
  first: number;
  last: number;
  max: number;
  /** Least-squares slope over the points after the warm-up, per hour; null with fewer than 2 points. */
  growthPerHour: number | null;
  /**
   * The same slope through the lowest point of each of FLOOR_WINDOWS equal stretches after the warm-up:
   * heap and RSS saw-tooth with garbage collection, and the floor is what a leak raises.
   */
  floorGrowthPerHour: number | null;
}

const FLOOR_WINDOWS = 8;

/** First, last, max and the growth per hour after dropping the first `warmUpFraction` of the run. */
export function summarise(
  samples: Sample[],
  name: SeriesName,
  durationSeconds: number,
  warmUpFraction = 0.2,
): SeriesSummary | null {
  const points = samples.flatMap((s) => {
    const v = s.values[name];
    return v === undefined ? [] : [{ t: s.t, v }];
  });
  if (points.length === 0) return null;
  const steady = points.filter((p) => p.t >= durationSeconds * warmUpFraction);
  const slope = leastSquaresSlope(steady);
  const floor = floorSlope(steady, durationSeconds * warmUpFraction, durationSeconds);
  return {
    points: points.length,
    first: points[0]!.v,
    last: points[points.length - 1]!.v,
    max: Math.max(...points.map((p) => p.v)),
    growthPerHour: slope === null ? null : slope * 3600,
    floorGrowthPerHour: floor === null ? null : floor * 3600,
  };
}

function floorSlope(points: { t: number; v: number }[], from: number, to: number): number | null {
  const width = (to - from) / FLOOR_WINDOWS;
  const lows = Array.from({ length: FLOOR_WINDOWS }, (_, w) =>
    points
      .filter((p) => p.t >= from + w * width && (p.t < from + (w + 1) * width || w === FLOOR_WINDOWS - 1))
      .reduce<{ t: number; v: number } | undefined>((low, p) => (low && low.v <= p.v ? low : p), undefined),
  ).filter((p) => p !== undefined);
  return leastSquaresSlope(lows);
}

/** Slope of the least-squares line through (t, v); null when it is undefined. */
export function leastSquaresSlope(points: { t: number; v: number }[]): number | null {
  const n = points.length;
  if (n < 2) return null;
  const meanT = points.reduce((a, p) => a + p.t, 0) / n;
  const meanV = points.reduce((a, p) => a + p.v, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - meanT) * (p.v - meanV);
    den += (p.t - meanT) ** 2;
  }
  return den === 0 ? null : num / den;
}
