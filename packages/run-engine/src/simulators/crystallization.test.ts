import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { createSimulatedReactor } from './create-simulated-reactor.ts';
import {
  growthRate,
  initialCrystallization,
  nucleationRate,
  DEFAULT_CRYSTALLIZATION as P,
  solidMass,
  solubility,
  stepCrystallization,
} from './crystallization.ts';
import type { ReactorSnapshot } from './reactor.ts';

describe('crystallization kinetics', () => {
  it('Form II is the stable form: less soluble at every temperature; solubility rises with temperature', () => {
    for (const c of [5, 25, 45, 70]) {
      const t = 273.15 + c;
      expect(solubility(P.formII, t)).toBeLessThan(solubility(P.formI, t));
    }
    expect(solubility(P.formII, 273.15 + 20)).toBeCloseTo(0.05, 3);
    expect(solubility(P.formII, 273.15 + 70)).toBeCloseTo(0.2, 2);
  });

  it('nucleates only above saturation, grows above and dissolves below it', () => {
    expect(nucleationRate(1e8, 1, 1)).toBe(0);
    expect(nucleationRate(1e8, 1, 0.8)).toBe(0);
    expect(nucleationRate(1e8, 1, 1.5)).toBeGreaterThan(nucleationRate(1e8, 1, 1.2));
    expect(growthRate(P.formI, 1.2)).toBeGreaterThan(0);
    expect(growthRate(P.formI, 0.9)).toBeLessThan(0);
    expect(growthRate(P.formI, 1)).toBe(0);
  });

  it('conserves the compound: what the solids gain the solution loses', () => {
    let state = initialCrystallization(0.16);
    for (let t = 0; t < 4 * 3600; t++) {
      state = stepCrystallization(P, state, 273.15 + Math.max(5, 70 - t / 120), 1);
    }
    const solids = solidMass(P, state.formI) + solidMass(P, state.formII);
    expect(solids).toBeGreaterThan(0.1);
    expect(state.concentration + solids).toBeCloseTo(0.16, 12);
  });
});

describe('a seeded cooling crystallization, 70 °C → 5 °C at 0.5 °C/min', () => {
  /** Step the whole reactor (thermal lag included) on a manual clock, one snapshot a minute. */
  async function coolingRun(seed: number): Promise<ReactorSnapshot[]> {
    const clock = new ManualClock();
    const { devices, reactor } = createSimulatedReactor({ seed, clock, epochMs: 0 });
    await devices.temperature_controller.setRampRate(0.5);
    await devices.temperature_controller.setSetpoint(5);
    const minutes: ReactorSnapshot[] = [];
    for (let m = 0; m <= 200; m++) {
      minutes.push(reactor.snapshot());
      await clock.advance(60_000);
    }
    return minutes;
  }

  it('supersaturates, nucleates Form I first, then Form II grows while Form I dissolves', async () => {
    const run = await coolingRun(17);
    const firstMinute = (pred: (s: ReactorSnapshot) => boolean) => run.findIndex(pred);

    // the solution starts undersaturated and becomes supersaturated for both forms before anything nucleates
    expect(run[0]!.supersaturation.formII).toBeLessThan(1);
    const supersaturatedI = firstMinute((s) => s.supersaturation.formI > 1);
    const formIAppears = firstMinute((s) => s.composition.formI > 0.01);
    const formIIAppears = firstMinute((s) => s.composition.formII > 0.01);
    expect(supersaturatedI).toBeGreaterThan(0);
    expect(run[supersaturatedI]!.crystals.formI).toBeLessThan(1);
    expect(formIAppears).toBeGreaterThan(supersaturatedI);

    // Ostwald's rule of stages: the metastable form first, the stable one clearly later
    expect(formIIAppears).toBeGreaterThan(formIAppears + 10);
    const formIPeak = run.reduce(
      (best, s, i) => (s.composition.formI > run[best]!.composition.formI ? i : best),
      0,
    );
    expect(run[formIPeak]!.composition.formI).toBeGreaterThan(0.3);
    expect(run[formIPeak]!.composition.formII).toBeLessThan(run[formIPeak]!.composition.formI);

    // after the peak: Form I declines (the solution is undersaturated for it) while Form II grows
    const later = run[formIPeak + 25]!;
    expect(later.composition.formI).toBeLessThan(run[formIPeak]!.composition.formI);
    expect(later.composition.formII).toBeGreaterThan(run[formIPeak]!.composition.formII);
    expect(later.supersaturation.formI).toBeLessThan(1);
    expect(later.supersaturation.formII).toBeGreaterThan(1);

    // at the end only Form II is left, with the solution close to its solubility at 5 °C
    const end = run[run.length - 1]!;
    expect(end.temperatureC).toBeCloseTo(5, 0);
    expect(end.composition.formI).toBe(0);
    expect(end.composition.formII).toBeGreaterThan(0.7);
    expect(end.supersaturation.formII).toBeGreaterThan(0.99);
    expect(end.supersaturation.formII).toBeLessThan(1.05);
  });

  it('is reproducible for a seed, and the seed varies the batch', async () => {
    const a = await coolingRun(17);
    const b = await coolingRun(17);
    const c = await coolingRun(18);
    expect(b).toEqual(a);
    expect(c.map((s) => s.composition)).not.toEqual(a.map((s) => s.composition));
  });
});
