/**
 * A Raman spectrum as the package takes it: x is the Raman shift (cm⁻¹), strictly ascending; y the
 * intensity at each x, in any unit. Everything downstream assumes these invariants, so input from
 * outside (uploads, HTTP bodies, instruments) goes through checkSpectrum first.
 */
export interface Spectrum {
  x: readonly number[];
  y: readonly number[];
}

/** Fewer points than this cannot carry a smoothing window and a baseline. */
export const MIN_POINTS = 16;

/** Input that is not a usable spectrum; `field` names the offending member ('x' or 'y'). */
export class SpectrumError extends Error {
  constructor(
    readonly field: 'x' | 'y',
    message: string,
  ) {
    super(message);
    this.name = 'SpectrumError';
  }
}

/** Throws SpectrumError unless x and y are equally long, finite, and x strictly ascending. */
export function checkSpectrum(s: Spectrum): void {
  if (s.x.length < MIN_POINTS) {
    throw new SpectrumError('x', `a spectrum needs at least ${MIN_POINTS} points, got ${s.x.length}`);
  }
  if (s.y.length !== s.x.length) {
    throw new SpectrumError('y', `y has ${s.y.length} values but x has ${s.x.length}`);
  }
  for (let i = 0; i < s.x.length; i++) {
    if (!Number.isFinite(s.x[i])) throw new SpectrumError('x', `x[${i}] is not a finite number`);
    if (!Number.isFinite(s.y[i])) throw new SpectrumError('y', `y[${i}] is not a finite number`);
    if (i > 0 && s.x[i]! <= s.x[i - 1]!) {
      throw new SpectrumError('x', `x must be strictly ascending; x[${i}] = ${s.x[i]} follows ${s.x[i - 1]}`);
    }
  }
}
