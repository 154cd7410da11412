import { Rng } from '@polymorph/random/rng';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DETECTOR,
  expectedRate,
  exposeFrame,
  FORM_I_MARKER_CM1,
  FORM_II_MARKER_CM1,
  poisson,
  SHIFT_MAX_CM1,
  SHIFT_MIN_CM1,
  shiftAxis,
} from './raman.ts';

const axis = shiftAxis();
const nearest = (shift: number) =>
  axis.reduce((best, x, i) => (Math.abs(x - shift) < Math.abs(axis[best]! - shift) ? i : best), 0);

describe('simulated Raman detector', () => {
  it('spans 200-1800 cm⁻¹ in ascending shift, evenly in wavelength', () => {
    expect(axis[0]).toBeCloseTo(SHIFT_MIN_CM1, 6);
    expect(axis[axis.length - 1]).toBeCloseTo(SHIFT_MAX_CM1, 6);
    for (let i = 1; i < axis.length; i++) expect(axis[i]!).toBeGreaterThan(axis[i - 1]!);
    // even in wavelength means the shift step shrinks towards high shift
    expect(axis[1]! - axis[0]!).toBeGreaterThan(axis[axis.length - 1]! - axis[axis.length - 2]!);
  });

  it('Form I and Form II differ clearly at their marker bands', () => {
    const formI = expectedRate(DEFAULT_DETECTOR, axis, { dissolved: 0, formI: 1, formII: 0 });
    const formII = expectedRate(DEFAULT_DETECTOR, axis, { dissolved: 0, formI: 0, formII: 1 });
    const ratio = (r: number[]) => r[nearest(FORM_I_MARKER_CM1)]! / r[nearest(FORM_II_MARKER_CM1)]!;
    expect(ratio(formI)).toBeGreaterThan(3);
    expect(ratio(formII)).toBeLessThan(1 / 3);
  });

  it('shot noise is Poisson: variance equals the mean', () => {
    const rng = new Rng(3);
    for (const mean of [4, 400]) {
      const xs = Array.from({ length: 20_000 }, () => poisson(rng, mean));
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
      expect(m).toBeCloseTo(mean, mean < 10 ? 1 : 0);
      expect(v / mean).toBeGreaterThan(0.95);
      expect(v / mean).toBeLessThan(1.05);
    }
  });

  it('clips at the detector full scale when the exposure is too long', () => {
    const rate = expectedRate(DEFAULT_DETECTOR, axis, { dissolved: 0.2, formI: 0, formII: 0.8 });
    const short = exposeFrame(DEFAULT_DETECTOR, rate, 1000, new Rng(1));
    expect(Math.max(...short.counts)).toBeLessThan(DEFAULT_DETECTOR.detectorMax);
    const long = exposeFrame(DEFAULT_DETECTOR, rate, 20_000, new Rng(1));
    const top = Math.max(...long.counts);
    expect(top).toBe(DEFAULT_DETECTOR.detectorMax);
    expect(long.counts[nearest(FORM_II_MARKER_CM1)]).toBe(DEFAULT_DETECTOR.detectorMax);
  });

  it('cosmic-ray spikes come at the configured rate, 1-2 pixels wide, the same for the same seed', () => {
    const rate = expectedRate(DEFAULT_DETECTOR, axis, { dissolved: 1, formI: 0, formII: 0 });
    const countEvents = (seed: number) => {
      const rng = new Rng(seed);
      let events = 0;
      let pixels = 0;
      for (let f = 0; f < 2000; f++) {
        const frame = exposeFrame(DEFAULT_DETECTOR, rate, 1000, rng);
        // adjacent spike pixels belong to one event
        const hit = [...new Set(frame.spikePixels)].sort((a, b) => a - b);
        events += hit.filter((p, i) => i === 0 || p !== hit[i - 1]! + 1).length;
        pixels += frame.spikePixels.length;
      }
      return { events, pixels };
    };
    const a = countEvents(11);
    // 2000 frames · 1 s · 0.05/s = 100 expected; Poisson sd 10
    expect(a.events).toBeGreaterThan(65);
    expect(a.events).toBeLessThan(135);
    expect(a.pixels / a.events).toBeGreaterThan(1.2);
    expect(a.pixels / a.events).toBeLessThan(1.8);
    expect(countEvents(11)).toEqual(a);
  });

  it('a spike stands far above its neighbours', () => {
    const rate = expectedRate(DEFAULT_DETECTOR, axis, { dissolved: 1, formI: 0, formII: 0 });
    const detector = { ...DEFAULT_DETECTOR, cosmicRatePerS: 5 };
    const frame = exposeFrame(detector, rate, 1000, new Rng(5));
    expect(frame.spikePixels.length).toBeGreaterThan(0);
    const p = frame.spikePixels[0]!;
    const clean = exposeFrame({ ...detector, cosmicRatePerS: 0 }, rate, 1000, new Rng(99));
    expect(frame.counts[p]! - clean.counts[p]!).toBeGreaterThan(DEFAULT_DETECTOR.cosmicMin / 2);
  });
});
