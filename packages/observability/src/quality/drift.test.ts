import { normalSample, Rng } from '@polymorph/random/rng';
import { describe, expect, it } from 'vitest';
import { categoricalDrift, jensenShannon, ksTwoSample, numericDrift, psi, worstVerdict } from './drift.ts';
import { buildReferenceProfile, type CategoricalFieldProfile, type NumericFieldProfile } from './profile.ts';
import type { Schema } from './schema.ts';
import { normalCdf } from './stats.ts';

const schema: Schema = { fields: [{ name: 'x', type: 'number' }] };
const D_THEORY = 2 * normalCdf(0.5) - 1; // ≈ 0.3829 for N(0,1) vs N(1,1)

function numericProfile(values: number[]): NumericFieldProfile {
  const p = buildReferenceProfile(
    values.map((x) => ({ x })),
    schema,
  ).fields['x'];
  if (p?.kind !== 'numeric') throw new Error('expected a numeric profile');
  return p;
}

/** PSI between N(0,1) deciles and N(δ,1), from the normal CDF. */
function theoreticalDecilePsi(delta: number): number {
  const z = [-1.2815516, -0.8416212, -0.5244005, -0.2533471, 0, 0.2533471, 0.5244005, 0.8416212, 1.2815516];
  let prev = 0;
  let s = 0;
  for (let i = 0; i <= z.length; i++) {
    const c = i < z.length ? normalCdf(z[i]! - delta) : 1;
    const a = c - prev;
    prev = c;
    s += (a - 0.1) * Math.log(a / 0.1);
  }
  return s;
}

const reference = numericProfile(normalSample(100_000, 11));

describe('PSI', () => {
  it('matches a hand computation and stays finite on an empty bin', () => {
    // (0.25 − 0.5)·ln(0.25/0.5) + (0.75 − 0.5)·ln(0.75/0.5)
    expect(psi([0.5, 0.5], [0.25, 0.75], 0)).toBeCloseTo(0.25 * Math.log(2) + 0.25 * Math.log(1.5), 12);
    expect(psi([0.3, 0.7], [0.3, 0.7])).toBe(0);
    const withEmpty = psi([0.5, 0.5, 0], [0.4, 0.4, 0.2]);
    expect(Number.isFinite(withEmpty)).toBe(true);
    expect(withEmpty).toBeGreaterThan(1); // 0.2·ln(0.2/ε') dominates
  });

  it('does not fire on identical distributions at the minimum window (500), over 200 windows', () => {
    let max = 0;
    let sum = 0;
    for (let seed = 1000; seed < 1200; seed++) {
      const [p] = numericDrift(reference, normalSample(500, seed));
      expect(p!.verdict).toBe('ok');
      max = Math.max(max, p!.value);
      sum += p!.value;
    }
    expect(max).toBeLessThan(0.1);
    // E[PSI] ≈ (bins − 1)/n = 9/500 = 0.018 for two samples of one distribution
    expect(sum / 200).toBeGreaterThan(0.012);
    expect(sum / 200).toBeLessThan(0.025);
  });

  it('fires on identical data below the minimum window, hence insufficient_data', () => {
    let fired = 0;
    for (let seed = 2000; seed < 2100; seed++) {
      const [p, k] = numericDrift(reference, normalSample(50, seed));
      expect(p!.verdict).toBe('insufficient_data');
      expect(k!.verdict).toBe('insufficient_data');
      if (p!.value >= 0.1) fired++;
    }
    expect(fired).toBeGreaterThan(50); // the raw statistic would have raised a false warning most of the time
  });

  it('the minimum window is configurable', () => {
    expect(numericDrift(reference, normalSample(50, 1), { minWindow: 40 })[0]!.verdict).not.toBe(
      'insufficient_data',
    );
    expect(numericDrift(reference, normalSample(600, 1), { minWindow: 1000 })[0]!.verdict).toBe(
      'insufficient_data',
    );
  });

  it('a 1 SD mean shift gives PSI well above 0.25 (theory ≈ 0.93 on deciles)', () => {
    const [p] = numericDrift(reference, normalSample(5_000, 12, 1, 1));
    expect(p!.verdict).toBe('drift');
    expect(p!.value).toBeGreaterThan(0.25);
    expect(theoreticalDecilePsi(1)).toBeCloseTo(0.926, 3);
    expect(Math.abs(p!.value - theoreticalDecilePsi(1))).toBeLessThan(0.1);
  });

  it('a 0.4 SD shift on a large window matches the theoretical decile PSI (≈ 0.15) and warns', () => {
    const theory = theoreticalDecilePsi(0.4);
    expect(theory).toBeGreaterThan(0.1);
    expect(theory).toBeLessThan(0.25);
    const [p] = numericDrift(reference, normalSample(20_000, 13, 0.4, 1));
    expect(Math.abs(p!.value - theory)).toBeLessThan(0.03);
    expect(p!.verdict).toBe('warn');
  });
});

describe('Kolmogorov–Smirnov', () => {
  it('D on a hand example', () => {
    // ECDFs of [1,2,3] and [2,3,4] differ by 1/3 at most
    expect(ksTwoSample([1, 2, 3], [2, 3, 4]).d).toBeCloseTo(1 / 3, 12);
    expect(ksTwoSample([1, 2], [3, 4]).d).toBe(1);
    expect(ksTwoSample([1, 2, 3], [1, 2, 3]).d).toBe(0);
  });

  it('N(0,1) vs N(1,1): D ≈ 2Φ(0.5) − 1 ≈ 0.383, p tiny, verdict drift', () => {
    const [, k] = numericDrift(reference, normalSample(5_000, 14, 1, 1));
    expect(Math.abs(k!.value - D_THEORY)).toBeLessThan(0.03);
    expect(k!.pValue!).toBeLessThan(1e-10);
    expect(k!.verdict).toBe('drift');
  });

  it('same distribution: p-value large, verdict ok', () => {
    const [, k] = numericDrift(reference, normalSample(5_000, 15));
    expect(k!.value).toBeLessThan(0.03);
    expect(k!.pValue!).toBeGreaterThan(0.05);
    expect(k!.verdict).toBe('ok');
  });

  it('p-values of same-distribution samples are roughly uniform (few below 0.05)', () => {
    let below = 0;
    for (let seed = 3000; seed < 3200; seed++) {
      const r = ksTwoSample(normalSample(500, seed), normalSample(500, seed + 10_000));
      if (r.pValue < 0.05) below++;
    }
    // expected 10 of 200; binomial sd ≈ 3
    expect(below).toBeGreaterThan(2);
    expect(below).toBeLessThan(22);
  });
});

describe('Jensen–Shannon', () => {
  it('is 0 for identical, 1 for disjoint, and a hand-computed value', () => {
    expect(jensenShannon([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
    expect(jensenShannon([1, 0], [0, 1])).toBe(1);
    // P = (½, ½), Q = (1, 0), M = (¾, ¼): JS = 1.5 − 0.75·log2(3) ≈ 0.311278
    expect(jensenShannon([0.5, 0.5], [1, 0])).toBeCloseTo(1.5 - 0.75 * Math.log2(3), 12);
    expect(jensenShannon([0.5, 0.5], [1, 0])).toBeCloseTo(0.311278, 6);
    // counts are normalised
    expect(jensenShannon([2, 2], [5, 0])).toBeCloseTo(0.311278, 6);
  });

  it('on categorical profiles: disjoint categories go to "other" and give JS = 1', () => {
    const ref = buildReferenceProfile(
      Array.from({ length: 1000 }, (_, i) => ({ c: i % 2 === 0 ? 'a' : 'b' })),
      { fields: [{ name: 'c', type: 'string' }] },
    ).fields['c'] as CategoricalFieldProfile;
    const same = categoricalDrift(
      ref,
      Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? 'b' : 'a')),
    );
    expect(same.map((r) => [r.method, r.value, r.verdict])).toEqual([
      ['psi', 0, 'ok'],
      ['js', 0, 'ok'],
    ]);
    const disjoint = categoricalDrift(ref, new Array<string>(1000).fill('z'));
    expect(disjoint[1]!.value).toBe(1);
    expect(disjoint[1]!.verdict).toBe('drift');
    expect(disjoint[0]!.verdict).toBe('drift');
  });

  it('sampled from one categorical distribution at the minimum window: JS and PSI stay below thresholds', () => {
    const cats = ['POS', 'ONLINE', 'ATM', 'TRANSFER', 'OTHER'];
    const weights = [0.4, 0.3, 0.15, 0.1, 0.05];
    const draw = (n: number, seed: number) => {
      const u = new Rng(seed);
      return Array.from({ length: n }, () => {
        let r = u.next();
        for (let i = 0; i < cats.length; i++) {
          r -= weights[i]!;
          if (r < 0) return cats[i]!;
        }
        return cats[cats.length - 1]!;
      });
    };
    const ref = buildReferenceProfile(
      draw(50_000, 1).map((c) => ({ c })),
      { fields: [{ name: 'c', type: 'string' }] },
    ).fields['c'] as CategoricalFieldProfile;
    for (let seed = 10; seed < 60; seed++) {
      const [p, j] = categoricalDrift(ref, draw(500, seed));
      expect(p!.value).toBeLessThan(0.1);
      expect(j!.value).toBeLessThan(0.05);
    }
    // a real mix change: ATM share triples
    const shifted = [...draw(350, 99), ...new Array<string>(150).fill('ATM')];
    expect(categoricalDrift(ref, shifted)[0]!.verdict).not.toBe('ok');
  });
});

describe('worstVerdict', () => {
  it('ignores insufficient_data unless nothing else is known', () => {
    const r = (verdict: 'ok' | 'warn' | 'drift' | 'insufficient_data') => ({
      method: 'psi' as const,
      value: 0,
      n: 0,
      verdict,
    });
    expect(worstVerdict([])).toBe('insufficient_data');
    expect(worstVerdict([r('insufficient_data'), r('ok')])).toBe('ok');
    expect(worstVerdict([r('warn'), r('drift'), r('ok')])).toBe('drift');
  });
});
