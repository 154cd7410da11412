/**
 * Identification against a Library:
 * - hits: HQI = squared cosine similarity, (q·r)² / ((q·q)(r·r)), between the preprocessed spectrum
 *   and each preprocessed reference; 1 is the same shape, 0 nothing in common.
 * - fractions: non-negative least squares (ml-fcnnls) of the spectrum on all references at once;
 *   the coefficients of the compound's forms (background forms left out), summed per form and divided
 *   by their total. Uncertainty: σ²(AᵀA)⁻¹ with σ² = RSS/(n − p), propagated to the ratios by the
 *   delta method.
 * - form: the crystalline form with the largest fraction, or 'none' when the crystalline share of the
 *   compound is below the library's minCrystalline, or when the compound itself is not detected (its
 *   summed coefficient is within 3 SDs of 0: a blank, the solvent alone), then with confidence 0.
 * - confidence: the probability, under those Gaussian uncertainties, that the decision holds: that
 *   the chosen form leads the runner-up and the crystalline share is on the decided side of the threshold.
 */
import { fcnnlsVector } from 'ml-fcnnls';
import { Matrix } from 'ml-matrix';
import type { Library } from './library.ts';
import {
  type AppliedStep,
  DEFAULT_BASELINE,
  DEFAULT_SMOOTH,
  normalize,
  preprocess,
  smooth,
  subtractBaseline,
} from './preprocess.ts';
import { type Spectrum, SpectrumError } from './spectrum.ts';

export interface Identification {
  form: string;
  confidence: number;
  fractions: Record<string, { value: number; uncertainty: number }>;
  hits: { referenceId: string; form: string; hqi: number }[];
  preprocessing: AppliedStep[];
}

export const DEFAULT_TOP_HITS = 3;

/** Standard normal CDF (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  if (z === Number.POSITIVE_INFINITY) return 1;
  if (z === Number.NEGATIVE_INFINITY) return 0;
  const t = 1 / (1 + (0.3275911 * Math.abs(z)) / Math.SQRT2);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** P(a decision with this margin holds) when the margin has this SD; an exact tie is a coin toss. */
function probabilityOf(margin: number, sd: number): number {
  if (sd > 0) return normalCdf(margin / sd);
  return margin > 0 ? 1 : margin < 0 ? 0 : 0.5;
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function hqi(a: readonly number[], b: readonly number[]): number {
  const aa = dot(a, a);
  const bb = dot(b, b);
  return aa > 0 && bb > 0 ? dot(a, b) ** 2 / (aa * bb) : 0;
}

function checkCoverage(library: Library, s: Spectrum): void {
  const step = (library.axis.to - library.axis.from) / Math.max(1, library.axis.points - 1);
  if (
    s.x.length > 0 &&
    (s.x[0]! > library.axis.from + step || s.x[s.x.length - 1]! < library.axis.to - step)
  ) {
    throw new SpectrumError(
      'x',
      `the spectrum must cover the library's range ${library.axis.from.toFixed(1)}–${library.axis.to.toFixed(1)} cm⁻¹`,
    );
  }
}

interface MixtureFit {
  /** Per entry. */
  coefficients: number[];
  /** Covariance of the entries' coefficients, entry × entry. */
  covariance: number[][];
}

/**
 * NNLS of the spectrum (not baseline-subtracted) on the references plus the polynomial baseline, whose
 * terms enter as +P and −P so they may take either sign.
 */
function fitMixture(library: Library, q: readonly number[]): MixtureFit {
  const refs = library.entries.length;
  const k = fcnnlsVector(library.design, [...q])
    .K.getColumn(0)
    .map((c) => Math.max(0, c));
  const fitted = library.design.mmul(Matrix.columnVector(k)).getColumn(0);
  let rss = 0;
  for (let i = 0; i < q.length; i++) rss += (q[i]! - fitted[i]!) ** 2;
  const sigma2 = rss / Math.max(1, q.length - refs - library.baselineBasis.length);
  const covariance = library.gramInverse
    .to2DArray()
    .slice(0, refs)
    .map((row) => row.slice(0, refs).map((v) => v * sigma2));
  return { coefficients: k.slice(0, refs), covariance };
}

interface FormShare {
  value: number;
  /** d(value)/d(coefficient j), per entry. */
  gradient: number[];
}

/** Each compound form's share of the compound's total coefficient, with its gradient for the delta method. */
function formShares(library: Library, coefficients: readonly number[]): Map<string, FormShare> {
  const compound = library.entries.map((e) => !library.backgroundForms.includes(e.form));
  const total = coefficients.reduce((s, c, j) => (compound[j] ? s + c : s), 0);
  const shares = new Map<string, FormShare>();
  for (const form of new Set(library.entries.filter((_, j) => compound[j]).map((e) => e.form))) {
    const mine = library.entries.map((e) => e.form === form);
    const own = coefficients.reduce((s, c, j) => (mine[j] ? s + c : s), 0);
    const gradient = library.entries.map((_, j) =>
      compound[j] && total > 0 ? ((mine[j] ? total : 0) - own) / total ** 2 : 0,
    );
    shares.set(form, { value: total > 0 ? own / total : 0, gradient });
  }
  return shares;
}

function sdOf(gradient: readonly number[], covariance: readonly (readonly number[])[]): number {
  let v = 0;
  for (let i = 0; i < gradient.length; i++) v += gradient[i]! * dot(covariance[i]!, gradient);
  return Math.sqrt(Math.max(0, v));
}

/** Whether the compound's summed coefficient stands above 3 of its own SDs: else there is nothing to name. */
function compoundDetected(library: Library, fit: MixtureFit): boolean {
  const gradient = library.entries.map((e) => (library.backgroundForms.includes(e.form) ? 0 : 1));
  const total = fit.coefficients.reduce((s, c, j) => s + c * gradient[j]!, 0);
  return total > 0 && total > 3 * sdOf(gradient, fit.covariance);
}

function decide(library: Library, shares: Map<string, FormShare>, covariance: number[][]) {
  const crystalline = [...shares].filter(([form]) => !library.amorphousForms.includes(form));
  const total = crystalline.reduce((s, [, f]) => s + f.value, 0);
  const totalGradient = library.entries.map((_, j) =>
    crystalline.reduce((s, [, f]) => s + f.gradient[j]!, 0),
  );
  const present = probabilityOf(total - library.minCrystalline, sdOf(totalGradient, covariance));
  if (crystalline.length === 0 || total < library.minCrystalline)
    return { form: 'none', confidence: 1 - present };
  const ranked = [...crystalline].sort((a, b) => b[1].value - a[1].value);
  const [best, second] = [ranked[0]!, ranked[1]];
  if (!second) return { form: best[0], confidence: present };
  const diff = best[1].gradient.map((g, j) => g - second[1].gradient[j]!);
  const leads = probabilityOf(best[1].value - second[1].value, sdOf(diff, covariance));
  return { form: best[0], confidence: present * leads };
}

/**
 * Despiked and resampled only, for the fit: least squares wants independent residuals, and smoothing
 * would correlate neighbouring points and shrink the uncertainty below the truth. Then smoothed,
 * baseline-subtracted and unit-normalised, for the HQI.
 */
function prepare(library: Library, spectrum: Spectrum) {
  const p = library.preprocessing;
  const base = preprocess(spectrum, { ...p, smooth: false, baseline: false, normalize: 'none' });
  const applied = [...base.applied];
  let shape = base.y;
  const smoothing = p.smooth ?? DEFAULT_SMOOTH;
  if (smoothing) {
    shape = smooth(shape, smoothing);
    applied.push({ step: 'smooth', params: { method: 'savitzky_golay', ...smoothing, for: 'hqi' } });
  }
  const baseline = p.baseline ?? DEFAULT_BASELINE;
  if (baseline) {
    shape = subtractBaseline({ x: base.x, y: shape }, baseline).y;
    applied.push({ step: 'baseline', params: { method: 'airpls', ...baseline, for: 'hqi' } });
  }
  applied.push({
    step: 'baseline',
    params: { method: 'polynomial_in_fit', degree: library.baselineBasis.length - 1, for: 'fractions' },
  });
  applied.push({ step: 'normalize', params: { method: 'unit_vector', for: 'hqi' } });
  return { forFit: base.y, forHqi: normalize(shape, 'unit_vector'), applied };
}

export function identify(
  library: Library,
  spectrum: Spectrum,
  options: { topHits?: number } = {},
): Identification {
  checkCoverage(library, spectrum);
  const { forFit, forHqi, applied } = prepare(library, spectrum);
  const hits = library.entries
    .map((e) => ({ referenceId: e.id, form: e.form, hqi: hqi(forHqi, e.unit) }))
    .sort((a, b) => b.hqi - a.hqi)
    .slice(0, options.topHits ?? DEFAULT_TOP_HITS);
  const fit = fitMixture(library, forFit);
  const shares = formShares(library, fit.coefficients);
  const fractions: Identification['fractions'] = {};
  for (const [form, share] of shares) {
    fractions[form] = { value: share.value, uncertainty: sdOf(share.gradient, fit.covariance) };
  }
  // a blank, or the solvent alone: 'none', but with no evidence for it
  const { form, confidence } = compoundDetected(library, fit)
    ? decide(library, shares, fit.covariance)
    : { form: 'none', confidence: 0 };
  return { form, confidence, fractions, hits, preprocessing: applied };
}
