/**
 * Raman preprocessing, one pure function per step, and the pipeline that chains them:
 * despike (raw pixels) → resample onto a common axis → Savitzky–Golay smoothing → airPLS baseline,
 * subtracted → normalisation. The maths comes from cheminfo's libraries (ml-spectra-processing,
 * ml-savitzky-golay, ml-airpls); this file chooses parameters and records what it did.
 */
import airPLS from 'ml-airpls';
import * as sgModule from 'ml-savitzky-golay';
import { xNorm, xNormed, xRollingMedian, xRollingMin, xyInterpolateLinear } from 'ml-spectra-processing';
import { checkSpectrum, type Spectrum } from './spectrum.ts';

type SavitzkyGolay = typeof sgModule.default;
// A CommonJS package with `exports.default`: Node hands over the exports object as the default,
// bundlers (Vitest) the function itself.
const savitzkyGolay: SavitzkyGolay =
  typeof sgModule.default === 'function'
    ? sgModule.default
    : (sgModule.default as unknown as { default: SavitzkyGolay }).default;

export interface AxisOptions {
  from: number;
  to: number;
  points: number;
}

export interface DespikeOptions {
  /** Running-median window (odd): a cluster of spiked pixels narrower than half of it is caught. */
  window: number;
  /** A point is a spike when it stands more than this many robust SDs above its running median… */
  threshold: number;
  /** …and more than this share of the running median's own height above the local floor (protects real bands). */
  relativeHeight: number;
}

export interface SmoothOptions {
  windowSize: number;
  polynomial: number;
}

export interface BaselineOptions {
  /** airPLS smoothness: larger is a stiffer baseline. */
  lambda: number;
  maxIterations: number;
}

export type Normalization = 'unit_vector' | 'max' | 'none';

export interface PreprocessOptions {
  /** The common axis; default: the spectrum's own range at 1,024 points. */
  axis?: AxisOptions;
  despike?: DespikeOptions | false;
  smooth?: SmoothOptions | false;
  baseline?: BaselineOptions | false;
  normalize?: Normalization;
}

export const DEFAULT_DESPIKE: DespikeOptions = { window: 7, threshold: 8, relativeHeight: 1.5 };
export const DEFAULT_SMOOTH: SmoothOptions = { windowSize: 7, polynomial: 3 };
export const DEFAULT_BASELINE: BaselineOptions = { lambda: 10, maxIterations: 100 };
export const DEFAULT_POINTS = 1024;

export interface AppliedStep {
  step: 'despike' | 'resample' | 'smooth' | 'baseline' | 'normalize';
  params: Record<string, number | string | boolean>;
}

/** Robust SD of a sample: 1.4826 × median absolute deviation from the median. */
function robustSd(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const deviations = sorted.map((v) => Math.abs(v - median)).sort((a, b) => a - b);
  return 1.4826 * deviations[Math.floor(deviations.length / 2)]!;
}

/**
 * Running median centred on each point (odd window), same length as the input. Near the ends each
 * point takes the median of the nearest full window: padding by repetition would let a spike on the
 * last pixel fill the window with copies of itself.
 */
function centredMedian(y: readonly number[], window: number): number[] {
  const half = (window - 1) / 2;
  if (y.length < window) return [...y];
  const inner = xRollingMedian([...y], { window });
  return y.map((_, i) => inner[Math.min(Math.max(i - half, 0), inner.length - 1)]!);
}

/** Each run of flagged points replaced by the straight line between its unflagged neighbours. */
function bridge(y: readonly number[], flagged: ReadonlySet<number>): number[] {
  const out = [...y];
  for (let i = 0; i < y.length; i++) {
    if (!flagged.has(i)) continue;
    let end = i;
    while (flagged.has(end + 1)) end++;
    const left = i > 0 ? y[i - 1]! : undefined;
    const right = end < y.length - 1 ? y[end + 1]! : undefined;
    for (let k = i; k <= end; k++) {
      const t = (k - i + 1) / (end - i + 2);
      out[k] = left === undefined ? right! : right === undefined ? left : left + t * (right - left);
    }
    i = end;
  }
  return out;
}

/**
 * Cosmic-ray removal. A cosmic ray hits 1–2 pixels, Raman bands span several: a 7-point running median
 * ignores a cluster of up to 3 spiked pixels but follows a band. A point is a spike when its excess
 * over that median is both large against the noise (robust SD of all excesses) and large against the
 * band under it (a band's top exceeds the median of its 7 points by about that median's height above
 * the floor at most; a spike by far more). Spikes are bridged by a straight line between their
 * unflagged neighbours. Two 2-pixel hits side by side are missed.
 */
export function removeCosmicRays(
  y: readonly number[],
  options: DespikeOptions = DEFAULT_DESPIKE,
): { y: number[]; spikes: number[] } {
  const median = centredMedian(y, options.window);
  // the local floor: the lowest running median within ±20 points (a minimum of medians ignores noise)
  const floor = xRollingMin(median, { window: 41, padding: { size: 20, algorithm: 'duplicate' } });
  const excess = y.map((v, i) => v - median[i]!);
  // a noise-free spectrum (a drawn reference) has no noise to measure: use a tiny floor instead
  const noise = Math.max(robustSd(excess), 1e-9 * Math.max(...y.map(Math.abs)), Number.MIN_VALUE);
  const spikes = y
    .map((_, i) => i)
    .filter(
      (i) =>
        excess[i]! > options.threshold * noise &&
        excess[i]! > options.relativeHeight * (median[i]! - floor[i]!),
    );
  const out = bridge(y, new Set(spikes));
  return { y: out, spikes };
}

/**
 * Resampling onto an evenly spaced axis by linear interpolation (ml-spectra-processing
 * xyInterpolateLinear). The common axis is about as dense as a detector's pixels, so interpolation
 * keeps band shapes; bin-averaging would also bias the end points, where a bin hangs over the edge.
 */
export function resample(s: Spectrum, axis: AxisOptions): { x: number[]; y: number[] } {
  const x = Array.from({ length: axis.points }, (_, i) =>
    axis.points > 1 ? axis.from + ((axis.to - axis.from) * i) / (axis.points - 1) : axis.from,
  );
  return { x, y: Array.from(xyInterpolateLinear({ x: [...s.x], y: [...s.y] }, x)) };
}

/** Savitzky–Golay smoothing (derivative 0), edges padded by replication so the length is kept. */
export function smooth(y: readonly number[], options: SmoothOptions = DEFAULT_SMOOTH): number[] {
  return savitzkyGolay([...y], 1, {
    windowSize: options.windowSize,
    polynomial: options.polynomial,
    derivative: 0,
    pad: 'pre',
    padValue: 'replicate',
  });
}

/** airPLS baseline, subtracted from the signal (the returned baseline is kept for display and tests). */
export function subtractBaseline(
  s: Spectrum,
  options: BaselineOptions = DEFAULT_BASELINE,
): { y: number[]; baseline: number[] } {
  const result = airPLS([...s.x], [...s.y], { lambda: options.lambda, maxIterations: options.maxIterations });
  const baseline = Array.from(result.baseline);
  return { y: s.y.map((v, i) => v - baseline[i]!), baseline };
}

/** 'unit_vector': Euclidean norm 1; 'max': largest value 1; 'none': unchanged. An all-zero input stays zero. */
export function normalize(y: readonly number[], method: Normalization): number[] {
  if (method === 'none') return [...y];
  if (method === 'unit_vector') {
    const norm = xNorm([...y]);
    return norm > 0 ? y.map((v) => v / norm) : [...y];
  }
  const max = Math.max(...y);
  return max > 0 ? Array.from(xNormed([...y], { algorithm: 'max', value: 1 })) : [...y];
}

export function axisFor(s: Spectrum, options?: PreprocessOptions): AxisOptions {
  return options?.axis ?? { from: s.x[0]!, to: s.x[s.x.length - 1]!, points: DEFAULT_POINTS };
}

/** The whole pipeline with its defaults; `applied` lists each step that ran with its parameters. */
export function preprocess(
  s: Spectrum,
  options: PreprocessOptions = {},
): { x: number[]; y: number[]; applied: AppliedStep[] } {
  checkSpectrum(s);
  const applied: AppliedStep[] = [];
  let y: readonly number[] = s.y;
  const despike = options.despike ?? DEFAULT_DESPIKE;
  if (despike) {
    const out = removeCosmicRays(y, despike);
    y = out.y;
    applied.push({ step: 'despike', params: { ...despike, removed: out.spikes.length } });
  }
  const axis = axisFor(s, options);
  const grid = resample({ x: s.x, y }, axis);
  applied.push({ step: 'resample', params: { ...axis } });
  y = grid.y;
  const smoothing = options.smooth ?? DEFAULT_SMOOTH;
  if (smoothing) {
    y = smooth(y, smoothing);
    applied.push({ step: 'smooth', params: { method: 'savitzky_golay', ...smoothing } });
  }
  const baseline = options.baseline ?? DEFAULT_BASELINE;
  if (baseline) {
    y = subtractBaseline({ x: grid.x, y }, baseline).y;
    applied.push({ step: 'baseline', params: { method: 'airpls', ...baseline } });
  }
  const method = options.normalize ?? 'unit_vector';
  if (method !== 'none') applied.push({ step: 'normalize', params: { method } });
  return { x: grid.x, y: normalize(y, method), applied };
}
