/**
 * A reference library: every reference preprocessed once onto one common axis, so identifying a
 * spectrum only preprocesses the spectrum itself. References keep their intensity scale (no
 * normalisation) because the mixture fractions are read off it; the HQI search uses unit vectors.
 * The mixture fit also carries a low-degree polynomial for whatever baseline the spectrum has: airPLS
 * is not linear, so subtracting it from a mixture is not the same as subtracting it from each
 * component, and fitting the baseline with the references avoids that bias.
 */
import { Matrix, pseudoInverse } from 'ml-matrix';
import {
  type AxisOptions,
  DEFAULT_POINTS,
  normalize,
  type PreprocessOptions,
  preprocess,
} from './preprocess.ts';
import { SpectrumError } from './spectrum.ts';

export interface ReferenceSpectrum {
  id: string;
  /** The state it represents, e.g. 'form_i', 'form_ii', 'dissolved', 'solvent'. */
  form: string;
  name: string;
  x: readonly number[];
  y: readonly number[];
}

export interface LibraryOptions extends PreprocessOptions {
  /** Forms that are not the compound (the solvent): fitted, but left out of the fractions. */
  backgroundForms?: readonly string[];
  /** Compound forms that are not crystals (the dissolved compound). */
  amorphousForms?: readonly string[];
  /** Crystalline share of the compound below which the form is 'none'. */
  minCrystalline?: number;
  /** Degree of the polynomial baseline fitted together with the references (−1: none). */
  baselineDegree?: number;
}

export const DEFAULT_BACKGROUND_FORMS = ['solvent'] as const;
export const DEFAULT_AMORPHOUS_FORMS = ['dissolved'] as const;
export const DEFAULT_MIN_CRYSTALLINE = 0.05;
export const DEFAULT_BASELINE_DEGREE = 4;

export interface LibraryEntry {
  id: string;
  form: string;
  name: string;
  /** Despiked, resampled, baseline-subtracted, not smoothed nor normalised: a column of the mixture fit. */
  y: readonly number[];
  /** Fully preprocessed and scaled to Euclidean norm 1: what the HQI compares. */
  unit: readonly number[];
}

export interface Library {
  axis: AxisOptions;
  /** What every spectrum goes through before it is compared (normalisation is always 'none' here). */
  preprocessing: PreprocessOptions;
  entries: readonly LibraryEntry[];
  backgroundForms: readonly string[];
  amorphousForms: readonly string[];
  minCrystalline: number;
  /** Legendre polynomials P0..P(degree) over the axis: the smooth baseline fitted with the references. */
  baselineBasis: readonly (readonly number[])[];
  /** The NNLS design, points × columns: [references, +baseline basis, −baseline basis]. */
  design: Matrix;
  /** (DᵀD)⁺ of D = [references, baseline basis] (each basis term once), for the fractions' uncertainty. */
  gramInverse: Matrix;
}

/** Legendre polynomials of degree 0..degree on `points` evenly spaced points mapped to [−1, 1]. */
export function legendreBasis(points: number, degree: number): number[][] {
  const u = Array.from({ length: points }, (_, i) => (points > 1 ? (2 * i) / (points - 1) - 1 : 0));
  const basis: number[][] = [];
  for (let d = 0; d <= degree; d++) {
    if (d === 0) basis.push(u.map(() => 1));
    else if (d === 1) basis.push([...u]);
    else {
      const [p1, p2] = [basis[d - 1]!, basis[d - 2]!];
      basis.push(u.map((v, i) => ((2 * d - 1) * v * p1[i]! - (d - 1) * p2[i]!) / d));
    }
  }
  return basis;
}

/** The references' common range (the overlap of them all), at 1,024 points unless told otherwise. */
function commonAxis(refs: readonly ReferenceSpectrum[], given?: AxisOptions): AxisOptions {
  if (given) return given;
  const from = Math.max(...refs.map((r) => r.x[0]!));
  const to = Math.min(...refs.map((r) => r.x[r.x.length - 1]!));
  if (!(to > from)) throw new SpectrumError('x', 'the references have no Raman-shift range in common');
  return { from, to, points: DEFAULT_POINTS };
}

export function buildLibrary(refs: readonly ReferenceSpectrum[], options: LibraryOptions = {}): Library {
  if (refs.length === 0) throw new SpectrumError('x', 'a library needs at least one reference');
  const axis = commonAxis(refs, options.axis);
  const preprocessing: PreprocessOptions = {
    ...(options.despike !== undefined && { despike: options.despike }),
    ...(options.smooth !== undefined && { smooth: options.smooth }),
    ...(options.baseline !== undefined && { baseline: options.baseline }),
    axis,
    normalize: 'none',
  };
  const entries = refs.map((ref): LibraryEntry => {
    // the fit's copy is not smoothed (as the spectra it is fitted to); the HQI's copy is, as theirs
    const y = preprocess(ref, { ...preprocessing, smooth: false }).y;
    const unit = normalize(preprocess(ref, preprocessing).y, 'unit_vector');
    return { id: ref.id, form: ref.form, name: ref.name, y, unit };
  });
  const baselineBasis = legendreBasis(axis.points, options.baselineDegree ?? DEFAULT_BASELINE_DEGREE);
  const columns = [...entries.map((e) => [...e.y]), ...baselineBasis];
  const unsigned = new Matrix(columns).transpose();
  // the baseline may take either sign, NNLS only positive coefficients: each term enters as +P and −P
  const design = new Matrix([...columns, ...baselineBasis.map((p) => p.map((v) => -v))]).transpose();
  return {
    axis,
    preprocessing,
    entries,
    backgroundForms: options.backgroundForms ?? DEFAULT_BACKGROUND_FORMS,
    amorphousForms: options.amorphousForms ?? DEFAULT_AMORPHOUS_FORMS,
    minCrystalline: options.minCrystalline ?? DEFAULT_MIN_CRYSTALLINE,
    baselineBasis,
    design,
    gramInverse: pseudoInverse(unsigned.transpose().mmul(unsigned)),
  };
}
