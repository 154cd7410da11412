/**
 * The simulated Raman spectrometer's optics and detector, as pure functions.
 *
 * The reference spectra are SYNTHETIC: Lorentzian peak lists chosen for this simulator, not measured
 * spectra of any real compound. Form I and Form II share most bands but differ clearly at two marker
 * shifts (FORM_I_MARKER_CM1, FORM_II_MARKER_CM1), so a peak-ratio classifier separates them; the
 * dissolved compound has broader, slightly shifted bands; the solvent adds its own bands.
 *
 * One detector frame: expected counts = dark offset + exposure·(solvent + compound mixture +
 * fluorescence baseline), then shot noise (Poisson), read noise (Gaussian), rare cosmic-ray spikes
 * (1-2 px), rounding to whole counts and clipping at the detector's full scale.
 */
import type { Rng } from '@polymorph/random/rng';

export const LASER_NM = 785;
/** 16-bit detector. */
export const DETECTOR_MAX = 65_535;
export const SHIFT_MIN_CM1 = 200;
export const SHIFT_MAX_CM1 = 1800;
export const PIXELS = 1024;

/** SYNTHETIC marker bands: strong in one form, absent in the other. */
export const FORM_I_MARKER_CM1 = 1125;
export const FORM_II_MARKER_CM1 = 1185;

export interface Peak {
  centerCm1: number;
  /** Full width at half maximum, cm⁻¹. */
  fwhmCm1: number;
  /** Height, counts per ms of exposure at a fraction of 1. */
  height: number;
}

/** SYNTHETIC reference spectra (peak lists), per species. */
export const SYNTHETIC_REFERENCES: Record<'solvent' | 'dissolved' | 'formI' | 'formII', readonly Peak[]> = {
  solvent: [
    { centerCm1: 433, fwhmCm1: 20, height: 1.5 },
    { centerCm1: 882, fwhmCm1: 14, height: 4 },
    { centerCm1: 1052, fwhmCm1: 16, height: 1.6 },
    { centerCm1: 1096, fwhmCm1: 16, height: 1.2 },
    { centerCm1: 1454, fwhmCm1: 22, height: 2 },
  ],
  dissolved: [
    { centerCm1: 620, fwhmCm1: 24, height: 2 },
    { centerCm1: 1002, fwhmCm1: 18, height: 5 },
    { centerCm1: 1150, fwhmCm1: 40, height: 1.5 },
    { centerCm1: 1605, fwhmCm1: 26, height: 5 },
    { centerCm1: 1668, fwhmCm1: 30, height: 2 },
  ],
  formI: [
    { centerCm1: 615, fwhmCm1: 8, height: 3 },
    { centerCm1: 1000, fwhmCm1: 6, height: 9 },
    { centerCm1: FORM_I_MARKER_CM1, fwhmCm1: 7, height: 14 },
    { centerCm1: 1598, fwhmCm1: 9, height: 10 },
    { centerCm1: 1652, fwhmCm1: 10, height: 4 },
  ],
  formII: [
    { centerCm1: 628, fwhmCm1: 8, height: 3 },
    { centerCm1: 1004, fwhmCm1: 6, height: 9 },
    { centerCm1: FORM_II_MARKER_CM1, fwhmCm1: 7, height: 14 },
    { centerCm1: 1610, fwhmCm1: 9, height: 10 },
    { centerCm1: 1674, fwhmCm1: 10, height: 4 },
  ],
};

export interface DetectorParams {
  pixels: number;
  detectorMax: number;
  /** Counts with no light (bias), whatever the exposure. */
  darkOffset: number;
  /** Read noise, counts (standard deviation). */
  readNoise: number;
  /** Fluorescence baseline, counts per ms: a·exp(-(shift - 200)/decay) + b. */
  fluorescenceA: number;
  fluorescenceDecayCm1: number;
  fluorescenceB: number;
  /** Mean cosmic-ray events per second of exposure (per frame). */
  cosmicRatePerS: number;
  /** Spike height range, counts. */
  cosmicMin: number;
  cosmicMax: number;
}

export const DEFAULT_DETECTOR: DetectorParams = {
  pixels: PIXELS,
  detectorMax: DETECTOR_MAX,
  darkOffset: 800,
  readNoise: 6,
  fluorescenceA: 4,
  fluorescenceDecayCm1: 900,
  fluorescenceB: 1.5,
  cosmicRatePerS: 0.05,
  cosmicMin: 3000,
  cosmicMax: 30_000,
};

/** Raman shift of each pixel, ascending; the pixels are evenly spaced in wavelength, as on a grating. */
export function shiftAxis(pixels = PIXELS, laserNm = LASER_NM): number[] {
  const laserCm1 = 1e7 / laserNm;
  const nmAt = (shift: number) => 1e7 / (laserCm1 - shift);
  const lo = nmAt(SHIFT_MIN_CM1);
  const hi = nmAt(SHIFT_MAX_CM1);
  return Array.from({ length: pixels }, (_, i) => laserCm1 - 1e7 / (lo + ((hi - lo) * i) / (pixels - 1)));
}

export function lorentzianSum(peaks: readonly Peak[], axis: readonly number[]): number[] {
  return axis.map((x) => {
    let y = 0;
    for (const p of peaks) {
      const h = p.fwhmCm1 / 2;
      y += (p.height * h * h) / ((x - p.centerCm1) ** 2 + h * h);
    }
    return y;
  });
}

/** Mass fractions of the compound in each state; they sum to 1. */
export interface Composition {
  dissolved: number;
  formI: number;
  formII: number;
}

/** Noise-free signal, counts per ms of exposure, at each pixel: solvent + compound mixture + fluorescence. */
export function expectedRate(
  detector: DetectorParams,
  axis: readonly number[],
  composition: Composition,
): number[] {
  const solvent = lorentzianSum(SYNTHETIC_REFERENCES.solvent, axis);
  const dissolved = lorentzianSum(SYNTHETIC_REFERENCES.dissolved, axis);
  const formI = lorentzianSum(SYNTHETIC_REFERENCES.formI, axis);
  const formII = lorentzianSum(SYNTHETIC_REFERENCES.formII, axis);
  return axis.map((shift, i) => {
    const fluorescence =
      detector.fluorescenceA * Math.exp(-(shift - SHIFT_MIN_CM1) / detector.fluorescenceDecayCm1) +
      detector.fluorescenceB;
    return (
      solvent[i]! +
      composition.dissolved * dissolved[i]! +
      composition.formI * formI[i]! +
      composition.formII * formII[i]! +
      fluorescence
    );
  });
}

/** Poisson draw: exact (Knuth) for small means, normal approximation above 50. */
export function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

export interface Frame {
  counts: number[];
  /** Pixels a cosmic ray hit (for tests and diagnostics; the driver does not report them). */
  spikePixels: number[];
}

/** One exposure of `integrationMs` at the given expected rate (counts/ms per pixel). */
export function exposeFrame(
  detector: DetectorParams,
  rate: readonly number[],
  integrationMs: number,
  rng: Rng,
): Frame {
  const counts = rate.map((r) => {
    const photons = poisson(rng, r * integrationMs);
    return detector.darkOffset + photons + detector.readNoise * rng.normal();
  });
  const spikePixels: number[] = [];
  const events = poisson(rng, (detector.cosmicRatePerS * integrationMs) / 1000);
  for (let e = 0; e < events; e++) {
    const at = rng.int(counts.length);
    const width = rng.chance(0.5) ? 1 : 2;
    const height = rng.range(detector.cosmicMin, detector.cosmicMax);
    for (let w = 0; w < width && at + w < counts.length; w++) {
      counts[at + w]! += height;
      spikePixels.push(at + w);
    }
  }
  return {
    counts: counts.map((c) => Math.min(detector.detectorMax, Math.max(0, Math.round(c)))),
    spikePixels,
  };
}
