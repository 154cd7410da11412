/**
 * The measured evaluation of polymorph identification: HELD-OUT spectra drawn with the simulator's
 * detector model (shot and read noise, fluorescence baseline, dark offset, cosmic-ray spikes) at
 * known compositions and signal-to-noise ratios, identified against the built-in library, and scored
 * against the truth they were drawn from.
 *
 * SNR of one spectrum: S / N, where S is the largest noise-free Raman count of the compound (the
 * dissolved, Form I and Form II bands at their fractions, no solvent, no fluorescence) over the
 * pixels, and N = √(expected photon count + read noise²) at that pixel (the shot noise of everything
 * the pixel sees, solvent and fluorescence included, and the read noise). A target SNR is reached by
 * solving for the integration time.
 *
 * The true label follows identify's rule: the crystalline form with the larger fraction, 'none' when
 * there are no crystals. The compositions are chosen so the truth is never a tie or at the threshold.
 */
import { Rng } from '@polymorph/random/rng';
import {
  type Composition,
  DEFAULT_DETECTOR,
  type DetectorParams,
  expectedRate,
  exposeFrame,
  lorentzianSum,
  SYNTHETIC_REFERENCES,
  shiftAxis,
} from '@polymorph/run-engine/simulators/raman';
import { identify } from '@polymorph/spectra/identify';
import { buildLibrary, type Library } from '@polymorph/spectra/library';
import { builtInReferences } from './built-in-references.ts';

/** The integration time of the workflows' example acquire_spectrum step: "default noise". */
export const DEFAULT_INTEGRATION_MS = 500;
export const DEFAULT_SNR_LEVELS = [100, 50, 30, 20, 15, 10, 7, 5, 4, 3, 2.5, 2, 1.5, 1] as const;
export const DEFAULT_SEED = 1818;
export const DEFAULT_REPEATS = 20;
/** Independent of the seed: the RNG stream of this evaluation (tuning used other seeds). */
const STREAM_EVALUATION = 18;

const FORMS = [
  ['dissolved', 'dissolved'],
  ['form_i', 'formI'],
  ['form_ii', 'formII'],
] as const;

/** Pure states, and mixtures with a clear dominant crystalline form. */
export const COMPOSITIONS: readonly Composition[] = [
  { dissolved: 1, formI: 0, formII: 0 },
  { dissolved: 0, formI: 1, formII: 0 },
  { dissolved: 0, formI: 0, formII: 1 },
  { dissolved: 0.5, formI: 0.5, formII: 0 },
  { dissolved: 0.5, formI: 0, formII: 0.5 },
  { dissolved: 0.85, formI: 0.15, formII: 0 },
  { dissolved: 0.85, formI: 0, formII: 0.15 },
  { dissolved: 0.3, formI: 0.5, formII: 0.2 },
  { dissolved: 0.3, formI: 0.2, formII: 0.5 },
  { dissolved: 0, formI: 0.7, formII: 0.3 },
  { dissolved: 0, formI: 0.3, formII: 0.7 },
];

export interface EvaluationOptions {
  seed: number;
  /** Spectra per composition at each SNR level (and at default noise). */
  repeats: number;
  snrLevels: readonly number[];
}

export interface Score {
  spectra: number;
  accuracy: number;
  /** Mean |estimated − true| over the spectra and the three compound forms. */
  fraction_mae: number;
  /** Share of the estimated fractions within 2 reported uncertainties of the truth. */
  coverage_2u: number;
}

export interface EvaluationReport {
  seed: number;
  repeats: number;
  compositions: number;
  snr_definition: string;
  default_noise: Score & { integration_time_ms: number; median_snr: number };
  by_snr: (Score & { snr: number })[];
  /** The highest tested SNR whose accuracy is below 0.95, or null if none is. */
  snr_accuracy_below_95: number | null;
  /** The lowest tested SNR down to which every level reaches 0.95. */
  snr_accuracy_at_least_95: number | null;
  fraction_mae: number;
  spectra: number;
}

export function trueLabel(c: Composition): string {
  if (c.formI + c.formII < 0.05) return 'none';
  return c.formI > c.formII ? 'form_i' : 'form_ii';
}

interface Signal {
  /** Largest noise-free compound rate (counts/ms) and the total photon rate at that pixel. */
  compoundRate: number;
  totalRate: number;
}

function signalOf(detector: DetectorParams, axis: readonly number[], c: Composition): Signal {
  const total = expectedRate(detector, axis, c);
  const parts = FORMS.map(([, key]) => lorentzianSum(SYNTHETIC_REFERENCES[key], axis).map((v) => v * c[key]));
  const compound = axis.map((_, i) => parts.reduce((s, p) => s + p[i]!, 0));
  const at = compound.indexOf(Math.max(...compound));
  return { compoundRate: compound[at]!, totalRate: total[at]! };
}

export function snrAt(signal: Signal, detector: DetectorParams, integrationMs: number): number {
  const s = signal.compoundRate * integrationMs;
  return s / Math.sqrt(signal.totalRate * integrationMs + detector.readNoise ** 2);
}

/** Solves a·t = snr·√(b·t + r²) for the integration time t (ms). */
export function integrationForSnr(signal: Signal, detector: DetectorParams, snr: number): number {
  const a = signal.compoundRate;
  const b = signal.totalRate;
  const r2 = detector.readNoise ** 2;
  const s2 = snr * snr;
  return (s2 * b + Math.sqrt(s2 * s2 * b * b + 4 * a * a * s2 * r2)) / (2 * a * a);
}

class Tally {
  spectra = 0;
  correct = 0;
  absError = 0;
  covered = 0;

  add(library: Library, c: Composition, x: readonly number[], counts: readonly number[]): void {
    const result = identify(library, { x, y: counts });
    this.spectra++;
    if (result.form === trueLabel(c)) this.correct++;
    for (const [form, key] of FORMS) {
      const f = result.fractions[form] ?? { value: 0, uncertainty: 0 };
      const error = Math.abs(f.value - c[key]);
      this.absError += error;
      if (error <= 2 * f.uncertainty) this.covered++;
    }
  }

  score(): Score {
    const n = Math.max(1, this.spectra);
    return {
      spectra: this.spectra,
      accuracy: this.correct / n,
      fraction_mae: this.absError / (3 * n),
      coverage_2u: this.covered / (3 * n),
    };
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function evaluate(options: EvaluationOptions): EvaluationReport {
  const library = buildLibrary(builtInReferences());
  const axis = shiftAxis();
  const signals = COMPOSITIONS.map((c) => signalOf(DEFAULT_DETECTOR, axis, c));

  const atDefault = new Tally();
  const defaultSnrs: number[] = [];
  COMPOSITIONS.forEach((c, k) => {
    const rate = expectedRate(DEFAULT_DETECTOR, axis, c);
    defaultSnrs.push(snrAt(signals[k]!, DEFAULT_DETECTOR, DEFAULT_INTEGRATION_MS));
    for (let rep = 0; rep < options.repeats; rep++) {
      const rng = new Rng(options.seed, STREAM_EVALUATION, 0, k, rep);
      atDefault.add(
        library,
        c,
        axis,
        exposeFrame(DEFAULT_DETECTOR, rate, DEFAULT_INTEGRATION_MS, rng).counts,
      );
    }
  });

  const bySnr = options.snrLevels.map((snr, level) => {
    const tally = new Tally();
    COMPOSITIONS.forEach((c, k) => {
      const ms = integrationForSnr(signals[k]!, DEFAULT_DETECTOR, snr);
      // one cosmic-ray event per frame on average, whatever the integration time
      const detector = { ...DEFAULT_DETECTOR, cosmicRatePerS: 1000 / ms };
      const rate = expectedRate(detector, axis, c);
      for (let rep = 0; rep < options.repeats; rep++) {
        const rng = new Rng(options.seed, STREAM_EVALUATION, level + 1, k, rep);
        tally.add(library, c, axis, exposeFrame(detector, rate, ms, rng).counts);
      }
    });
    return { snr, ...tally.score() };
  });

  return summarise(
    options,
    { ...atDefault.score(), integration_time_ms: DEFAULT_INTEGRATION_MS, median_snr: median(defaultSnrs) },
    bySnr,
  );
}

function summarise(
  options: EvaluationOptions,
  defaultNoise: EvaluationReport['default_noise'],
  bySnr: EvaluationReport['by_snr'],
): EvaluationReport {
  const descending = [...bySnr].sort((a, b) => b.snr - a.snr);
  const firstBelow = descending.find((l) => l.accuracy < 0.95);
  const above = firstBelow ? descending.filter((l) => l.snr > firstBelow.snr) : descending;
  const all = [defaultNoise, ...bySnr];
  const spectra = all.reduce((s, l) => s + l.spectra, 0);
  return {
    seed: options.seed,
    repeats: options.repeats,
    compositions: COMPOSITIONS.length,
    snr_definition:
      'largest noise-free compound Raman count over the pixels / sqrt(expected photon count + read noise^2) at that pixel',
    default_noise: defaultNoise,
    by_snr: descending,
    snr_accuracy_below_95: firstBelow?.snr ?? null,
    snr_accuracy_at_least_95: above.at(-1)?.snr ?? null,
    fraction_mae: all.reduce((s, l) => s + l.fraction_mae * l.spectra, 0) / Math.max(1, spectra),
    spectra,
  };
}
