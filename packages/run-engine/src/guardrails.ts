/**
 * Spectrum guardrails: bad data is refused with a defined code before anything reads it, and cosmic-ray
 * spikes (1-3 px, one acquisition only) are removed rather than refused.
 *
 * Spike detection (see isSpike): a run of 1-3 points standing far above the line between its two
 * neighbours, while the signal just outside the run is smooth. Noise is estimated robustly (MAD of the
 * second difference) and scaled for shot noise at the run's level. Removed points are interpolated
 * linearly between the run's neighbours. Limits: the 2 points at each end are never examined, and a
 * spike on the steep flank of a peak is kept when it is under ~4 times the flank's step per point.
 * Order: not finite → malformed → dead sensor → spikes removed → saturation (on the cleaned spectrum,
 * so a cosmic ray that hit full scale does not fail the acquisition; a saturated peak, wider than a
 * spike, still does).
 */
import type { Spectrum } from './drivers.ts';

export const SPECTRUM_GUARDRAIL_CODES = [
  'spectrum_not_finite', // a NaN or an infinity among the shifts or intensities
  'spectrum_malformed', // fewer than 3 points, or shift and intensity lengths differ
  'spectrum_dead_sensor', // no variance: every point the same count
  'spectrum_saturated', // a point at or above the detector's full scale
] as const;
export type SpectrumGuardrailCode = (typeof SPECTRUM_GUARDRAIL_CODES)[number];

export interface GuardrailOptions {
  /** Spike height, in robust noise widths, above which a narrow run is a spike. */
  zThreshold: number;
  /** Widest spike, in points. */
  maxSpikeWidth: number;
}

export const DEFAULT_GUARDRAIL_OPTIONS: GuardrailOptions = {
  zThreshold: 8,
  maxSpikeWidth: 3,
};

export type GuardrailResult =
  | { ok: true; spectrum: Spectrum; spikesRemoved: number; spikePositions: number[] }
  | { ok: false; code: SpectrumGuardrailCode; message: string };

export function checkSpectrum(
  spectrum: Spectrum,
  options: GuardrailOptions = DEFAULT_GUARDRAIL_OPTIONS,
): GuardrailResult {
  const { shiftCm1, intensities } = spectrum;
  const notFinite = [...shiftCm1, ...intensities].filter((v) => !Number.isFinite(v)).length;
  if (notFinite > 0) return refuse('spectrum_not_finite', `${notFinite} value(s) are NaN or infinite`);
  if (intensities.length < 3 || shiftCm1.length !== intensities.length) {
    return refuse(
      'spectrum_malformed',
      `${shiftCm1.length} shifts for ${intensities.length} intensities (at least 3 points needed)`,
    );
  }
  if (intensities.every((v) => v === intensities[0])) {
    return refuse(
      'spectrum_dead_sensor',
      `all ${intensities.length} points read ${intensities[0]}: no variance`,
    );
  }
  const { cleaned, spikes } = removeSpikes(intensities, options);
  const saturated = cleaned.filter((v) => v >= spectrum.detectorMax).length;
  if (saturated > 0) {
    return refuse(
      'spectrum_saturated',
      `${saturated} point(s) at or above full scale ${spectrum.detectorMax}`,
    );
  }
  return {
    ok: true,
    spectrum: { ...spectrum, intensities: cleaned },
    spikesRemoved: spikes.length,
    spikePositions: spikes,
  };
}

const refuse = (code: SpectrumGuardrailCode, message: string): GuardrailResult => ({
  ok: false,
  code,
  message,
});

/** Remove narrow spikes; returns the cleaned intensities and the first index of each spike removed. */
export function removeSpikes(
  intensities: readonly number[],
  options: GuardrailOptions = DEFAULT_GUARDRAIL_OPTIONS,
): { cleaned: number[]; spikes: number[] } {
  // white noise's second difference has 6 times its variance
  const d2 = intensities.slice(1, -1).map((v, i) => Math.abs(intensities[i]! - 2 * v + intensities[i + 2]!));
  const noise = Math.max((1.4826 * median(d2)) / Math.sqrt(6), Number.EPSILON);
  // shot noise grows with the signal: scale the typical noise by sqrt(level / typical level)
  const typical = Math.max(median(intensities), Number.EPSILON);
  const noiseAt = (level: number) => noise * Math.sqrt(Math.max(1, level / typical));
  const cleaned = [...intensities];
  const spikes: number[] = [];
  // a second pass finds a spike whose neighbour was another spike (its side was not smooth)
  for (let pass = 0, found = 1; pass < 3 && found > 0; pass++) {
    found = 0;
    for (let a = 2; a < cleaned.length - 2; a++) {
      for (let width = 1; width <= options.maxSpikeWidth; width++) {
        const b = a + width - 1;
        if (b > cleaned.length - 3 || !isSpike(cleaned, a, b, noiseAt, options)) continue;
        interpolate(cleaned, a, b);
        spikes.push(a);
        found++;
        a = b + 1; // the point after a spike is its right anchor, never a spike's start
        break;
      }
    }
  }
  return { cleaned, spikes: spikes.sort((p, q) => p - q) };
}

/**
 * [a, b] is a spike when every point of it stands above the line between its two neighbours by more
 * than zThreshold noise widths, while the signal just outside is smooth: each neighbour differs from
 * the next point out by under a quarter of that excess (or by noise). The top of a real peak fails
 * the second test: its flanks fall about as steeply as its top stands out.
 */
function isSpike(
  x: readonly number[],
  a: number,
  b: number,
  noiseAt: (level: number) => number,
  options: GuardrailOptions,
) {
  const left = x[a - 1]!;
  const right = x[b + 1]!;
  let excess = Number.POSITIVE_INFINITY;
  for (let j = a; j <= b; j++)
    excess = Math.min(excess, x[j]! - (left + ((right - left) * (j - a + 1)) / (b - a + 2)));
  const noise = noiseAt(Math.max(left, right));
  if (excess <= options.zThreshold * noise) return false;
  const smooth = (step: number) => Math.abs(step) < Math.max(4 * noise, 0.25 * excess);
  return smooth(left - x[a - 2]!) && smooth(right - x[b + 2]!);
}

function interpolate(values: number[], start: number, end: number): void {
  const left = values[start - 1]!;
  const right = values[end + 1]!;
  const span = end - start + 2;
  for (let i = start; i <= end; i++) values[i] = left + ((right - left) * (i - start + 1)) / span;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
