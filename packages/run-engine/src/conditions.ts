/**
 * The data a repeat_until condition reads, and its evaluation. RunMemory keeps what the run has seen
 * (the latest spectrum, the recent temperature and peak-height history, each classify step's latest
 * result); the interpreter feeds it every event it records. Times are experiment milliseconds.
 *
 * - peak_above: the latest spectrum's baseline-corrected peak height within ±window_cm1 of shift_cm1
 *   exceeds threshold (baseline: the line through the mean of each flank, window_cm1 wide, outside
 *   the window).
 * - slope_below: the least-squares slope of the signal over the last over_s, per minute, is below
 *   per_minute in absolute value; false until the history covers at least 3/4 of over_s.
 * - classified_as: the named classify step's latest result has the label, with at least min_confidence.
 * - fraction_at_least: the named classify step's latest result puts the form's fraction at or above
 *   value (false while that step has given no fractions, e.g. a classifier that does not quantify).
 */

import { boundNumber } from './bind.ts';
import type { ClassifierResult, ConditionCommand, EngineEvent, Json } from './commands.ts';
import type { Spectrum } from './drivers.ts';

/** Half-width around shift_cm1 used for a slope_below on the peak signal. */
export const SLOPE_PEAK_WINDOW_CM1 = 10;

interface Sample {
  at: number;
  value: number;
}

export class RunMemory {
  latestSpectrum: Spectrum | null = null;
  /** When the latest spectrum was measured (its reading's `at`). */
  latestSpectrumAt: number | null = null;
  private readonly temperatures: Sample[] = [];
  private readonly peaks = new Map<number, Sample[]>();
  private readonly classified = new Map<string, ClassifierResult>();

  /**
   * @param peakShifts the shifts whose peak-height history a slope_below needs (from the commands)
   * @param horizonMs how much history to keep (the longest over_s)
   */
  constructor(
    peakShifts: readonly number[],
    private readonly horizonMs: number,
  ) {
    for (const shift of peakShifts) this.peaks.set(shift, []);
  }

  observe(event: EngineEvent, atMs: number): void {
    if (event.type === 'temperature') this.push(this.temperatures, { at: atMs, value: event.celsius });
    if (event.type === 'classified') this.classified.set(event.stepId, event.result);
    if (event.type !== 'spectrum') return;
    this.latestSpectrum = event.reading.value;
    this.latestSpectrumAt = event.reading.at;
    for (const [shift, history] of this.peaks) {
      this.push(history, { at: atMs, value: peakHeight(event.reading.value, shift, SLOPE_PEAK_WINDOW_CM1) });
    }
  }

  /** A resumed run's earlier events: the latest spectrum and classifier results (timed histories restart). */
  restore(events: readonly EngineEvent[]): void {
    for (const event of events) {
      if (event.type === 'spectrum') {
        this.latestSpectrum = event.reading.value;
        this.latestSpectrumAt = event.reading.at;
      }
      if (event.type === 'classified') this.classified.set(event.stepId, event.result);
    }
  }

  classification(stepId: string): ClassifierResult | undefined {
    return this.classified.get(stepId);
  }

  history(signal: 'temperature' | 'peak', shiftCm1: number | null): readonly Sample[] {
    if (signal === 'temperature') return this.temperatures;
    return (shiftCm1 !== null && this.peaks.get(shiftCm1)) || [];
  }

  private push(history: Sample[], sample: Sample): void {
    history.push(sample);
    // keep one sample older than the horizon so a window starting there is still covered
    while (history.length > 2 && history[1]!.at < sample.at - this.horizonMs) history.shift();
  }
}

export interface ConditionOutcome {
  met: boolean;
  /** What was measured, for the loop_until step's summary. */
  observed: { [key: string]: Json };
}

export function evaluateCondition(c: ConditionCommand, memory: RunMemory, nowMs: number): ConditionOutcome {
  switch (c.kind) {
    case 'peak_above': {
      const spectrum = memory.latestSpectrum;
      if (!spectrum) return { met: false, observed: { height: null } };
      const height = peakHeight(spectrum, c.shiftCm1, c.windowCm1);
      return { met: height > boundNumber(c.threshold), observed: { height } };
    }
    case 'slope_below': {
      const overMs = boundNumber(c.overS) * 1000;
      const window = memory
        .history(c.signal, c.shiftCm1)
        .filter((s) => s.at >= nowMs - overMs && s.at <= nowMs);
      const covered = window.length >= 2 && window.at(-1)!.at - window[0]!.at >= 0.75 * overMs;
      if (!covered) return { met: false, observed: { slopePerMinute: null, samples: window.length } };
      const slopePerMinute = slope(window) * 60_000;
      return {
        met: Math.abs(slopePerMinute) < boundNumber(c.perMinute),
        observed: { slopePerMinute, samples: window.length },
      };
    }
    case 'classified_as': {
      const result = memory.classification(c.stepId);
      if (!result) return { met: false, observed: { label: null, confidence: null } };
      return {
        met: result.label === c.label && result.confidence >= c.minConfidence,
        observed: { label: result.label, confidence: result.confidence },
      };
    }
    case 'fraction_at_least': {
      const fraction = memory.classification(c.stepId)?.fractions?.[c.form];
      if (!fraction) return { met: false, observed: { form: c.form, fraction: null } };
      return {
        met: fraction.value >= boundNumber(c.value),
        observed: { form: c.form, fraction: fraction.value, uncertainty: fraction.uncertainty },
      };
    }
  }
}

/** Least-squares slope of value over time, per millisecond. */
function slope(samples: readonly Sample[]): number {
  const n = samples.length;
  const meanT = samples.reduce((s, p) => s + p.at, 0) / n;
  const meanV = samples.reduce((s, p) => s + p.value, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of samples) {
    num += (p.at - meanT) * (p.value - meanV);
    den += (p.at - meanT) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * The tallest point within ±windowCm1 of shiftCm1 above a linear baseline through the mean of each
 * flank (the windowCm1 just outside the window on either side; the window's edge point when a flank
 * falls off the spectrum). 0 when no point lies in the window.
 */
export function peakHeight(spectrum: Spectrum, shiftCm1: number, windowCm1: number): number {
  const { shiftCm1: x, intensities: y } = spectrum;
  const inside: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  x.forEach((s, i) => {
    const d = s - shiftCm1;
    if (Math.abs(d) <= windowCm1) inside.push(i);
    else if (d < 0 && d >= -2 * windowCm1) left.push(i);
    else if (d > 0 && d <= 2 * windowCm1) right.push(i);
  });
  if (inside.length === 0) return 0;
  const anchor = (flank: number[], edge: number) => {
    const idx = flank.length > 0 ? flank : [edge];
    return { x: mean(idx.map((i) => x[i]!)), y: mean(idx.map((i) => y[i]!)) };
  };
  const a = anchor(left, inside[0]!);
  const b = anchor(right, inside.at(-1)!);
  const baseline = (s: number) => (b.x === a.x ? a.y : a.y + ((b.y - a.y) * (s - a.x)) / (b.x - a.x));
  return Math.max(...inside.map((i) => y[i]! - baseline(x[i]!)));
}

const mean = (values: readonly number[]) => values.reduce((s, v) => s + v, 0) / values.length;
