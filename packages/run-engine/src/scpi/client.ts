/**
 * The SCPI client drivers: SpectrometerDriver, TemperatureControllerDriver and DaqDriver over TCP, one
 * connection per device. Every reading carries the device's own timestamp (FORM:TST ON) and the
 * simulation flag the device reported (SYST:SIM?) when the set was connected.
 */
import {
  type AcquisitionRequest,
  type Capability,
  type CommandOptions,
  type DaqDriver,
  type DeviceIdentity,
  type DeviceSet,
  DriverError,
  type InterlockState,
  type Reading,
  type SpectrometerDriver,
  type Spectrum,
  type TemperatureControllerDriver,
} from '../drivers.ts';
import { type ExchangeOptions, preview, ScpiLink, type ScpiLinkOptions } from './link.ts';
import { formatNumber, parseNumberList } from './wire.ts';

function numbers(reply: string, count: number | null): number[] {
  const xs = parseNumberList(reply);
  if (!xs || (count !== null && xs.length !== count))
    throw new DriverError(
      'malformed_reply',
      `expected ${count ?? 'a list of'} numbers, got ${preview(reply)}`,
    );
  return xs;
}

const query = (o?: CommandOptions): ExchangeOptions => ({ query: true, idempotent: true, signal: o?.signal });
const write = (o?: CommandOptions): ExchangeOptions => ({
  query: false,
  idempotent: false,
  signal: o?.signal,
});

abstract class ScpiDriver {
  constructor(
    protected readonly link: ScpiLink,
    readonly simulated: boolean,
  ) {}

  async identify(options?: CommandOptions): Promise<DeviceIdentity> {
    const fields = (await this.link.exchange('*IDN?', query(options))).split(',');
    const [vendor, model, serial, firmware] = fields.map((f) => f.trim());
    if (fields.length !== 4 || !vendor || !model || !serial || !firmware)
      throw new DriverError(
        'malformed_reply',
        `*IDN? must answer 4 fields, got ${preview(fields.join(','))}`,
      );
    return { vendor, model, serial, firmware };
  }

  /** *RST puts the selected instrument in its safe state (the server calls the device's safeState). */
  async safeState(options?: CommandOptions): Promise<void> {
    await this.link.exchange('*RST', write(options));
  }

  close(): Promise<void> {
    return this.link.close();
  }

  /** A `value,at` reply (FORM:TST ON) as a Reading. */
  protected async reading(command: string, options?: CommandOptions): Promise<Reading<number>> {
    const [value = Number.NaN, at = 0] = numbers(await this.link.exchange(command, query(options)), 2);
    return { value, at, simulated: this.simulated };
  }

  protected async send(command: string, options?: CommandOptions): Promise<void> {
    await this.link.exchange(command, write(options));
  }
}

class ScpiSpectrometer extends ScpiDriver implements SpectrometerDriver {
  readonly kind = 'spectrometer';
  readonly capabilities: readonly Capability[] = ['spectrum.raman', 'spectrum.averaging'];

  async acquire(request: AcquisitionRequest, options?: CommandOptions): Promise<Reading<Spectrum>> {
    const { integrationTimeMs, averages } = request;
    options?.onProgress?.(0);
    // The acquisition itself may take integration × averages (less on an accelerated simulator).
    const reply = await this.link.exchange(`MEAS:SPEC? ${formatNumber(integrationTimeMs)},${averages}`, {
      ...query(options),
      idempotent: false,
      timeoutMs: this.link.timeoutMs + integrationTimeMs * averages,
    });
    const xs = numbers(reply, null);
    const [at = 0, intMs = 0, avg = 0, detectorMax = 0, laserNm = 0, n = -1] = xs;
    if (!Number.isInteger(n) || n < 0 || xs.length !== 6 + 2 * n)
      throw new DriverError('malformed_reply', `MEAS:SPEC? answered ${xs.length} numbers for ${n} points`);
    options?.onProgress?.(1);
    const value: Spectrum = {
      shiftCm1: xs.slice(6, 6 + n),
      intensities: xs.slice(6 + n),
      integrationTimeMs: intMs,
      averages: avg,
      detectorMax,
      laserNm,
    };
    return { value, at, simulated: this.simulated };
  }
}

class ScpiTemperatureController extends ScpiDriver implements TemperatureControllerDriver {
  readonly kind = 'temperature_controller';
  readonly capabilities: readonly Capability[] = ['temperature.setpoint', 'temperature.ramp'];

  setSetpoint(celsius: number, options?: CommandOptions): Promise<void> {
    return this.send(`SOUR:TEMP ${formatNumber(celsius)}`, options);
  }
  setRampRate(celsiusPerMinute: number | null, options?: CommandOptions): Promise<void> {
    return this.send(
      `SOUR:TEMP:RAMP ${celsiusPerMinute === null ? 'OFF' : formatNumber(celsiusPerMinute)}`,
      options,
    );
  }
  readTemperature(options?: CommandOptions): Promise<Reading<number>> {
    return this.reading('MEAS:TEMP?', options);
  }
  readSetpoint(options?: CommandOptions): Promise<Reading<number>> {
    return this.reading('SOUR:TEMP?', options);
  }
  readHeaterPower(options?: CommandOptions): Promise<Reading<number>> {
    return this.reading('MEAS:HEAT?', options);
  }
}

class ScpiDaq extends ScpiDriver implements DaqDriver {
  readonly kind = 'daq';
  readonly capabilities: readonly Capability[] = [
    'daq.analog_in',
    'daq.analog_out',
    'daq.digital_in',
    'daq.digital_out',
    'daq.interlocks',
  ];

  readAnalog(channel: number, options?: CommandOptions): Promise<Reading<number>> {
    return this.reading(`MEAS:VOLT? ${channel}`, options);
  }
  writeAnalog(channel: number, volts: number, options?: CommandOptions): Promise<void> {
    return this.send(`SOUR:VOLT ${channel},${formatNumber(volts)}`, options);
  }
  async readDigital(line: number, options?: CommandOptions): Promise<Reading<boolean>> {
    const r = await this.reading(`MEAS:DIG? ${line}`, options);
    if (r.value !== 0 && r.value !== 1)
      throw new DriverError('malformed_reply', `MEAS:DIG? answered ${r.value}`);
    return { ...r, value: r.value === 1 };
  }
  writeDigital(line: number, high: boolean, options?: CommandOptions): Promise<void> {
    return this.send(`SOUR:DIG ${line},${high ? 1 : 0}`, options);
  }
  async readInterlocks(options?: CommandOptions): Promise<Reading<InterlockState>> {
    const xs = numbers(await this.link.exchange('SYST:INT?', query(options)), 4);
    const [estop, door, over, at = 0] = xs;
    if (![estop, door, over].every((x) => x === 0 || x === 1))
      throw new DriverError('malformed_reply', `SYST:INT? lines must be 0 or 1, got ${xs.join(',')}`);
    const value = { estop: estop === 1, door: door === 1, overTemperature: over === 1 };
    return { value, at, simulated: this.simulated };
  }
}

export type ScpiConnectOptions = Omit<ScpiLinkOptions, 'timeoutMs'> & { timeoutMs?: number };

/** Connects one link per device and asks each whether it is simulated. Default timeout 5 s per exchange. */
export async function connectScpiDevices(options: ScpiConnectOptions): Promise<DeviceSet> {
  const linkOptions: ScpiLinkOptions = { ...options, timeoutMs: options.timeoutMs ?? 5000 };
  const link = (instrument: string) => new ScpiLink(linkOptions, `INST:SEL ${instrument};:FORM:TST ON`);
  const [spec, temp, daq] = [link('SPEC'), link('TEMP'), link('DAQ')];
  try {
    const [specSim, tempSim, daqSim] = await Promise.all([
      isSimulated(spec),
      isSimulated(temp),
      isSimulated(daq),
    ]);
    return {
      spectrometer: new ScpiSpectrometer(spec, specSim),
      temperature_controller: new ScpiTemperatureController(temp, tempSim),
      daq: new ScpiDaq(daq, daqSim),
    };
  } catch (err) {
    await Promise.all([spec.close(), temp.close(), daq.close()]);
    throw err;
  }
}

async function isSimulated(link: ScpiLink): Promise<boolean> {
  const reply = await link.exchange('SYST:SIM?', { query: true, idempotent: true });
  if (reply !== '0' && reply !== '1')
    throw new DriverError('malformed_reply', `SYST:SIM? answered ${preview(reply)}`);
  return reply === '1';
}
