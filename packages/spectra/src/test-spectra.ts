import { Rng } from '@polymorph/random/rng';

/** Spectra with known answers for the tests: Lorentzian bands on a known axis, and a seeded noise source. */
export interface Band {
  center: number;
  fwhm: number;
  height: number;
}

export function linspace(from: number, to: number, points: number): number[] {
  return Array.from({ length: points }, (_, i) => from + ((to - from) * i) / (points - 1));
}

export function lorentzians(bands: readonly Band[], x: readonly number[]): number[] {
  return x.map((v) =>
    bands.reduce((s, b) => s + (b.height * (b.fwhm / 2) ** 2) / ((v - b.center) ** 2 + (b.fwhm / 2) ** 2), 0),
  );
}

/** Seeded Gaussian noise from the repository's one generator, so a test always sees the same draw. */
export function gaussianNoise(seed: number, n: number, sd: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => sd * rng.normal());
}
