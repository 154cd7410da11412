/**
 * The simulated crystallization reactor: one state (solution, crystals, temperature, DAQ lines,
 * interlocks) that the three simulated drivers and the SCPI server share. It advances lazily with the
 * experiment clock: every read or command first integrates the model up to clock.now() in fixed steps
 * of experiment time, and a command takes effect from the next step boundary. So the outcome depends
 * only on the seed and on which commands came at which experiment times, never on the wall clock.
 */
import { Rng } from '@polymorph/random/rng';
import {
  DriverError,
  type ExperimentClock,
  INTERLOCK_LINES,
  type InterlockLine,
  type InterlockState,
} from '../drivers.ts';
import {
  type CrystallizationParams,
  type CrystallizationState,
  crystalCount,
  DEFAULT_CRYSTALLIZATION,
  initialCrystallization,
  solidMass,
  solubility,
  stepCrystallization,
} from './crystallization.ts';
import {
  type Composition,
  DEFAULT_DETECTOR,
  type DetectorParams,
  expectedRate,
  exposeFrame,
  type Frame,
  shiftAxis,
} from './raman.ts';
import {
  DEFAULT_THERMAL,
  heaterPower,
  initialThermal,
  stepThermal,
  type ThermalParams,
  type ThermalState,
} from './thermal.ts';

export interface ReactorOptions {
  /** Makes the run reproducible: batch variation of the kinetics and every detector frame's noise. */
  seed: number;
  crystallization?: Partial<CrystallizationParams>;
  thermal?: Partial<ThermalParams>;
  detector?: Partial<DetectorParams>;
  /** °C; the reactor starts here with the controller holding it. Default 70. */
  initialTemperatureC?: number;
  /** Dissolved compound, kg per kg solvent. Default: saturated for Form II at 60 °C. */
  initialConcentration?: number;
  /** Integration step, experiment ms. Default 1000. */
  stepMs?: number;
  /** Seeded batch-to-batch spread of the nucleation pre-factors (lognormal sigma). Default 0.2; 0 for none. */
  batchVariation?: number;
  /** Epoch ms that experiment time 0 maps to, for readings' `at`. Default: when the reactor was built. */
  epochMs?: number;
}

export const DAQ_ANALOG_INPUTS = 4;
export const DAQ_ANALOG_OUTPUTS = 2;
export const DAQ_DIGITAL_LINES = 8;
export const DAQ_ANALOG_MAX_V = 10;
/** Digital inputs 4..6 carry the interlock lines (high = tripped). */
export const INTERLOCK_INPUT_LINE: Record<InterlockLine, number> = { estop: 4, door: 5, overTemperature: 6 };

/** Detector faults for the engine's spectrum guardrails: a dead sensor (flat output) or NaN pixels. */
export type DetectorFault = 'dead' | 'nan';

export interface ReactorSnapshot {
  /** Experiment ms the model has been integrated to. */
  timeMs: number;
  temperatureC: number;
  setpointC: number;
  workingSetpointC: number;
  rampCPerMin: number | null;
  heaterEnabled: boolean;
  heaterPower: number;
  /** Dissolved compound, kg per kg solvent. */
  concentration: number;
  solubility: { formI: number; formII: number };
  supersaturation: { formI: number; formII: number };
  /** Solid mass, kg per kg solvent. */
  solidMass: { formI: number; formII: number };
  crystals: { formI: number; formII: number };
  composition: Composition;
  interlocks: InterlockState;
}

const STREAM_BATCH = 1;
const STREAM_FRAME = 2;

function withBatchVariation(
  params: CrystallizationParams,
  seed: number,
  sigma: number,
): CrystallizationParams {
  if (sigma === 0) return params;
  const rng = new Rng(seed, STREAM_BATCH);
  return {
    ...params,
    formI: { ...params.formI, nucleationK: rng.lognormal(params.formI.nucleationK, sigma) },
    formII: { ...params.formII, nucleationK: rng.lognormal(params.formII.nucleationK, sigma) },
    surfaceNucleationK: rng.lognormal(params.surfaceNucleationK, sigma),
  };
}

export class SimulatedReactor {
  readonly seed: number;
  readonly crystallization: CrystallizationParams;
  readonly thermalParams: ThermalParams;
  readonly detector: DetectorParams;
  readonly axis: number[];
  readonly epochMs: number;
  private readonly stepMs: number;
  private readonly totalCompound: number;
  private timeMs: number;
  private thermal: ThermalState;
  private crystal: CrystallizationState;
  private readonly latched: InterlockState = { estop: false, door: false, overTemperature: false };
  private readonly analogOut = new Array<number>(DAQ_ANALOG_OUTPUTS).fill(0);
  private readonly digitalOut = new Array<boolean>(DAQ_DIGITAL_LINES).fill(false);
  private frameIndex = 0;
  /** Experiment ms of the step in which each form's first nuclei appeared: the onset's ground truth. */
  private readonly nucleatedAtMs: { formI: number | null; formII: number | null } = {
    formI: null,
    formII: null,
  };
  private detectorFaultMode: DetectorFault | null = null;

  constructor(
    readonly clock: ExperimentClock,
    options: ReactorOptions,
  ) {
    this.seed = options.seed;
    const base = { ...DEFAULT_CRYSTALLIZATION, ...options.crystallization };
    this.crystallization = withBatchVariation(base, options.seed, options.batchVariation ?? 0.2);
    this.thermalParams = { ...DEFAULT_THERMAL, ...options.thermal };
    this.detector = { ...DEFAULT_DETECTOR, ...options.detector };
    this.axis = shiftAxis(this.detector.pixels);
    this.epochMs = options.epochMs ?? Date.now();
    this.stepMs = options.stepMs ?? 1000;
    const concentration = options.initialConcentration ?? solubility(base.formII, 273.15 + 60);
    this.totalCompound = concentration;
    this.crystal = initialCrystallization(concentration);
    this.thermal = initialThermal(options.initialTemperatureC ?? 70);
    this.timeMs = clock.now();
  }

  /** Integrate the model up to the clock's present (whole steps only; the rest waits for the next call). */
  sync(): void {
    const now = this.clock.now();
    while (this.timeMs + this.stepMs <= now) this.step();
  }

  private step(): void {
    const dtS = this.stepMs / 1000;
    this.thermal = stepThermal(this.thermalParams, this.thermal, dtS);
    if (this.thermal.temperatureC > this.thermalParams.overTemperatureLimitC)
      this.latched.overTemperature = true;
    this.crystal = stepCrystallization(
      this.crystallization,
      this.crystal,
      this.thermal.temperatureC + 273.15,
      dtS,
    );
    this.timeMs += this.stepMs;
    if (this.nucleatedAtMs.formI === null && this.crystal.formI.length > 0)
      this.nucleatedAtMs.formI = this.timeMs;
    if (this.nucleatedAtMs.formII === null && this.crystal.formII.length > 0)
      this.nucleatedAtMs.formII = this.timeMs;
  }

  /** When each form first nucleated, epoch ms (as readings' `at`); null while it has not. Read-only. */
  firstNucleation(): { formI: number | null; formII: number | null } {
    this.sync();
    const at = (ms: number | null) => (ms === null ? null : this.epochMs + ms);
    return { formI: at(this.nucleatedAtMs.formI), formII: at(this.nucleatedAtMs.formII) };
  }

  /** Epoch ms of the present experiment time, for readings. */
  readingTime(): number {
    return this.epochMs + this.clock.now();
  }

  snapshot(): ReactorSnapshot {
    this.sync();
    const p = this.crystallization;
    const tK = this.thermal.temperatureC + 273.15;
    const sol = { formI: solubility(p.formI, tK), formII: solubility(p.formII, tK) };
    const c = this.crystal.concentration;
    return {
      timeMs: this.timeMs,
      temperatureC: this.thermal.temperatureC,
      setpointC: this.thermal.setpointC,
      workingSetpointC: this.thermal.workingSetpointC,
      rampCPerMin: this.thermal.rampCPerMin,
      heaterEnabled: this.thermal.heaterEnabled,
      heaterPower: heaterPower(this.thermalParams, this.thermal),
      concentration: c,
      solubility: sol,
      supersaturation: { formI: c / sol.formI, formII: c / sol.formII },
      solidMass: { formI: solidMass(p, this.crystal.formI), formII: solidMass(p, this.crystal.formII) },
      crystals: { formI: crystalCount(this.crystal.formI), formII: crystalCount(this.crystal.formII) },
      composition: this.composition(),
      interlocks: this.interlocks(),
    };
  }

  private composition(): Composition {
    const formI = solidMass(this.crystallization, this.crystal.formI) / this.totalCompound;
    const formII = solidMass(this.crystallization, this.crystal.formII) / this.totalCompound;
    return { dissolved: Math.max(0, 1 - formI - formII), formI, formII };
  }

  // ---- interlocks and fault injection ----

  interlocks(): InterlockState {
    this.sync();
    return { ...this.latched };
  }

  anyInterlockTripped(): boolean {
    const state = this.interlocks();
    return INTERLOCK_LINES.some((line) => state[line]);
  }

  /** Press the e-stop, open the door, or trip over-temperature. */
  trip(line: InterlockLine): void {
    this.sync();
    this.latched[line] = true;
  }

  /**
   * Release the e-stop, close the door, or reset over-temperature (which stays tripped while the
   * reactor is still above the limit). No line: all of them.
   */
  reset(line?: InterlockLine): void {
    this.sync();
    for (const l of line ? [line] : INTERLOCK_LINES) {
      const hot = this.thermal.temperatureC > this.thermalParams.overTemperatureLimitC;
      this.latched[l] = l === 'overTemperature' ? hot : false;
    }
  }

  openDoor(): void {
    this.trip('door');
  }

  closeDoor(): void {
    this.reset('door');
  }

  /** Hold the reactor at a temperature regardless of the controller (a runaway heater); null releases it. */
  forceTemperature(celsius: number | null): void {
    this.sync();
    this.thermal = { ...this.thermal, forcedC: celsius, temperatureC: celsius ?? this.thermal.temperatureC };
    if (celsius !== null && celsius > this.thermalParams.overTemperatureLimitC)
      this.latched.overTemperature = true;
  }

  private refuseWhileTripped(what: string): void {
    const state = this.interlocks();
    const tripped = INTERLOCK_LINES.filter((line) => state[line]);
    if (tripped.length > 0) {
      throw new DriverError('interlock', `${what} refused: interlock tripped (${tripped.join(', ')})`);
    }
  }

  // ---- temperature controller ----

  temperature(): number {
    this.sync();
    return this.thermal.temperatureC;
  }

  setpoint(): number {
    this.sync();
    return this.thermal.setpointC;
  }

  heaterPower(): number {
    this.sync();
    return heaterPower(this.thermalParams, this.thermal);
  }

  commandSetpoint(celsius: number): void {
    const { minSetpointC, maxSetpointC } = this.thermalParams;
    if (!Number.isFinite(celsius) || celsius < minSetpointC || celsius > maxSetpointC) {
      throw new DriverError(
        'out_of_range',
        `setpoint ${celsius} °C is outside ${minSetpointC}..${maxSetpointC} °C`,
      );
    }
    this.refuseWhileTripped('heater command');
    this.thermal = { ...this.thermal, setpointC: celsius, heaterEnabled: true };
  }

  commandRampRate(celsiusPerMinute: number | null): void {
    const max = this.thermalParams.maxRampCPerMin;
    if (
      celsiusPerMinute !== null &&
      (!Number.isFinite(celsiusPerMinute) || celsiusPerMinute <= 0 || celsiusPerMinute > max)
    ) {
      throw new DriverError(
        'out_of_range',
        `ramp rate ${celsiusPerMinute} °C/min is outside (0, ${max}] °C/min`,
      );
    }
    this.refuseWhileTripped('heater command');
    this.thermal = { ...this.thermal, rampCPerMin: celsiusPerMinute };
  }

  /** Heater off, setpoint to ambient: the reactor drifts to ambient. Allowed with interlocks tripped. */
  heaterSafeState(): void {
    this.sync();
    const ambient = this.thermalParams.ambientC;
    this.thermal = {
      ...this.thermal,
      heaterEnabled: false,
      setpointC: ambient,
      workingSetpointC: this.thermal.temperatureC,
      rampCPerMin: null,
    };
  }

  // ---- DAQ ----

  readAnalog(channel: number): number {
    this.sync();
    checkChannel('analog input', channel, DAQ_ANALOG_INPUTS);
    if (channel === 0) return (this.thermal.temperatureC + 50) / 20; // transmitter: -50..150 °C → 0..10 V
    if (channel === 1) return heaterPower(this.thermalParams, this.thermal) * DAQ_ANALOG_MAX_V;
    return this.analogOut[channel - 2]!; // inputs 2, 3 are wired back from outputs 0, 1
  }

  writeAnalog(channel: number, volts: number): void {
    checkChannel('analog output', channel, DAQ_ANALOG_OUTPUTS);
    if (!Number.isFinite(volts) || volts < 0 || volts > DAQ_ANALOG_MAX_V) {
      throw new DriverError('out_of_range', `analog output ${volts} V is outside 0..${DAQ_ANALOG_MAX_V} V`);
    }
    if (volts > 0) this.refuseWhileTripped('analog output');
    this.analogOut[channel] = volts;
  }

  readDigital(line: number): boolean {
    this.sync();
    checkChannel('digital input', line, DAQ_DIGITAL_LINES);
    for (const l of INTERLOCK_LINES) if (INTERLOCK_INPUT_LINE[l] === line) return this.latched[l];
    return line < 4 ? this.digitalOut[line]! : false; // inputs 0..3 are wired back from outputs 0..3
  }

  writeDigital(line: number, high: boolean): void {
    checkChannel('digital output', line, DAQ_DIGITAL_LINES);
    if (high) this.refuseWhileTripped('digital output');
    this.digitalOut[line] = high;
  }

  outputsSafeState(): void {
    this.analogOut.fill(0);
    this.digitalOut.fill(false);
  }

  outputs(): { analog: number[]; digital: boolean[] } {
    return { analog: [...this.analogOut], digital: [...this.digitalOut] };
  }

  // ---- spectrometer ----

  /** Break the detector until called again with null (fault injection). */
  detectorFault(fault: DetectorFault | null): void {
    this.detectorFaultMode = fault;
  }

  /** One detector frame of the present contents; each frame has its own seeded noise stream. */
  exposeFrame(integrationMs: number): Frame {
    this.sync();
    const rng = new Rng(this.seed, STREAM_FRAME, this.frameIndex++);
    const rate = expectedRate(this.detector, this.axis, this.composition());
    const frame = exposeFrame(this.detector, rate, integrationMs, rng);
    if (this.detectorFaultMode === 'dead') {
      return { counts: frame.counts.map(() => this.detector.darkOffset), spikePixels: [] };
    }
    if (this.detectorFaultMode === 'nan') {
      // a garbled readout: a few pixels come back as NaN
      const counts = [...frame.counts];
      for (let k = 0; k < 3; k++) counts[rng.int(counts.length)] = Number.NaN;
      return { counts, spikePixels: frame.spikePixels };
    }
    return frame;
  }
}

function checkChannel(what: string, channel: number, count: number): void {
  if (!Number.isInteger(channel) || channel < 0 || channel >= count) {
    throw new DriverError('out_of_range', `${what} ${channel} does not exist (0..${count - 1})`);
  }
}
