/**
 * Spectrum guardrails: bad data is refused with a defined code before anything reads it, and cosmic-ray
 * spikes (1-3 px, one acquisition only) are removed rather than refused.
 *
 * Spike detection: the residual against a running median (11 px, wider than any spike so the median
 * ignores it) is compared with the noise, estimated robustly (MAD of the residual). A run of at most
 * 3 px standing above `zThreshold` noise widths is a spike only if it falls back to the noise at once
 * on both sides; the top of a real Raman peak also leaves a residual, but it fades over several pixels
 * and so is kept. Removed points are interpolated linearly between the neighbours of the run. Limit: a
 * spike that lands on the top of a peak narrower than the median window (FWHM under ~8 px) is lifted
 * into the median with it and is kept, not removed.
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
  /** Half-width of the running median, in points; must exceed maxSpikeWidth. */
  medianHalfWidth: number;
}

export const DEFAULT_GUARDRAIL_OPTIONS: GuardrailOptions = {
  zThreshold: 8,
  maxSpikeWidth: 3,
  medianHalfWidth: 5,
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
  const residual = runningMedian(intensities, options.medianHalfWidth).map((m, i) => intensities[i]! - m);
  const noise = Math.max(1.4826 * median(residual.map(Math.abs)), Number.EPSILON);
  const high = residual.map((r) => r > options.zThreshold * noise);
  const cleaned = [...intensities];
  const spikes: number[] = [];
  for (let i = 0; i < high.length; i++) {
    if (!high[i]) continue;
    let end = i;
    while (end + 1 < high.length && high[end + 1]) end++;
    if (isSpike(residual, i, end, noise, options)) {
      interpolate(cleaned, i, end);
      spikes.push(i);
    }
    i = end;
  }
  return { cleaned, spikes };
}

/** A run [start, end] is a spike if it is narrow and both neighbours are back at the noise level. */
function isSpike(residual: number[], start: number, end: number, noise: number, options: GuardrailOptions) {
  if (end - start + 1 > options.maxSpikeWidth) return false;
  const top = residual.slice(start, end + 1).reduce((a, b) => Math.max(a, b));
  const quiet = (i: number) => i < 0 || i >= residual.length || residual[i]! < Math.max(3 * noise, 0.3 * top);
  return quiet(start - 1) && quiet(end + 1);
}

function interpolate(values: number[], start: number, end: number): void {
  const left = start > 0 ? values[start - 1]! : values[end + 1]!;
  const right = end + 1 < values.length ? values[end + 1]! : left;
  const span = end - start + 2;
  for (let i = start; i <= end; i++) values[i] = left + ((right - left) * (i - start + 1)) / span;
}

function runningMedian(values: readonly number[], halfWidth: number): number[] {
  return values.map((_, i) =>
    median(values.slice(Math.max(0, i - halfWidth), Math.min(values.length, i + halfWidth + 1))),
  );
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
