import { describe, expect, it } from 'vitest';
import type { ConditionCommand, EngineEvent } from './commands.ts';
import { evaluateCondition, peakHeight, RunMemory } from './conditions.ts';
import type { Spectrum } from './drivers.ts';

const shifts = Array.from({ length: 601 }, (_, i) => 800 + i * 0.5); // 800..1100 cm-1

/** A sloping baseline (fluorescence) with one Gaussian peak. */
function spectrum(peakAt: number, height: number): Spectrum {
  return {
    shiftCm1: shifts,
    intensities: shifts.map(
      (s) => 1000 + 2 * (s - 800) + height * Math.exp(-((s - peakAt) ** 2) / (2 * 3 ** 2)),
    ),
    integrationTimeMs: 100,
    averages: 1,
    detectorMax: 65_535,
    laserNm: 785,
  };
}

const spectrumEvent = (s: Spectrum): EngineEvent => ({
  type: 'spectrum',
  pc: 0,
  stepId: 'm',
  reading: { value: s, at: 0, simulated: true },
  spikesRemoved: 0,
});
const temperature = (celsius: number): EngineEvent => ({
  type: 'temperature',
  celsius,
  setpointC: 20,
  at: 0,
  simulated: true,
});

describe('peakHeight', () => {
  it('measures the peak above the sloping baseline, not above zero', () => {
    expect(peakHeight(spectrum(950, 500), 950, 12)).toBeCloseTo(500, 0);
    expect(peakHeight(spectrum(950, 500), 1050, 12)).toBeCloseTo(0, 6);
    expect(peakHeight(spectrum(950, 500), 2000, 12)).toBe(0); // window off the spectrum
  });
});

describe('evaluateCondition', () => {
  const peakAbove: ConditionCommand = { kind: 'peak_above', shiftCm1: 950, windowCm1: 12, threshold: 300 };

  it('peak_above reads the latest spectrum only', () => {
    const memory = new RunMemory([], 0);
    expect(evaluateCondition(peakAbove, memory, 0)).toEqual({ met: false, observed: { height: null } });
    memory.observe(spectrumEvent(spectrum(950, 500)), 0);
    expect(evaluateCondition(peakAbove, memory, 0).met).toBe(true);
    memory.observe(spectrumEvent(spectrum(950, 200)), 1000);
    expect(evaluateCondition(peakAbove, memory, 1000)).toMatchObject({ met: false });
  });

  it('slope_below on temperature: false until the window is covered, then true once levelled off', () => {
    const c: ConditionCommand = {
      kind: 'slope_below',
      signal: 'temperature',
      shiftCm1: null,
      perMinute: 0.1,
      overS: 60,
    };
    const memory = new RunMemory([], 60_000);
    // cooling at 1 °C/min for 2 minutes, sampled every 5 s
    let t = 0;
    for (; t <= 120_000; t += 5000) memory.observe(temperature(60 - t / 60_000), t);
    expect(evaluateCondition(c, memory, t - 5000)).toMatchObject({ met: false });
    expect(evaluateCondition(c, memory, t - 5000).observed['slopePerMinute']).toBeCloseTo(-1, 6);
    // then flat for 2 minutes
    for (const end = t + 120_000; t <= end; t += 5000) memory.observe(temperature(58), t);
    expect(evaluateCondition(c, memory, t - 5000)).toMatchObject({
      met: true,
      observed: { slopePerMinute: 0 },
    });
    // a fresh memory (after a resume) has no history: not met
    expect(evaluateCondition(c, new RunMemory([], 60_000), t)).toMatchObject({ met: false });
  });

  it('slope_below on a peak follows the peak height at the named shift', () => {
    const c: ConditionCommand = {
      kind: 'slope_below',
      signal: 'peak',
      shiftCm1: 950,
      perMinute: 5,
      overS: 120,
    };
    const memory = new RunMemory([950], 120_000);
    const heights = [100, 200, 300, 400, 410, 412, 413, 413, 413, 413];
    heights.forEach((h, k) => {
      memory.observe(spectrumEvent(spectrum(950, h)), k * 30_000);
    });
    expect(evaluateCondition(c, memory, 4 * 30_000)).toMatchObject({ met: false });
    expect(evaluateCondition(c, memory, 9 * 30_000)).toMatchObject({ met: true });
  });

  it('classified_as reads the named classify step’s latest result and its confidence', () => {
    const c: ConditionCommand = { kind: 'classified_as', stepId: 'id', label: 'form_ii', minConfidence: 0.7 };
    const memory = new RunMemory([], 0);
    expect(evaluateCondition(c, memory, 0).met).toBe(false);
    const classified = (label: string, confidence: number): EngineEvent => ({
      type: 'classified',
      pc: 1,
      stepId: 'id',
      result: { label, confidence, scores: {} },
    });
    memory.observe(classified('form_ii', 0.6), 0);
    expect(evaluateCondition(c, memory, 0).met).toBe(false);
    memory.observe(classified('form_ii', 0.9), 0);
    expect(evaluateCondition(c, memory, 0)).toEqual({
      met: true,
      observed: { label: 'form_ii', confidence: 0.9 },
    });
    memory.observe(classified('mixed', 0.9), 0);
    expect(evaluateCondition(c, memory, 0).met).toBe(false);
  });

  it('fraction_at_least reads the named classify step’s latest fraction of the form', () => {
    const c: ConditionCommand = { kind: 'fraction_at_least', stepId: 'id', form: 'form_ii', value: 0.5 };
    const memory = new RunMemory([], 0);
    expect(evaluateCondition(c, memory, 0)).toEqual({
      met: false,
      observed: { form: 'form_ii', fraction: null },
    });
    const classified = (fractions?: Record<string, number>): EngineEvent => ({
      type: 'classified',
      pc: 1,
      stepId: 'id',
      result: {
        label: 'x',
        confidence: 1,
        scores: {},
        ...(fractions
          ? {
              fractions: Object.fromEntries(
                Object.entries(fractions).map(([k, value]) => [k, { value, uncertainty: 0.01 }]),
              ),
            }
          : {}),
      },
    });
    // a classifier that gives no fractions never meets it
    memory.observe(classified(), 0);
    expect(evaluateCondition(c, memory, 0).met).toBe(false);
    memory.observe(classified({ form_i: 0.6, form_ii: 0.4 }), 0);
    expect(evaluateCondition(c, memory, 0).met).toBe(false);
    memory.observe(classified({ form_i: 0.5, form_ii: 0.5 }), 0);
    expect(evaluateCondition(c, memory, 0)).toEqual({
      met: true,
      observed: { form: 'form_ii', fraction: 0.5, uncertainty: 0.01 },
    });
    // another step's fractions do not count
    const other: ConditionCommand = { ...c, stepId: 'other' };
    expect(evaluateCondition(other, memory, 0).met).toBe(false);
  });
});
