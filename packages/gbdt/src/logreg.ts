import type { Contributions } from './gbdt.ts';
import { logLoss, pairedZ, weightedLogOdds } from './loss.ts';
import { balancedClassWeights, balancedWeights, checkLabels, checkWeights, type Matrix } from './matrix.ts';

/**
 * L2-regularised, optionally class-weighted logistic regression.
 *
 * Inputs are standardised with the training mean and standard deviation (stored in the model, applied
 * at prediction). NaN inputs are replaced by the training mean, i.e. a standardised value of 0, so they
 * contribute nothing. Constant columns get scale 1.
 *
 * Objective (on standardised inputs z, coefficients beta, intercept b):
 *   (1/n) * sum_i w_i * logloss(y_i, sigmoid(b + beta . z_i)) + (l2 / 2) * |beta|^2
 * The intercept is not penalised. With class weights 'balanced', w_i = n / (2 * n_class(y_i)).
 * Minimised by Newton's method (exact Hessian, Cholesky solve) with backtracking line search:
 * deterministic, and converges in a handful of iterations for tens of features.
 */
export interface LogRegParams {
  l2: number;
  classWeight: 'none' | 'balanced';
  maxIter: number;
  /** Stop when the largest absolute gradient component is below tol. */
  tol: number;
}

export const DEFAULT_LOGREG_PARAMS: LogRegParams = { l2: 1e-4, classWeight: 'none', maxIter: 100, tol: 1e-8 };

export function resolveLogRegParams(p: Partial<LogRegParams> = {}): LogRegParams {
  const q: LogRegParams = { ...DEFAULT_LOGREG_PARAMS, ...p };
  const bad = (name: string, v: unknown, rule: string): never => {
    throw new RangeError(`invalid logistic regression parameter ${name}=${String(v)}: ${rule}`);
  };
  if (typeof q.l2 !== 'number' || !Number.isFinite(q.l2) || q.l2 < 0)
    bad('l2', q.l2, 'must be finite and >= 0');
  if (q.classWeight !== 'none' && q.classWeight !== 'balanced')
    bad('classWeight', q.classWeight, "'none' or 'balanced'");
  if (!Number.isInteger(q.maxIter) || q.maxIter < 1 || q.maxIter > 10_000)
    bad('maxIter', q.maxIter, 'integer in [1, 10000]');
  if (typeof q.tol !== 'number' || !Number.isFinite(q.tol) || q.tol <= 0) bad('tol', q.tol, 'must be > 0');
  for (const k of Object.keys(q)) {
    if (!(k in DEFAULT_LOGREG_PARAMS))
      bad(k, (q as unknown as Record<string, unknown>)[k], 'unknown parameter');
  }
  return q;
}

export interface LogRegFitInfo {
  iterations: number;
  converged: boolean;
  /** Final objective value and max |gradient|. */
  objective: number;
  gradMax: number;
}

export class LogisticModel {
  readonly algo = 'logreg' as const;

  constructor(
    readonly featureNames: readonly string[],
    readonly params: LogRegParams,
    /** Training mean of each feature (NaN inputs are replaced by it). */
    readonly mean: Float64Array,
    /** Training standard deviation of each feature (1 for constant columns). */
    readonly scale: Float64Array,
    /** Coefficients on standardised inputs. */
    readonly coef: Float64Array,
    readonly intercept: number,
    readonly fitInfo: LogRegFitInfo,
    /** Set by trainLogReg with `validation`: the comparison with the intercept-only model. */
    readonly validation?: LogRegValidation,
  ) {}

  /** True when every coefficient is 0: the model scores every row the same (the intercept). */
  get interceptOnly(): boolean {
    return this.coef.every((c) => c === 0);
  }

  get nFeatures(): number {
    return this.featureNames.length;
  }

  predictRawRow(row: ArrayLike<number>): number {
    let z = this.intercept;
    const { mean, scale, coef } = this;
    for (let j = 0; j < coef.length; j++) {
      const v = row[j]!;
      if (!Number.isNaN(v)) z += (coef[j]! * (v - mean[j]!)) / scale[j]!;
    }
    return z;
  }

  predictProbaRow(row: ArrayLike<number>): number {
    return sigmoidLR(this.predictRawRow(row));
  }

  predictRaw(X: Matrix, out: Float64Array = new Float64Array(X.nRows)): Float64Array {
    if (X.nCols !== this.nFeatures) {
      throw new RangeError(`matrix has ${X.nCols} columns, model expects ${this.nFeatures}`);
    }
    const { nRows, data } = X;
    out.fill(this.intercept);
    for (let j = 0; j < this.coef.length; j++) {
      const a = this.coef[j]! / this.scale[j]!;
      const mu = this.mean[j]!;
      const base = j * nRows;
      for (let r = 0; r < nRows; r++) {
        const v = data[base + r]!;
        if (!Number.isNaN(v)) out[r]! += a * (v - mu);
      }
    }
    return out;
  }

  predictProba(X: Matrix, out?: Float64Array): Float64Array {
    const raw = this.predictRaw(X, out);
    for (let i = 0; i < raw.length; i++) raw[i] = sigmoidLR(raw[i]!);
    return raw;
  }

  /** Per-feature log-odds contributions relative to the training mean; bias + sum = raw score. */
  contributionsRow(row: ArrayLike<number>): Contributions {
    const values = new Float64Array(this.nFeatures);
    for (let j = 0; j < values.length; j++) {
      const v = row[j]!;
      values[j] = !Number.isNaN(v) ? (this.coef[j]! * (v - this.mean[j]!)) / this.scale[j]! : 0;
    }
    return { bias: this.intercept, values };
  }

  /** Coefficients and intercept on the original (unstandardised) feature scale. */
  originalScale(): { coef: Float64Array; intercept: number } {
    const coef = new Float64Array(this.coef.length);
    let intercept = this.intercept;
    for (let j = 0; j < coef.length; j++) {
      coef[j] = this.coef[j]! / this.scale[j]!;
      intercept -= coef[j]! * this.mean[j]!;
    }
    return { coef, intercept };
  }
}

function sigmoidLR(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export interface LogRegFitOptions {
  featureNames?: readonly string[];
  sampleWeight?: ArrayLike<number>;
  /**
   * Held-out rows (e.g. the latest days of the training period). After fitting, the model's validation
   * log-loss is compared with the intercept-only model's, paired per row (see LogRegValidation): the
   * coefficients are kept only if they beat it by at least `validationMinZ` standard errors, else the
   * returned model is intercept-only and predicts the training positive rate for every row.
   */
  validation?: { X: Matrix; y: ArrayLike<number> };
  /** Standard errors the fitted model must gain over the intercept-only model on `validation` (default 0). */
  validationMinZ?: number;
}

/**
 * Outcome of the validation check of trainLogReg. Losses are the fitting objective's log-loss without
 * the penalty, so with class weights 'balanced' each validation row is weighted by the training class
 * weight of its label (n / (2 n_class) of the training rows), and the intercept-only model compared
 * against is the objective's own (the weighted log-odds of the training labels: 0 when balanced).
 */
export interface LogRegValidation {
  /** The fitted coefficients were kept (false: the model returned is intercept-only). */
  kept: boolean;
  minZ: number;
  /**
   * (intercept-only loss - fitted loss) / its standard error, from the per-row differences over the
   * validation rows (paired). +Infinity when every difference is equal and positive.
   */
  z: number;
  validRows: number;
  validPositives: number;
  /** Mean (class-weighted when balanced) validation log-loss of the intercept-only model and of the fitted one. */
  validLossPrior: number;
  validLossFitted: number;
  classWeighted: boolean;
}

export function trainLogReg(
  X: Matrix,
  labels: ArrayLike<number>,
  paramsIn: Partial<LogRegParams> = {},
  opts: LogRegFitOptions = {},
): LogisticModel {
  const params = resolveLogRegParams(paramsIn);
  const { nRows: n, nCols: p, data } = X;
  if (n === 0) throw new RangeError('cannot train on zero rows');
  const y = checkLabels(X, labels);
  let w = checkWeights(X, opts.sampleWeight);
  if (params.classWeight === 'balanced') w = balancedWeights(y, w);
  const featureNames = opts.featureNames
    ? [...opts.featureNames]
    : Array.from({ length: p }, (_, i) => `f${i}`);
  if (featureNames.length !== p)
    throw new RangeError(`featureNames has ${featureNames.length} names, matrix has ${p} columns`);

  // Standardise (NaN-aware, unweighted), into a dense column-major Float64 matrix Z.
  const mean = new Float64Array(p);
  const scale = new Float64Array(p);
  const Z = new Float64Array(n * p);
  for (let j = 0; j < p; j++) {
    const base = j * n;
    let s = 0;
    let c = 0;
    for (let r = 0; r < n; r++) {
      const v = data[base + r]!;
      if (!Number.isNaN(v)) {
        s += v;
        c++;
      }
    }
    const mu = c > 0 ? s / c : 0;
    let ss = 0;
    for (let r = 0; r < n; r++) {
      const v = data[base + r]!;
      if (!Number.isNaN(v)) ss += (v - mu) * (v - mu);
    }
    const sd = c > 0 ? Math.sqrt(ss / c) : 0;
    mean[j] = mu;
    scale[j] = sd > 1e-12 * Math.max(1, Math.abs(mu)) ? sd : 1;
    for (let r = 0; r < n; r++) {
      const v = data[base + r]!;
      Z[base + r] = !Number.isNaN(v) ? (v - mu) / scale[j]! : 0;
    }
  }

  const d = p + 1; // theta[0] = intercept
  const theta = new Float64Array(d);
  // Start the intercept at the weighted log-odds.
  theta[0] = weightedLogOdds(y, w, 1e-9);
  const eta = new Float64Array(n);
  const computeEta = (th: Float64Array) => {
    eta.fill(th[0]!);
    for (let j = 0; j < p; j++) {
      const b = th[j + 1]!;
      if (b === 0) continue;
      const base = j * n;
      for (let r = 0; r < n; r++) eta[r]! += b * Z[base + r]!;
    }
  };
  const objective = (th: Float64Array): number => {
    computeEta(th);
    let loss = 0;
    for (let r = 0; r < n; r++) {
      const e = eta[r]!;
      loss += (w ? w[r]! : 1) * logLoss(e, y[r]!);
    }
    let pen = 0;
    for (let j = 1; j < d; j++) pen += th[j]! * th[j]!;
    return loss / n + 0.5 * params.l2 * pen;
  };

  const g = new Float64Array(d);
  const Hm = new Float64Array(d * d);
  const resid = new Float64Array(n);
  const hw = new Float64Array(n);
  let obj = objective(theta);
  let iterations = 0;
  let converged = false;
  let gradMax = Number.POSITIVE_INFINITY;
  const step = new Float64Array(d);
  const trial = new Float64Array(d);
  for (let it = 0; it < params.maxIter; it++) {
    // eta is current for theta (objective() computed it).
    for (let r = 0; r < n; r++) {
      const pr = sigmoidLR(eta[r]!);
      const wi = w ? w[r]! : 1;
      resid[r] = (wi * (pr - y[r]!)) / n;
      hw[r] = (wi * pr * (1 - pr)) / n;
    }
    g.fill(0);
    Hm.fill(0);
    let g0 = 0;
    let h00 = 0;
    for (let r = 0; r < n; r++) {
      g0 += resid[r]!;
      h00 += hw[r]!;
    }
    g[0] = g0;
    Hm[0] = h00;
    for (let j = 0; j < p; j++) {
      const bj = j * n;
      let gj = 0;
      let h0j = 0;
      for (let r = 0; r < n; r++) {
        const z = Z[bj + r]!;
        gj += resid[r]! * z;
        h0j += hw[r]! * z;
      }
      g[j + 1] = gj + params.l2 * theta[j + 1]!;
      Hm[j + 1] = h0j;
      Hm[(j + 1) * d] = h0j;
      for (let k = 0; k <= j; k++) {
        const bk = k * n;
        let s = 0;
        for (let r = 0; r < n; r++) s += hw[r]! * Z[bj + r]! * Z[bk + r]!;
        Hm[(j + 1) * d + (k + 1)] = s;
        Hm[(k + 1) * d + (j + 1)] = s;
      }
      Hm[(j + 1) * d + (j + 1)]! += params.l2;
    }
    gradMax = 0;
    for (let j = 0; j < d; j++) gradMax = Math.max(gradMax, Math.abs(g[j]!));
    if (gradMax < params.tol) {
      converged = true;
      break;
    }
    iterations = it + 1;
    solveSpd(Hm, g, d, step); // step = H^-1 g
    // Backtracking line search on the objective (Armijo).
    let dec = 0;
    for (let j = 0; j < d; j++) dec += g[j]! * step[j]!;
    let t = 1;
    let accepted = false;
    for (let ls = 0; ls < 50; ls++) {
      for (let j = 0; j < d; j++) trial[j] = theta[j]! - t * step[j]!;
      const o = objective(trial);
      if (o <= obj - 1e-4 * t * dec) {
        theta.set(trial);
        obj = o;
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    if (!accepted) {
      // No decrease possible at float precision: we are at the optimum as far as doubles can tell.
      converged = gradMax < Math.sqrt(params.tol);
      break;
    }
  }
  const fitInfo: LogRegFitInfo = { iterations, converged, objective: obj, gradMax };
  const fitted = new LogisticModel(featureNames, params, mean, scale, theta.slice(1), theta[0]!, fitInfo);
  if (!opts.validation) return fitted;

  // Compare with the intercept-only model on the held-out rows, in the objective's own weighting.
  const minZ = opts.validationMinZ ?? 0;
  if (typeof minZ !== 'number' || !Number.isFinite(minZ) || minZ < 0)
    throw new RangeError(`invalid validationMinZ=${String(minZ)}: must be finite and >= 0`);
  const vX = opts.validation.X;
  if (vX.nCols !== p) throw new RangeError(`validation has ${vX.nCols} columns, training has ${p}`);
  if (vX.nRows === 0) throw new RangeError('validation data has zero rows');
  const vy = checkLabels(vX, opts.validation.y);
  const balanced = params.classWeight === 'balanced';
  const { wPos, wNeg } = balanced ? balancedClassWeights(y) : { wPos: 1, wNeg: 1 };
  // The objective's intercept-only optimum: the weighted log-odds of the training labels.
  const priorRaw = weightedLogOdds(y, w, 1e-12);
  const raw = fitted.predictRaw(vX);
  const m = vX.nRows;
  let sumD = 0;
  let sumD2 = 0;
  let lossPrior = 0;
  let lossFit = 0;
  let sumW = 0;
  let vPos = 0;
  for (let r = 0; r < m; r++) {
    const yr = vy[r]!;
    vPos += yr;
    const wr = yr === 1 ? wPos : wNeg;
    const l0 = wr * logLoss(priorRaw, yr);
    const l1 = wr * logLoss(raw[r]!, yr);
    lossPrior += l0;
    lossFit += l1;
    sumW += wr;
    const dr = l0 - l1;
    sumD += dr;
    sumD2 += dr * dr;
  }
  const z = pairedZ(sumD, sumD2, m);
  const validation: LogRegValidation = {
    kept: lossFit < lossPrior && z >= minZ,
    minZ,
    z,
    validRows: m,
    validPositives: vPos,
    validLossPrior: lossPrior / sumW,
    validLossFitted: lossFit / sumW,
    classWeighted: balanced,
  };
  // Rejected: intercept-only, the training positive rate (sample weights, no class weights) for every
  // row, so its probabilities are calibrated and, like a GBDT with 0 trees, it flags nothing at the
  // usual thresholds.
  const { kept } = validation;
  return new LogisticModel(
    featureNames,
    params,
    mean,
    scale,
    kept ? fitted.coef : new Float64Array(p),
    kept ? fitted.intercept : weightedLogOdds(y, opts.sampleWeight, 1e-12),
    fitInfo,
    validation,
  );
}

/** What model files record about a logistic regression's validation check (`training` in the JSON). */
export interface LogRegTrainingSummary {
  /** Which check ran: the fitted model against the intercept-only model on the validation rows. */
  selection: 'validation-vs-intercept';
  kept: boolean;
  /** True when the intercept-only model replaced the fitted one (constant score). */
  intercept_only: boolean;
  min_z: number;
  improvement_z: number;
  rejected_by_min_z: boolean;
  valid_rows: number;
  valid_positives: number;
  valid_loss_prior: number;
  valid_loss_fitted: number;
  class_weighted: boolean;
}

export function summarizeLogRegValidation(v: LogRegValidation): LogRegTrainingSummary {
  return {
    selection: 'validation-vs-intercept',
    kept: v.kept,
    intercept_only: !v.kept,
    min_z: v.minZ,
    improvement_z: v.z,
    rejected_by_min_z: !v.kept && v.validLossFitted < v.validLossPrior,
    valid_rows: v.validRows,
    valid_positives: v.validPositives,
    valid_loss_prior: v.validLossPrior,
    valid_loss_fitted: v.validLossFitted,
    class_weighted: v.classWeighted,
  };
}

/** Solve A x = b for symmetric positive (semi)definite A by Cholesky, adding jitter if needed. */
function solveSpd(A: Float64Array, b: Float64Array, d: number, x: Float64Array): void {
  let jitter = 0;
  const L = new Float64Array(d * d);
  for (let attempt = 0; attempt < 12; attempt++) {
    let ok = true;
    L.fill(0);
    for (let i = 0; i < d && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let s = A[i * d + j]! + (i === j ? jitter : 0);
        for (let k = 0; k < j; k++) s -= L[i * d + k]! * L[j * d + k]!;
        if (i === j) {
          if (!(s > 0)) {
            ok = false;
            break;
          }
          L[i * d + i] = Math.sqrt(s);
        } else {
          L[i * d + j] = s / L[j * d + j]!;
        }
      }
    }
    if (ok) {
      const tmp = new Float64Array(d);
      for (let i = 0; i < d; i++) {
        let s = b[i]!;
        for (let k = 0; k < i; k++) s -= L[i * d + k]! * tmp[k]!;
        tmp[i] = s / L[i * d + i]!;
      }
      for (let i = d - 1; i >= 0; i--) {
        let s = tmp[i]!;
        for (let k = i + 1; k < d; k++) s -= L[k * d + i]! * x[k]!;
        x[i] = s / L[i * d + i]!;
      }
      return;
    }
    let diag = 0;
    for (let i = 0; i < d; i++) diag = Math.max(diag, Math.abs(A[i * d + i]!));
    jitter = jitter === 0 ? 1e-10 * Math.max(diag, 1e-12) : jitter * 10;
  }
  throw new Error('logistic regression: Hessian is not positive definite even with jitter');
}
