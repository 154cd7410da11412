/**
 * The peak-ratio classifier: the baseline-corrected heights of one marker band per form decide the
 * label. The next issue replaces it with polymorph identification behind the same Classifier hook.
 *
 * Options (all optional; the defaults fit the simulator's SYNTHETIC reference spectra, whose two forms
 * differ at 1125 and 1185 cm⁻¹ with bands ~7 cm⁻¹ wide):
 * - form_i_shift_cm1, form_ii_shift_cm1: the marker bands;
 * - window_cm1: half-width searched around each marker (the baseline is taken just outside it);
 * - min_signal: the smallest summed marker height, in counts per second of integration, that counts
 *   as crystals (below it: 'none');
 * - pure_fraction: the share of one marker above which the sample is that form (else 'mixed').
 */
import type { Classifier, ClassifierResult } from '../commands.ts';
import { peakHeight } from '../conditions.ts';
import type { Spectrum } from '../drivers.ts';

export const PEAK_RATIO_LABELS = ['form_i', 'form_ii', 'mixed', 'none'] as const;

export const PEAK_RATIO_DEFAULTS = {
  form_i_shift_cm1: 1125,
  form_ii_shift_cm1: 1185,
  window_cm1: 8,
  min_signal: 500,
  pure_fraction: 0.8,
} as const;

type Options = Record<keyof typeof PEAK_RATIO_DEFAULTS, number>;

function optionsOf(given: Record<string, number | string>): Options {
  const pick = (name: keyof typeof PEAK_RATIO_DEFAULTS) => {
    const v = given[name];
    return typeof v === 'number' && Number.isFinite(v) ? v : PEAK_RATIO_DEFAULTS[name];
  };
  return {
    form_i_shift_cm1: pick('form_i_shift_cm1'),
    form_ii_shift_cm1: pick('form_ii_shift_cm1'),
    window_cm1: pick('window_cm1'),
    min_signal: pick('min_signal'),
    pure_fraction: pick('pure_fraction'),
  };
}

export const peakRatioClassifier: Classifier = (
  spectrum: Spectrum,
  given: Record<string, number | string>,
): ClassifierResult => {
  const o = optionsOf(given);
  const perSecond = 1000 / spectrum.integrationTimeMs;
  const formI = Math.max(0, peakHeight(spectrum, o.form_i_shift_cm1, o.window_cm1)) * perSecond;
  const formII = Math.max(0, peakHeight(spectrum, o.form_ii_shift_cm1, o.window_cm1)) * perSecond;
  const signal = formI + formII;
  const fractionI = signal > 0 ? formI / signal : 0.5;
  const scores = { form_i: fractionI, form_ii: 1 - fractionI, signal };
  if (signal < o.min_signal) return { label: 'none', confidence: 1 - signal / o.min_signal, scores };
  if (fractionI >= o.pure_fraction) return { label: 'form_i', confidence: fractionI, scores };
  if (1 - fractionI >= o.pure_fraction) return { label: 'form_ii', confidence: 1 - fractionI, scores };
  return { label: 'mixed', confidence: 1 - Math.abs(2 * fractionI - 1), scores };
};

/** The classifiers a run can name until polymorph identification registers its own (EngineContext.classifiers). */
export const BUILT_IN_CLASSIFIERS: Record<string, Classifier> = { peak_ratio: peakRatioClassifier };
