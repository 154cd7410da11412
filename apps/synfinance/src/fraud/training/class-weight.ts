// The default class weighting, chosen on the validation days: 'balanced' replaces 'none' only when its
// validation AP is higher by a margin chance does not explain (picking the higher of two noisy APs let
// noise-fitted models through the shuffled-label control).
import { Rng } from '@polymorph/random/rng';
import { averagePrecision, rankScores } from '../evaluation/metrics.ts';

/** Standard errors by which 'balanced' must beat 'none' on validation AP (as the other validation checks). */
export const DEFAULT_CLASS_WEIGHT_MIN_Z = 3;
/** Bootstrap resamples of the validation rows. */
export const CLASS_WEIGHT_BOOTSTRAP = 200;

export type ClassWeight = 'none' | 'balanced';
export type ClassWeightMode = ClassWeight | 'auto';

export interface ApComparison {
  /** AP of the base scores and of the other scores on the validation rows. */
  apBase: number;
  apOther: number;
  /** (AP other - AP base) / the standard deviation of that difference over paired bootstrap resamples. */
  z: number;
  positives: number;
}

/**
 * How far `other` beats `base` in average precision on the same rows, in standard errors from a
 * paired bootstrap over the rows (both scored on each resample). AP is not a mean of per-row terms:
 * splitting it into per-positive precisions and taking their paired z (as the log-loss checks do)
 * left out the negatives' sampling noise and gave noise fits z 5.4, so the error is resampled.
 */
export function apImprovementZ(
  y: ArrayLike<number>,
  base: ArrayLike<number>,
  other: ArrayLike<number>,
  o: { resamples?: number; seed?: number } = {},
): ApComparison {
  const n = y.length;
  const rankedBase = rankScores(base);
  const rankedOther = rankScores(other);
  const apBase = averagePrecision(y, rankedBase);
  const apOther = averagePrecision(y, rankedOther);
  let positives = 0;
  for (let r = 0; r < n; r++) positives += y[r] === 1 ? 1 : 0;
  if (positives === 0) return { apBase, apOther, z: 0, positives };
  const rng = new Rng(o.seed ?? 1);
  const w = new Uint32Array(n);
  let sum = 0;
  let sum2 = 0;
  let b = 0;
  for (let k = 0; k < (o.resamples ?? CLASS_WEIGHT_BOOTSTRAP); k++) {
    w.fill(0);
    for (let i = 0; i < n; i++) w[rng.int(n)]!++;
    const d = averagePrecision(y, rankedOther, w) - averagePrecision(y, rankedBase, w);
    if (Number.isNaN(d)) continue;
    sum += d;
    sum2 += d * d;
    b++;
  }
  const diff = apOther - apBase;
  const sd = b > 1 ? Math.sqrt(Math.max(0, (sum2 - (sum * sum) / b) / (b - 1))) : 0;
  return { apBase, apOther, z: sd > 0 ? diff / sd : diff > 0 ? Number.POSITIVE_INFINITY : 0, positives };
}

/** What the model file records under `training.class_weight`. */
export interface ClassWeightChoice {
  mode: ClassWeightMode;
  chosen: ClassWeight;
  reason: string;
  valid_ap?: Partial<Record<ClassWeight, number>>;
  /** AP improvement of 'balanced' over 'none' in standard errors, and the threshold ('auto' only). */
  improvement_z?: number;
  min_z?: number;
}

/** 'auto': 'balanced' only when its validation AP beats 'none' by `minZ` standard errors, else 'none'. */
export function chooseClassWeight(c: ApComparison, minZ: number): ClassWeightChoice {
  const chosen: ClassWeight = c.apOther > c.apBase && c.z >= minZ ? 'balanced' : 'none';
  const ap = (x: number) => x.toFixed(4);
  const z = c.z.toFixed(1);
  return {
    mode: 'auto',
    chosen,
    reason:
      chosen === 'balanced'
        ? `balanced validation AP ${ap(c.apOther)} beats none's ${ap(c.apBase)} by z ${z} >= ${minZ}`
        : `balanced validation AP ${ap(c.apOther)} vs none's ${ap(c.apBase)}: z ${z} < ${minZ}, so none (unweighted, calibrated)`,
    valid_ap: { none: c.apBase, balanced: c.apOther },
    improvement_z: c.z,
    min_z: minZ,
  };
}
