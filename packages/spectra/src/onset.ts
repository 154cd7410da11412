/**
 * Crystallization onset: the change point of the crystalline fraction over time, found by a
 * two-segment ("hinge") least-squares fit — flat at level a before τ, rising as a power after:
 *   f(t) = a + b·max(0, t − τ)^p,  p ∈ {1, 2, 3}
 * (crystal mass grows as a power of time after nucleation: size ∝ t gives mass ∝ t³). Every sample
 * time τ and every p is tried and the best fit (least residual sum of squares) wins. The fit uses
 * the series up to the first point that reaches half of the total rise, so a later plateau does not
 * drag the hinge; an onset is reported only if the series' highest value exceeds a by both `minRise`
 * and `sigmas` times the SD of the flat segment about a. Non-finite points are skipped.
 */
export interface OnsetOptions {
  /** Smallest rise in crystalline fraction that counts as crystallization. */
  minRise?: number;
  /** Rise must also exceed this many residual SDs. */
  sigmas?: number;
  /** Points needed on each side of the hinge. */
  minSegment?: number;
  /** Powers tried for the rise after the hinge. */
  powers?: readonly number[];
}

export const DEFAULT_ONSET: Required<OnsetOptions> = {
  minRise: 0.05,
  sigmas: 3,
  minSegment: 2,
  powers: [1, 2, 3],
};

interface Hinge {
  index: number;
  a: number;
  b: number;
  rss: number;
}

/** Least squares of y on [1, max(0, t − τ)^p] for one τ and p (t scaled to 0..1 for conditioning). */
function fitHinge(t: readonly number[], y: readonly number[], index: number, p: number): Hinge {
  const span = t[t.length - 1]! - t[0]! || 1;
  const tau = t[index]!;
  const basis = (ti: number) => (Math.max(0, ti - tau) / span) ** p;
  let n = 0,
    sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0; // prettier-ignore
  for (let i = 0; i < t.length; i++) {
    const x = basis(t[i]!);
    n++;
    sx += x;
    sy += y[i]!;
    sxx += x * x;
    sxy += x * y[i]!;
  }
  const det = n * sxx - sx * sx;
  const b = det > 0 ? (n * sxy - sx * sy) / det : 0;
  const a = (sy - b * sx) / n;
  let rss = 0;
  for (let i = 0; i < t.length; i++) rss += (y[i]! - a - b * basis(t[i]!)) ** 2;
  return { index, a, b, rss };
}

/** Index of the first point at or above half the series' rise over its first value. */
function halfRiseIndex(y: readonly number[]): number {
  const start = y[0]!;
  const top = Math.max(...y);
  const half = start + (top - start) / 2;
  const i = y.findIndex((v) => v >= half);
  return i < 0 ? y.length - 1 : i;
}

export function detectOnset(
  series: readonly { t: number; crystalline: number }[],
  options: OnsetOptions = {},
): { t: number; index: number } | null {
  const o = { ...DEFAULT_ONSET, ...options };
  const points = series
    .map((p, index) => ({ ...p, index }))
    .filter((p) => Number.isFinite(p.t) && Number.isFinite(p.crystalline));
  if (points.length < 2 * o.minSegment + 1) return null;
  const end = Math.max(halfRiseIndex(points.map((p) => p.crystalline)), 2 * o.minSegment);
  const t = points.slice(0, end + 1).map((p) => p.t);
  const y = points.slice(0, end + 1).map((p) => p.crystalline);
  let best: Hinge | null = null;
  for (let k = o.minSegment - 1; k <= t.length - 1 - o.minSegment; k++) {
    for (const p of o.powers) {
      const fit = fitHinge(t, y, k, p);
      if (fit.b > 0 && (!best || fit.rss < best.rss)) best = fit;
    }
  }
  if (!best) return null;
  const flat = y.slice(0, best.index + 1);
  const sd = Math.sqrt(flat.reduce((s, v) => s + (v - best.a) ** 2, 0) / Math.max(1, flat.length - 1));
  const rise = Math.max(...points.map((p) => p.crystalline)) - best.a;
  if (rise < o.minRise || rise < o.sigmas * sd) return null;
  return { t: t[best.index]!, index: points[best.index]!.index };
}
