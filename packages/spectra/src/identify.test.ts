import { describe, expect, it } from 'vitest';
import { hqi, identify, normalCdf } from './identify.ts';
import { buildLibrary, type ReferenceSpectrum } from './library.ts';
import { SpectrumError } from './spectrum.ts';
import { type Band, gaussianNoise, linspace, lorentzians } from './test-spectra.ts';

const x = linspace(300, 1700, 900);
const PEAKS: Record<string, Band[]> = {
  solvent: [
    { center: 450, fwhm: 20, height: 2 },
    { center: 880, fwhm: 14, height: 4 },
  ],
  dissolved: [
    { center: 700, fwhm: 30, height: 3 },
    { center: 1010, fwhm: 25, height: 5 },
  ],
  form_i: [
    { center: 690, fwhm: 8, height: 6 },
    { center: 1130, fwhm: 7, height: 12 },
  ],
  form_ii: [
    { center: 710, fwhm: 8, height: 6 },
    { center: 1190, fwhm: 7, height: 12 },
  ],
};
const refs: ReferenceSpectrum[] = Object.entries(PEAKS).map(([form, bands]) => ({
  id: `ref-${form}`,
  form,
  name: form,
  x,
  y: lorentzians(bands, x),
}));
const library = buildLibrary(refs);

/** Solvent + compound mixture, scaled to counts, on a sloping fluorescence background, with noise. */
function sample(fractions: Record<'dissolved' | 'form_i' | 'form_ii', number>, seed: number, noise = 20) {
  const parts = Object.entries(fractions).map(([form, f]) => lorentzians(PEAKS[form]!, x).map((v) => f * v));
  const solvent = lorentzians(PEAKS.solvent!, x);
  const n = gaussianNoise(seed, x.length, noise);
  const y = x.map(
    (v, i) => 1000 * (solvent[i]! + parts.reduce((s, p) => s + p[i]!, 0)) + 2000 + 0.8 * v + n[i]!,
  );
  return { x, y };
}

describe('identify', () => {
  it('recovers known mixture fractions within their uncertainty and names the dominant crystalline form', () => {
    const truth = { dissolved: 0.5, form_i: 0.15, form_ii: 0.35 };
    const result = identify(library, sample(truth, 11));
    expect(result.form).toBe('form_ii');
    for (const [form, value] of Object.entries(truth)) {
      const f = result.fractions[form]!;
      expect(Math.abs(f.value - value)).toBeLessThan(0.02);
      expect(f.uncertainty).toBeGreaterThan(0);
      expect(Math.abs(f.value - value)).toBeLessThan(4 * f.uncertainty);
    }
    expect(Object.values(result.fractions).reduce((s, f) => s + f.value, 0)).toBeCloseTo(1, 9);
    expect(result.fractions.solvent).toBeUndefined();
    expect(result.confidence).toBeGreaterThan(0.99);
  });

  it("says 'none' when there are no crystals, and the top hit is the dissolved reference", () => {
    const result = identify(library, sample({ dissolved: 1, form_i: 0, form_ii: 0 }, 12));
    expect(result.form).toBe('none');
    expect(result.fractions.dissolved!.value).toBeGreaterThan(0.97);
    expect(result.hits[0]!.form).toBe('dissolved');
    expect(result.hits.map((h) => h.hqi)).toEqual([...result.hits.map((h) => h.hqi)].sort((a, b) => b - a));
  });

  it("a blank or the solvent alone: 'none' with confidence 0", () => {
    const solvent = lorentzians(PEAKS.solvent!, x);
    const noise = gaussianNoise(16, x.length, 20);
    for (const y of [x.map(() => 0), solvent.map((s, i) => 1000 * s + 2000 + noise[i]!)]) {
      const result = identify(library, { x, y });
      expect(result.form).toBe('none');
      expect(result.confidence).toBe(0);
    }
  });

  it('ranks the pure form first by HQI and returns the requested number of hits', () => {
    const result = identify(library, sample({ dissolved: 0, form_i: 1, form_ii: 0 }, 13), { topHits: 2 });
    expect(result.form).toBe('form_i');
    expect(result.hits).toHaveLength(2);
    expect(result.hits[0]).toMatchObject({ referenceId: 'ref-form_i', form: 'form_i' });
    expect(result.hits[0]!.hqi).toBeGreaterThan(result.hits[1]!.hqi);
  });

  it('has lower confidence for a near tie than for a clear lead', () => {
    const tie = identify(library, sample({ dissolved: 0.4, form_i: 0.3, form_ii: 0.3 }, 14, 200));
    const clear = identify(library, sample({ dissolved: 0.4, form_i: 0.5, form_ii: 0.1 }, 14, 200));
    expect(tie.confidence).toBeLessThan(0.9);
    expect(clear.confidence).toBeGreaterThan(0.99);
  });

  it('records the preprocessing it applied', () => {
    const steps = identify(library, sample({ dissolved: 1, form_i: 0, form_ii: 0 }, 15)).preprocessing.map(
      (s) => s.step,
    );
    expect(steps).toEqual(['despike', 'resample', 'smooth', 'baseline', 'baseline', 'normalize']);
  });

  it("refuses a spectrum that does not cover the library's range", () => {
    const short = { x: x.slice(100), y: x.slice(100).map(() => 1) };
    expect(() => identify(library, short)).toThrow(SpectrumError);
  });
});

describe('hqi and normalCdf', () => {
  it('HQI is 1 for the same shape at any scale and 0 for disjoint bands', () => {
    const a = lorentzians(PEAKS.form_i!, x);
    expect(
      hqi(
        a,
        a.map((v) => 7 * v),
      ),
    ).toBeCloseTo(1, 12);
    expect(hqi([1, 0, 0], [0, 1, 0])).toBe(0);
  });

  it('normalCdf matches known quantiles', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
  });
});
