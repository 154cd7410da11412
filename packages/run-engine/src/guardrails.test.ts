import { Rng } from '@polymorph/random/rng';
import { describe, expect, it } from 'vitest';
import type { Spectrum } from './drivers.ts';
import { checkSpectrum, removeSpikes, SPECTRUM_GUARDRAIL_CODES } from './guardrails.ts';
import { DEFAULT_DETECTOR, expectedRate, exposeFrame, shiftAxis } from './simulators/raman.ts';

const POINTS = 1024;
const shiftCm1 = Array.from({ length: POINTS }, (_, i) => 200 + i * 1.5);

/** A smooth Raman-like curve: a sloping fluorescence baseline and Gaussian peaks (sigma in px). */
function curve(peaks: { at: number; height: number; sigmaPx: number }[]): number[] {
  return shiftCm1.map((_, i) => {
    const baseline = 2000 + 1.5 * i;
    return peaks.reduce(
      (sum, p) => sum + p.height * Math.exp(-((i - p.at) ** 2) / (2 * p.sigmaPx ** 2)),
      baseline,
    );
  });
}

/** Shot noise: Gaussian with the variance of the count (Poisson at these counts). */
function noisy(values: number[], seed: number): number[] {
  const rng = new Rng(seed);
  return values.map((v) => v + Math.sqrt(v) * rng.normal());
}

const spectrum = (intensities: number[], detectorMax = 65_535): Spectrum => ({
  shiftCm1: shiftCm1.slice(0, intensities.length),
  intensities,
  integrationTimeMs: 100,
  averages: 1,
  detectorMax,
  laserNm: 785,
});

const PEAKS = [
  { at: 200, height: 8000, sigmaPx: 4 },
  { at: 520, height: 40_000, sigmaPx: 3 },
  { at: 700, height: 1500, sigmaPx: 6 },
];

describe('checkSpectrum', () => {
  it('passes a clean spectrum untouched, sharp high peaks included', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const values = noisy(curve(PEAKS), seed);
      const result = checkSpectrum(spectrum(values));
      expect(result).toMatchObject({ ok: true, spikesRemoved: 0 });
      if (result.ok) expect(result.spectrum.intensities).toEqual(values);
    }
  });

  it('removes 1-3 px cosmic-ray spikes, one on a peak, and restores the underlying curve', () => {
    const truth = curve(PEAKS);
    const values = noisy(truth, 7);
    const spiked = [...values];
    const hits = [
      { at: 100, heights: [30_000] },
      { at: 400, heights: [5000, 12_000] },
      { at: 702, heights: [2000, 9000, 3000] }, // on the flank of a broad peak
      { at: 900, heights: [60_000] }, // reaches full scale: removed, so not a saturation
    ];
    for (const hit of hits) {
      hit.heights.forEach((h, k) => {
        spiked[hit.at + k]! += h;
      });
    }
    const result = checkSpectrum(spectrum(spiked));
    if (!result.ok) throw new Error(result.message);
    expect(result.spikePositions).toEqual(hits.map((h) => h.at));
    expect(result.spikesRemoved).toBe(4);
    for (const hit of hits) {
      for (let k = 0; k < hit.heights.length; k++) {
        const i = hit.at + k;
        // within 5 shot-noise widths of the true curve (the spike itself was thousands of counts)
        expect(Math.abs(result.spectrum.intensities[i]! - truth[i]!)).toBeLessThan(5 * Math.sqrt(truth[i]!));
      }
    }
    const untouched = result.spectrum.intensities.filter((v, i) => v === spiked[i]).length;
    expect(untouched).toBe(POINTS - 7);
  });

  it('refuses a saturated spectrum: a peak clipped at full scale over several points', () => {
    const values = noisy(curve(PEAKS), 11).map((v) => Math.min(v, 30_000));
    expect(checkSpectrum(spectrum(values, 30_000))).toMatchObject({ ok: false, code: 'spectrum_saturated' });
  });

  it('refuses a dead sensor (no variance)', () => {
    expect(checkSpectrum(spectrum(new Array(POINTS).fill(812)))).toMatchObject({
      ok: false,
      code: 'spectrum_dead_sensor',
    });
  });

  it('refuses NaN and infinity, in intensities or shifts', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const values = noisy(curve(PEAKS), 3);
      values[17] = bad;
      expect(checkSpectrum(spectrum(values))).toMatchObject({ ok: false, code: 'spectrum_not_finite' });
    }
    const s = spectrum(noisy(curve(PEAKS), 3));
    s.shiftCm1[3] = Number.NaN;
    expect(checkSpectrum(s)).toMatchObject({ ok: false, code: 'spectrum_not_finite' });
  });

  it('refuses a malformed spectrum and lists every code', () => {
    expect(checkSpectrum({ ...spectrum([1, 2, 3]), shiftCm1: [1, 2] })).toMatchObject({
      ok: false,
      code: 'spectrum_malformed',
    });
    expect(SPECTRUM_GUARDRAIL_CODES).toEqual([
      'spectrum_not_finite',
      'spectrum_malformed',
      'spectrum_dead_sensor',
      'spectrum_saturated',
    ]);
  });
});

describe('spike removal on the simulator’s own frames (spike pixels known)', () => {
  /** 240 frames of random Form I / Form II / dissolved mixtures at 100 ms .. 4 s exposures. */
  function frames(cosmicRatePerS: number) {
    const rng = new Rng(42);
    const axis = shiftAxis();
    const detector = { ...DEFAULT_DETECTOR, cosmicRatePerS };
    const out: { counts: number[]; spikePixels: number[] }[] = [];
    for (const integrationMs of [100, 500, 2000, 4000]) {
      for (let k = 0; k < 60; k++) {
        const formI = rng.next();
        const formII = rng.next() * (1 - formI);
        const rate = expectedRate(detector, axis, { formI, formII, dissolved: 1 - formI - formII });
        out.push(exposeFrame(detector, rate, integrationMs, rng));
      }
    }
    return out;
  }
  const changedPixels = (counts: number[]) => {
    const { cleaned } = removeSpikes(counts);
    return cleaned.flatMap((v, i) => (v !== counts[i] ? [i] : []));
  };

  it('touches no pixel of a frame without cosmic rays (sharp synthetic bands included)', () => {
    const touched = frames(0).flatMap((f) => changedPixels(f.counts));
    expect(touched).toEqual([]);
  });

  it('removes the spikes, and only them, at 60 times the default cosmic-ray rate', () => {
    let spikes = 0;
    let removed = 0;
    for (const f of frames(3)) {
      const truth = new Set(f.spikePixels);
      const changed = changedPixels(f.counts);
      expect(changed.filter((i) => !truth.has(i))).toEqual([]);
      spikes += truth.size;
      removed += changed.length;
    }
    expect(spikes).toBeGreaterThan(1500);
    // missed: spikes in the 2 edge pixels, on a steep peak flank, or touching another spike
    expect(removed / spikes).toBeGreaterThan(0.9);
  });
});
