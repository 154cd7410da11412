import { Rng } from '@polymorph/random/rng';
import { describe, expect, it } from 'vitest';
import type { Spectrum } from '../drivers.ts';
import {
  type Composition,
  DEFAULT_DETECTOR,
  DETECTOR_MAX,
  expectedRate,
  exposeFrame,
  LASER_NM,
  shiftAxis,
} from '../simulators/raman.ts';
import { peakRatioClassifier } from './peak-ratio.ts';

const axis = shiftAxis();

/** One simulated frame of the given composition (no cosmic rays). */
function frame(composition: Composition, integrationTimeMs: number, seed: number): Spectrum {
  const detector = { ...DEFAULT_DETECTOR, cosmicRatePerS: 0 };
  const { counts } = exposeFrame(
    detector,
    expectedRate(detector, axis, composition),
    integrationTimeMs,
    new Rng(seed),
  );
  return {
    shiftCm1: axis,
    intensities: counts,
    integrationTimeMs,
    averages: 1,
    detectorMax: DETECTOR_MAX,
    laserNm: LASER_NM,
  };
}

describe('peak-ratio classifier on the simulator’s spectra', () => {
  it('labels Form I, Form II, a mixture and a clear solution, at short and long exposures', () => {
    const cases: [Composition, string][] = [
      [{ dissolved: 0.7, formI: 0.3, formII: 0 }, 'form_i'],
      [{ dissolved: 0.6, formI: 0.02, formII: 0.38 }, 'form_ii'],
      [{ dissolved: 0.5, formI: 0.25, formII: 0.25 }, 'mixed'],
      [{ dissolved: 1, formI: 0, formII: 0 }, 'none'],
    ];
    for (const integrationTimeMs of [200, 1000, 4000]) {
      for (const [seed, [composition, label]] of cases.entries()) {
        const result = peakRatioClassifier(frame(composition, integrationTimeMs, seed), {});
        expect({ integrationTimeMs, composition, label: result.label }).toEqual({
          integrationTimeMs,
          composition,
          label,
        });
        expect(result.confidence).toBeGreaterThan(0.5);
      }
    }
  });

  it('takes its marker bands and thresholds from the options', () => {
    const spectrum = frame({ dissolved: 0.7, formI: 0.3, formII: 0 }, 1000, 9);
    // swapped markers: the Form I band now reads as Form II
    expect(peakRatioClassifier(spectrum, { form_i_shift_cm1: 1185, form_ii_shift_cm1: 1125 }).label).toBe(
      'form_ii',
    );
    expect(peakRatioClassifier(spectrum, { min_signal: 1e9 }).label).toBe('none');
  });
});
