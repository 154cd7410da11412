/**
 * The jacketed reactor under its temperature controller, as a pure step function. The closed loop is
 * modelled as a first-order lag: the working setpoint moves towards the commanded one at the ramp rate
 * (at once without a ramp), and the reactor follows it with time constant tau:
 *   dT/dt = (T_sp,working - T) / tau,  stepped exactly: T += (T_sp - T)·(1 - exp(-dt/tau)).
 * With the heater disabled (safe state) the working setpoint is ambient and the reactor drifts there.
 * A forced temperature (fault injection: a runaway heater) overrides the loop until it is cleared.
 */

export interface ThermalParams {
  /** Closed-loop time constant, s. */
  tauS: number;
  ambientC: number;
  /** The controller refuses setpoints outside [minSetpointC, maxSetpointC]. */
  minSetpointC: number;
  maxSetpointC: number;
  /** The controller refuses ramp rates above this, °C/min. */
  maxRampCPerMin: number;
  /** The over-temperature interlock trips above this, °C. */
  overTemperatureLimitC: number;
}

export const DEFAULT_THERMAL: ThermalParams = {
  tauS: 120,
  ambientC: 22,
  minSetpointC: -10,
  maxSetpointC: 90,
  maxRampCPerMin: 10,
  overTemperatureLimitC: 95,
};

export interface ThermalState {
  temperatureC: number;
  /** The commanded setpoint. */
  setpointC: number;
  /** Where the ramp has got to. */
  workingSetpointC: number;
  /** °C/min; null: no ramp limit. */
  rampCPerMin: number | null;
  heaterEnabled: boolean;
  /** Fault injection: the reactor is held at this temperature (a runaway heater); null normally. */
  forcedC: number | null;
}

export function initialThermal(temperatureC: number): ThermalState {
  return {
    temperatureC,
    setpointC: temperatureC,
    workingSetpointC: temperatureC,
    rampCPerMin: null,
    heaterEnabled: true,
    forcedC: null,
  };
}

function towards(from: number, to: number, maxStep: number): number {
  if (Math.abs(to - from) <= maxStep) return to;
  return from + Math.sign(to - from) * maxStep;
}

export function stepThermal(params: ThermalParams, state: ThermalState, dtS: number): ThermalState {
  const target = state.heaterEnabled ? state.setpointC : params.ambientC;
  const workingSetpointC =
    state.heaterEnabled && state.rampCPerMin !== null
      ? towards(state.workingSetpointC, target, (state.rampCPerMin * dtS) / 60)
      : target;
  const temperatureC =
    state.forcedC ??
    state.temperatureC + (workingSetpointC - state.temperatureC) * (1 - Math.exp(-dtS / params.tauS));
  return { ...state, workingSetpointC, temperatureC };
}

/**
 * Heater power 0..1 as the controller would report it: the share needed to hold the working setpoint
 * above ambient plus a proportional term; 0 below ambient (the chiller cools) and 0 when disabled.
 */
export function heaterPower(params: ThermalParams, state: ThermalState): number {
  if (!state.heaterEnabled) return 0;
  const hold = (state.workingSetpointC - params.ambientC) / (params.maxSetpointC - params.ambientC);
  const proportional = (state.workingSetpointC - state.temperatureC) / 10;
  return Math.min(1, Math.max(0, hold + proportional));
}
