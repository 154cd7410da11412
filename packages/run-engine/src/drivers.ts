/**
 * The instrument Driver interfaces, in the SiLA 2 vocabulary: each device states its identity and
 * capabilities, exposes observable properties (read on demand, every reading stamped and flagged
 * simulated or not), runs observable commands (progress and cancellation through CommandOptions) and
 * fails only with a defined execution error (DriverError and its code). The engine knows devices only
 * through these interfaces; the simulators and the SCPI client implement them.
 */

export const DEVICE_KINDS = ['spectrometer', 'temperature_controller', 'daq'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export interface DeviceIdentity {
  vendor: string;
  model: string;
  serial: string;
  firmware: string;
}

/** What a device can do; the engine checks a workflow's needs against these before a run starts. */
export type Capability =
  | 'spectrum.raman'
  | 'spectrum.averaging'
  | 'temperature.setpoint'
  | 'temperature.ramp'
  | 'daq.analog_in'
  | 'daq.analog_out'
  | 'daq.digital_in'
  | 'daq.digital_out'
  | 'daq.interlocks';

/** An observable property's value, when it was read (ms since the epoch, device clock) and whether it is simulated. */
export interface Reading<T> {
  value: T;
  at: number;
  simulated: boolean;
}

/** Progress of an observable command, 0..1, and an AbortSignal that cancels it (DriverError 'cancelled'). */
export interface CommandOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/** The defined execution errors. Anything else a driver meets is reported as one of these. */
export const DRIVER_ERROR_CODES = [
  'timeout', // the device did not answer in time
  'disconnected', // the link is down and reconnecting failed
  'malformed_reply', // the device answered something the protocol does not allow
  'device_error', // the device reported an error of its own (e.g. an SCPI error queue entry)
  'out_of_range', // a setting outside the device's limits
  'busy', // another command is running
  'cancelled', // the caller aborted the command
  'interlock', // an interlock is tripped; the device refuses to act
] as const;
export type DriverErrorCode = (typeof DRIVER_ERROR_CODES)[number];

export class DriverError extends Error {
  override readonly name = 'DriverError';
  constructor(
    readonly code: DriverErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface DriverBase {
  readonly kind: DeviceKind;
  readonly capabilities: readonly Capability[];
  /** True for a simulator: every reading it gives says so too. */
  readonly simulated: boolean;
  identify(options?: CommandOptions): Promise<DeviceIdentity>;
  /** Put the device in its safe state (heater off, outputs low, acquisition stopped). Must not throw on a healthy link. */
  safeState(options?: CommandOptions): Promise<void>;
  close(): Promise<void>;
}

export interface Spectrum {
  /** Raman shift of each point, cm⁻¹, ascending. */
  shiftCm1: number[];
  /** Counts per point, same length as shiftCm1. */
  intensities: number[];
  integrationTimeMs: number;
  averages: number;
  /** The detector's full-scale count: a point at or above it is saturated. */
  detectorMax: number;
  /** Excitation laser wavelength, nm. */
  laserNm: number;
}

export interface AcquisitionRequest {
  integrationTimeMs: number;
  averages: number;
}

export interface SpectrometerDriver extends DriverBase {
  readonly kind: 'spectrometer';
  /** An observable command: progress per average; cancellable. */
  acquire(request: AcquisitionRequest, options?: CommandOptions): Promise<Reading<Spectrum>>;
}

export interface TemperatureControllerDriver extends DriverBase {
  readonly kind: 'temperature_controller';
  /** Set the setpoint, °C; the controller moves towards it at the ramp rate (or as fast as it can when rate is null). */
  setSetpoint(celsius: number, options?: CommandOptions): Promise<void>;
  /** °C per minute; null for no ramp limit. */
  setRampRate(celsiusPerMinute: number | null, options?: CommandOptions): Promise<void>;
  readTemperature(options?: CommandOptions): Promise<Reading<number>>;
  readSetpoint(options?: CommandOptions): Promise<Reading<number>>;
  /** Heater power, 0..1; 0 in the safe state. */
  readHeaterPower(options?: CommandOptions): Promise<Reading<number>>;
}

/** Interlock lines of the DAQ; true means tripped (e-stop pressed, door open, over-temperature). */
export interface InterlockState {
  estop: boolean;
  door: boolean;
  overTemperature: boolean;
}
export const INTERLOCK_LINES = [
  'estop',
  'door',
  'overTemperature',
] as const satisfies readonly (keyof InterlockState)[];
export type InterlockLine = (typeof INTERLOCK_LINES)[number];

export interface DaqDriver extends DriverBase {
  readonly kind: 'daq';
  readAnalog(channel: number, options?: CommandOptions): Promise<Reading<number>>;
  writeAnalog(channel: number, volts: number, options?: CommandOptions): Promise<void>;
  readDigital(line: number, options?: CommandOptions): Promise<Reading<boolean>>;
  writeDigital(line: number, high: boolean, options?: CommandOptions): Promise<void>;
  readInterlocks(options?: CommandOptions): Promise<Reading<InterlockState>>;
}

export type Driver = SpectrometerDriver | TemperatureControllerDriver | DaqDriver;

/** The devices one run uses, one per kind. */
export interface DeviceSet {
  spectrometer: SpectrometerDriver;
  temperature_controller: TemperatureControllerDriver;
  daq: DaqDriver;
}

/**
 * Experiment time. Simulated devices run `acceleration` times faster than the wall clock, and so do the
 * engine's waits, so a run of hours finishes in seconds in a test. Real devices use acceleration 1.
 */
export interface ExperimentClock {
  readonly acceleration: number;
  /** Experiment milliseconds since the clock's start. */
  now(): number;
  /** Resolve after `experimentMs` of experiment time; reject with DriverError 'cancelled' when the signal aborts. */
  sleep(experimentMs: number, signal?: AbortSignal): Promise<void>;
}
