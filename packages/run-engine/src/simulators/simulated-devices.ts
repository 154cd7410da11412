/**
 * The three simulated drivers over one SimulatedReactor. They implement the Driver interfaces exactly
 * as a real device would: every reading is flagged simulated, settings outside the device's limits are
 * 'out_of_range', heater and output commands during an interlock trip are 'interlock', an acquisition
 * takes its exposure time on the experiment clock, reports progress per average and is cancellable.
 */
import type {
  AcquisitionRequest,
  Capability,
  CommandOptions,
  DaqDriver,
  DeviceIdentity,
  InterlockState,
  Reading,
  SpectrometerDriver,
  Spectrum,
  TemperatureControllerDriver,
} from '../drivers.ts';
import { DriverError } from '../drivers.ts';
import { LASER_NM } from './raman.ts';
import type { SimulatedReactor } from './reactor.ts';

export const SIMULATOR_VENDOR = 'POLYMORPH-LITE simulator';
export const SIMULATOR_FIRMWARE = '1.0.0';

export const INTEGRATION_TIME_MS_RANGE = { min: 1, max: 60_000 } as const;
export const AVERAGES_RANGE = { min: 1, max: 1000 } as const;

/** What every simulated driver shares: identity, the closed flag, the cancellation check. */
abstract class SimulatedDriver {
  readonly simulated = true;
  private closed = false;

  constructor(
    protected readonly reactor: SimulatedReactor,
    private readonly model: string,
  ) {}

  async identify(options?: CommandOptions): Promise<DeviceIdentity> {
    this.ready(options);
    return {
      vendor: SIMULATOR_VENDOR,
      model: this.model,
      serial: `SIM-${this.reactor.seed}`,
      firmware: SIMULATOR_FIRMWARE,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Refuse work on a closed driver or an already-aborted signal. */
  protected ready(options?: CommandOptions): void {
    if (this.closed) throw new DriverError('disconnected', `${this.model} is closed`);
    if (options?.signal?.aborted) {
      throw new DriverError('cancelled', 'the command was cancelled', { cause: options.signal.reason });
    }
  }

  protected reading<T>(value: T): Reading<T> {
    return { value, at: this.reactor.readingTime(), simulated: true };
  }
}

export class SimulatedSpectrometer extends SimulatedDriver implements SpectrometerDriver {
  readonly kind = 'spectrometer';
  readonly capabilities: readonly Capability[] = ['spectrum.raman', 'spectrum.averaging'];
  private acquiring: AbortController | null = null;

  constructor(reactor: SimulatedReactor) {
    super(reactor, 'SIM-RAMAN-785');
  }

  async acquire(request: AcquisitionRequest, options?: CommandOptions): Promise<Reading<Spectrum>> {
    this.ready(options);
    const { integrationTimeMs, averages } = request;
    if (
      !Number.isFinite(integrationTimeMs) ||
      integrationTimeMs < INTEGRATION_TIME_MS_RANGE.min ||
      integrationTimeMs > INTEGRATION_TIME_MS_RANGE.max
    ) {
      throw new DriverError(
        'out_of_range',
        `integration time ${integrationTimeMs} ms is outside ${INTEGRATION_TIME_MS_RANGE.min}..${INTEGRATION_TIME_MS_RANGE.max} ms`,
      );
    }
    if (!Number.isInteger(averages) || averages < AVERAGES_RANGE.min || averages > AVERAGES_RANGE.max) {
      throw new DriverError(
        'out_of_range',
        `averages ${averages} is outside ${AVERAGES_RANGE.min}..${AVERAGES_RANGE.max}`,
      );
    }
    if (this.acquiring) throw new DriverError('busy', 'an acquisition is already running');
    const own = new AbortController();
    this.acquiring = own;
    const signal = options?.signal ? AbortSignal.any([options.signal, own.signal]) : own.signal;
    try {
      const sum = new Array<number>(this.reactor.axis.length).fill(0);
      for (let i = 0; i < averages; i++) {
        await this.reactor.clock.sleep(integrationTimeMs, signal);
        const frame = this.reactor.exposeFrame(integrationTimeMs);
        for (let p = 0; p < sum.length; p++) sum[p]! += frame.counts[p]!;
        options?.onProgress?.((i + 1) / averages);
      }
      return this.reading({
        shiftCm1: [...this.reactor.axis],
        intensities: sum.map((s) => s / averages),
        integrationTimeMs,
        averages,
        detectorMax: this.reactor.detector.detectorMax,
        laserNm: LASER_NM,
      });
    } finally {
      this.acquiring = null;
    }
  }

  /** Stops a running acquisition (it rejects with 'cancelled'). */
  async safeState(): Promise<void> {
    this.acquiring?.abort(new Error('safe state'));
  }
}

export class SimulatedTemperatureController extends SimulatedDriver implements TemperatureControllerDriver {
  readonly kind = 'temperature_controller';
  readonly capabilities: readonly Capability[] = ['temperature.setpoint', 'temperature.ramp'];

  constructor(reactor: SimulatedReactor) {
    super(reactor, 'SIM-TC-100');
  }

  async setSetpoint(celsius: number, options?: CommandOptions): Promise<void> {
    this.ready(options);
    this.reactor.commandSetpoint(celsius);
  }

  async setRampRate(celsiusPerMinute: number | null, options?: CommandOptions): Promise<void> {
    this.ready(options);
    this.reactor.commandRampRate(celsiusPerMinute);
  }

  async readTemperature(options?: CommandOptions): Promise<Reading<number>> {
    this.ready(options);
    return this.reading(this.reactor.temperature());
  }

  async readSetpoint(options?: CommandOptions): Promise<Reading<number>> {
    this.ready(options);
    return this.reading(this.reactor.setpoint());
  }

  async readHeaterPower(options?: CommandOptions): Promise<Reading<number>> {
    this.ready(options);
    return this.reading(this.reactor.heaterPower());
  }

  /** Heater off and setpoint to ambient; works with an interlock tripped. */
  async safeState(): Promise<void> {
    this.reactor.heaterSafeState();
  }
}

export class SimulatedDaq extends SimulatedDriver implements DaqDriver {
  readonly kind = 'daq';
  readonly capabilities: readonly Capability[] = [
    'daq.analog_in',
    'daq.analog_out',
    'daq.digital_in',
    'daq.digital_out',
    'daq.interlocks',
  ];

  constructor(reactor: SimulatedReactor) {
    super(reactor, 'SIM-DAQ-8');
  }

  async readAnalog(channel: number, options?: CommandOptions): Promise<Reading<number>> {
    this.ready(options);
    return this.reading(this.reactor.readAnalog(channel));
  }

  async writeAnalog(channel: number, volts: number, options?: CommandOptions): Promise<void> {
    this.ready(options);
    this.reactor.writeAnalog(channel, volts);
  }

  async readDigital(line: number, options?: CommandOptions): Promise<Reading<boolean>> {
    this.ready(options);
    return this.reading(this.reactor.readDigital(line));
  }

  async writeDigital(line: number, high: boolean, options?: CommandOptions): Promise<void> {
    this.ready(options);
    this.reactor.writeDigital(line, high);
  }

  async readInterlocks(options?: CommandOptions): Promise<Reading<InterlockState>> {
    this.ready(options);
    return this.reading(this.reactor.interlocks());
  }

  /** All outputs low; works with an interlock tripped. */
  async safeState(): Promise<void> {
    this.reactor.outputsSafeState();
  }
}
