import { describe, expect, it } from 'vitest';
import { DEFAULT_THERMAL, heaterPower, initialThermal, stepThermal, type ThermalState } from './thermal.ts';

function run(state: ThermalState, seconds: number, dtS = 1): ThermalState {
  let s = state;
  for (let t = 0; t < seconds; t += dtS) s = stepThermal(DEFAULT_THERMAL, s, dtS);
  return s;
}

describe('reactor temperature (first-order lag behind the controller)', () => {
  it('reaches 63 % of a setpoint step after one time constant, and settles', () => {
    const start = { ...initialThermal(20), setpointC: 60 };
    const tau = DEFAULT_THERMAL.tauS;
    const atTau = run(start, tau).temperatureC;
    expect((atTau - 20) / 40).toBeCloseTo(1 - Math.exp(-1), 3);
    expect(run(start, tau / 2).temperatureC).toBeLessThan(atTau);
    expect(run(start, 10 * tau).temperatureC).toBeCloseTo(60, 2);
  });

  it('moves the working setpoint at the ramp rate', () => {
    const start = { ...initialThermal(70), setpointC: 5, rampCPerMin: 0.5 };
    const after20min = run(start, 20 * 60);
    expect(after20min.workingSetpointC).toBeCloseTo(60, 6);
    // the reactor lags the ramp by about rate·tau once the lag has settled
    expect(after20min.temperatureC - after20min.workingSetpointC).toBeCloseTo(
      (0.5 / 60) * DEFAULT_THERMAL.tauS,
      1,
    );
    expect(run(start, 200 * 60).workingSetpointC).toBe(5);
  });

  it('with the heater disabled drifts to ambient and reports no heater power', () => {
    const hot = { ...initialThermal(80), setpointC: 80 };
    expect(heaterPower(DEFAULT_THERMAL, hot)).toBeGreaterThan(0);
    const off = { ...hot, heaterEnabled: false };
    expect(heaterPower(DEFAULT_THERMAL, off)).toBe(0);
    expect(run(off, 20 * DEFAULT_THERMAL.tauS).temperatureC).toBeCloseTo(DEFAULT_THERMAL.ambientC, 3);
  });
});
