import { describe, expect, it } from 'vitest';
import { detectOnset } from './onset.ts';
import { gaussianNoise } from './test-spectra.ts';

/** Flat at 0 until t0, then a logistic rise to `top`, sampled every `dt`, with Gaussian noise. */
function series(t0: number, seed: number, noise: number, top = 0.9, dt = 30, n = 120) {
  const e = gaussianNoise(seed, n, noise);
  return Array.from({ length: n }, (_, i) => {
    const t = i * dt;
    const rise = t <= t0 ? 0 : top * (2 / (1 + Math.exp(-(t - t0) / 400)) - 1);
    return { t, crystalline: rise + e[i]! };
  });
}

describe('detectOnset', () => {
  it('finds a known change point within two sampling intervals, for several noise draws', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const onset = detectOnset(series(1500, seed, 0.01));
      expect(onset).not.toBeNull();
      expect(Math.abs(onset!.t - 1500)).toBeLessThanOrEqual(60);
    }
  });

  it('finds the start of a quadratic or cubic rise (crystal mass ∝ t³) within two sampling intervals', () => {
    for (const power of [2, 3]) {
      for (const seed of [21, 22, 23, 24, 25, 26]) {
        const e = gaussianNoise(seed, 150, 0.01);
        const s = e.map((noise, i) => {
          const t = i * 30;
          return { t, crystalline: Math.min(0.9, 0.9 * (Math.max(0, t - 1500) / 2000) ** power) + noise };
        });
        expect(Math.abs(detectOnset(s)!.t - 1500)).toBeLessThanOrEqual(60);
      }
    }
  });

  it('finds a linear rise after a flat start', () => {
    const s = Array.from({ length: 50 }, (_, i) => ({
      t: i,
      crystalline: i < 20 ? 0.02 : 0.02 + 0.03 * (i - 20),
    }));
    expect(detectOnset(s)).toEqual({ t: 20, index: 20 });
  });

  it('reports nothing for a flat noisy series', () => {
    const e = gaussianNoise(9, 80, 0.01);
    expect(detectOnset(e.map((v, i) => ({ t: i * 10, crystalline: 0.01 + v })))).toBeNull();
  });

  it('reports nothing for too short a series, and skips non-finite points', () => {
    expect(
      detectOnset([
        { t: 0, crystalline: 0 },
        { t: 1, crystalline: 1 },
      ]),
    ).toBeNull();
    const s = series(900, 7, 0.01);
    s[3] = { t: s[3]!.t, crystalline: Number.NaN };
    const onset = detectOnset(s);
    expect(Math.abs(onset!.t - 900)).toBeLessThanOrEqual(60);
    expect(s[onset!.index]!.t).toBe(onset!.t);
  });
});
