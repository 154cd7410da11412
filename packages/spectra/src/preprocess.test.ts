import { describe, expect, it } from 'vitest';
import { normalize, preprocess, removeCosmicRays, resample, smooth, subtractBaseline } from './preprocess.ts';
import { SpectrumError } from './spectrum.ts';
import { gaussianNoise, linspace, lorentzians } from './test-spectra.ts';

const x = linspace(200, 1800, 1024);
const bands = [
  { center: 600, fwhm: 10, height: 800 },
  { center: 1000, fwhm: 8, height: 1500 },
  { center: 1400, fwhm: 12, height: 600 },
];
const peaks = lorentzians(bands, x);
const maxAbs = (v: readonly number[]) => Math.max(...v.map(Math.abs));

describe('subtractBaseline (airPLS)', () => {
  const bandFree = x.map((_, i) => i).filter((i) => peaks[i]! < 5);
  const at1000 = x.findIndex((v) => v >= 1000);
  const cases = {
    quadratic: x.map((v) => 300 + 0.4 * (v - 200) - 1.5e-4 * (v - 200) ** 2),
    'decaying exponential (fluorescence)': x.map((v) => 2000 * Math.exp(-(v - 200) / 900) + 700),
  };
  for (const [name, baseline] of Object.entries(cases)) {
    it(`removes a known ${name} baseline to within 2% of its height and keeps the bands`, () => {
      // airPLS weighs points by their negative residuals, so it needs the noise a real spectrum has
      const noise = gaussianNoise(5, x.length, 10);
      const y = peaks.map((p, i) => p + baseline[i]! + noise[i]!);
      const out = subtractBaseline({ x, y });
      const height = Math.max(...baseline);
      const error = bandFree.map((i) => Math.abs(out.baseline[i]! - baseline[i]!));
      expect(Math.max(...error)).toBeLessThan(0.02 * height);
      expect(Math.max(...out.y.slice(at1000 - 3, at1000 + 4))).toBeGreaterThan(0.95 * 1500);
      // subtracted, not replaced: signal = corrected + baseline
      expect(out.y[at1000]! + out.baseline[at1000]!).toBeCloseTo(y[at1000]!, 6);
    });
  }
});

describe('removeCosmicRays', () => {
  it('removes one- and two-pixel spikes, a three-pixel cluster and spikes at the ends, and leaves real bands untouched', () => {
    const noisy = peaks.map((p, i) => p + 50 + gaussianNoise(1, 1024, 5)[i]!);
    const hits: Record<number, number> = {
      0: 4000,
      100: 5000,
      380: 6000,
      381: 9000,
      382: 3500,
      700: 8000,
      701: 7000,
      1022: 9000,
      1023: 9500,
    };
    const spiked = noisy.map((v, i) => v + (hits[i] ?? 0));
    const out = removeCosmicRays(spiked);
    expect(out.spikes).toEqual(Object.keys(hits).map(Number));
    for (const i of out.spikes) expect(Math.abs(out.y[i]! - noisy[i]!)).toBeLessThan(30);
    const bandPixels = x.map((_, i) => i).filter((i) => peaks[i]! > 100);
    for (const i of bandPixels) expect(out.y[i]).toBe(noisy[i]);
  });

  it('removes a spike on top of a band and keeps the band', () => {
    const noisy = peaks.map((p, i) => p + 50 + gaussianNoise(6, 1024, 5)[i]!);
    const top = x.findIndex((v) => v >= 1000);
    const spiked = noisy.map((v, i) => (i === top + 2 ? v + 6000 : v));
    const out = removeCosmicRays(spiked);
    expect(out.spikes).toEqual([top + 2]);
    expect(Math.abs(out.y[top + 2]! - noisy[top + 2]!)).toBeLessThan(0.1 * 1500);
  });

  it('finds no spike in a spectrum without one', () => {
    const noisy = peaks.map((p, i) => p + 50 + gaussianNoise(2, 1024, 5)[i]!);
    expect(removeCosmicRays(noisy).spikes).toEqual([]);
  });
});

describe('resample', () => {
  it('resampling a line gives the line', () => {
    const uneven = linspace(0, 1, 300).map((u) => 200 + 1600 * u ** 1.3);
    const line = uneven.map((v) => 3 * v - 100);
    const out = resample({ x: uneven, y: line }, { from: 250, to: 1750, points: 512 });
    expect(out.x).toHaveLength(512);
    expect(out.x[0]).toBeCloseTo(250, 9);
    expect(out.x[511]).toBeCloseTo(1750, 9);
    for (let i = 0; i < 512; i++) expect(out.y[i]).toBeCloseTo(3 * out.x[i]! - 100, 6);
  });
});

describe('smooth (Savitzky–Golay)', () => {
  it('keeps a quadratic exactly and reduces white noise', () => {
    const quadratic = x.map((v) => 1e-3 * (v - 1000) ** 2);
    const out = smooth(quadratic, { windowSize: 7, polynomial: 2 });
    for (let i = 3; i < 1021; i++) expect(out[i]).toBeCloseTo(quadratic[i]!, 6);
    const noise = gaussianNoise(3, 1024, 1);
    const sd = (v: readonly number[]) => Math.sqrt(v.reduce((s, a) => s + a * a, 0) / v.length);
    expect(sd(smooth(noise))).toBeLessThan(0.8 * sd(noise));
  });
});

describe('normalize', () => {
  it("'unit_vector' gives Euclidean norm 1, 'max' a maximum of 1, 'none' the input", () => {
    expect(Math.hypot(...normalize(peaks, 'unit_vector'))).toBeCloseTo(1, 12);
    expect(Math.max(...normalize(peaks, 'max'))).toBeCloseTo(1, 12);
    expect(normalize(peaks, 'none')).toEqual(peaks);
    expect(normalize([0, 0, 0], 'unit_vector')).toEqual([0, 0, 0]);
  });
});

describe('preprocess', () => {
  it('runs every step by default and records what it did', () => {
    const y = peaks.map((p, i) => p + 200 + 0.1 * x[i]! + gaussianNoise(4, 1024, 3)[i]!);
    const out = preprocess({ x, y });
    expect(out.applied.map((s) => s.step)).toEqual([
      'despike',
      'resample',
      'smooth',
      'baseline',
      'normalize',
    ]);
    expect(out.x).toHaveLength(1024);
    expect(Math.hypot(...out.y)).toBeCloseTo(1, 9);
    expect(maxAbs(out.y)).toBeGreaterThan(0.2);
  });

  it('leaves out the steps turned off', () => {
    const out = preprocess(
      { x, y: peaks },
      { despike: false, smooth: false, baseline: false, normalize: 'none' },
    );
    expect(out.applied.map((s) => s.step)).toEqual(['resample']);
  });

  it('refuses a spectrum whose x is not ascending, naming x', () => {
    const bad = [...x];
    bad[10] = bad[9]!;
    expect(() => preprocess({ x: bad, y: peaks })).toThrow(SpectrumError);
    try {
      preprocess({ x: bad, y: peaks });
    } catch (error) {
      expect(error instanceof SpectrumError && error.field).toBe('x');
    }
  });
});
