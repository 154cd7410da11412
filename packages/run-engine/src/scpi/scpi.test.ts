/**
 * The SCPI server and client drivers, through a real TCP socket. The devices behind the server are a
 * test double of the DeviceSet (deterministic, with a first-order temperature lag), not of the
 * protocol: every byte goes over the wire both ways.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AcquisitionRequest,
  type CommandOptions,
  type DaqDriver,
  type DeviceSet,
  DriverError,
  type InterlockLine,
  type InterlockState,
  type SpectrometerDriver,
  type Spectrum,
  type TemperatureControllerDriver,
} from '../drivers.ts';
import { connectScpiDevices } from './client.ts';
import type { SimulatorControl } from './commands.ts';
import { splitOutsideQuotes } from './parser.ts';
import { type ScpiServer, startScpiServer } from './server.ts';

const GUARD_MS = 60_000;

/** Polls until `condition` holds; a guard against hangs, not a budget. */
async function eventually(what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + GUARD_MS;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function abortable(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new DriverError('cancelled', 'aborted'));
    });
  });
}

/** The spectrum the double's spectrometer gives for a request: values that stress number formatting. */
function doubleSpectrum(req: AcquisitionRequest): Spectrum {
  const shiftCm1 = Array.from({ length: 512 }, (_, i) => 200 + i * (1800 / 511));
  const intensities = shiftCm1.map((s, i) => 1000 / 3 + Math.sin(s / 7) * 250.1 + i * 0.1 + 1e-9 * i);
  intensities[7] = Number.NaN; // a detector fault must reach the client as NaN, not as a number
  intensities[8] = Number.POSITIVE_INFINITY;
  return { shiftCm1, intensities, ...req, detectorMax: 65535, laserNm: 785 };
}

/** A test double of the three devices, with a simulator's fault control. */
function deviceDouble(): { devices: DeviceSet; control: SimulatorControl; safeStates: string[] } {
  const interlocks: InterlockState = { estop: false, door: false, overTemperature: false };
  const safeStates: string[] = [];
  const base = (kind: string, serial: string) => ({
    simulated: true,
    identify: async () => ({ vendor: 'Test Double Inc', model: kind.toUpperCase(), serial, firmware: '0.1' }),
    safeState: async () => {
      safeStates.push(kind);
    },
    close: async () => undefined,
  });
  const spectrometer: SpectrometerDriver = {
    ...base('spec-double', 'SP-1'),
    kind: 'spectrometer',
    capabilities: ['spectrum.raman', 'spectrum.averaging'],
    acquire: async (req, options?: CommandOptions) => {
      await abortable(req.integrationTimeMs >= 10_000 ? 60_000 : 1, options?.signal);
      return { value: doubleSpectrum(req), at: 1_700_000_000_000, simulated: true };
    },
  };
  // First-order lag towards the setpoint, time constant TAU_MS of wall time.
  const TAU_MS = 1000;
  let from = 20;
  let setpoint = 20;
  let since = performance.now();
  const temperature = () => setpoint + (from - setpoint) * Math.exp(-(performance.now() - since) / TAU_MS);
  const temperatureController: TemperatureControllerDriver = {
    ...base('temp-double', 'TC-1'),
    kind: 'temperature_controller',
    capabilities: ['temperature.setpoint', 'temperature.ramp'],
    setSetpoint: async (c) => {
      if (interlocks.estop) throw new DriverError('interlock', 'e-stop pressed');
      if (c > 150) throw new DriverError('out_of_range', 'above 150 °C');
      from = temperature();
      since = performance.now();
      setpoint = c;
    },
    setRampRate: async () => undefined,
    readTemperature: async () => ({ value: temperature(), at: Date.now(), simulated: true }),
    readSetpoint: async () => ({ value: setpoint, at: Date.now(), simulated: true }),
    readHeaterPower: async () => ({ value: 0.25, at: Date.now(), simulated: true }),
  };
  const analog = new Map<number, number>();
  const digital = new Map<number, boolean>();
  const daq: DaqDriver = {
    ...base('daq-double', 'DQ-1'),
    kind: 'daq',
    capabilities: ['daq.analog_in', 'daq.analog_out', 'daq.digital_in', 'daq.digital_out', 'daq.interlocks'],
    readAnalog: async (ch) => ({ value: analog.get(ch) ?? 0, at: Date.now(), simulated: true }),
    writeAnalog: async (ch, v) => void analog.set(ch, v),
    readDigital: async (line) => ({ value: digital.get(line) ?? false, at: Date.now(), simulated: true }),
    writeDigital: async (line, high) => void digital.set(line, high),
    readInterlocks: async () => ({ value: { ...interlocks }, at: Date.now(), simulated: true }),
  };
  const control: SimulatorControl = {
    tripInterlock: (line: InterlockLine) => {
      interlocks[line] = true;
    },
    resetInterlocks: (line?: InterlockLine) => {
      for (const l of line ? [line] : (['estop', 'door', 'overTemperature'] as const)) interlocks[l] = false;
    },
  };
  return {
    devices: { spectrometer, temperature_controller: temperatureController, daq },
    control,
    safeStates,
  };
}

/** A raw client: sends lines, returns the reply lines it asked for (one per line ending in a query). */
async function converse(port: number, lines: string[], expectReplies: number): Promise<string[]> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setEncoding('utf8');
  const replies: string[] = [];
  let buffered = '';
  const done = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      replies.push(...parts);
      if (replies.length >= expectReplies) resolve();
    });
    socket.on('error', reject);
    socket.on('close', () =>
      reject(new Error(`closed after ${replies.length} replies: ${replies.join(' | ')}`)),
    );
  });
  for (const line of lines) socket.write(`${line}\n`);
  await done;
  socket.destroy();
  return replies;
}

let server: ScpiServer;
let double: ReturnType<typeof deviceDouble>;
let devices: DeviceSet;

beforeAll(async () => {
  double = deviceDouble();
  server = await startScpiServer({ devices: double.devices, port: 0, simulator: double.control });
  devices = await connectScpiDevices({ host: '127.0.0.1', port: server.port, timeoutMs: 10_000 });
});

afterAll(async () => {
  await Promise.all([
    devices.spectrometer.close(),
    devices.temperature_controller.close(),
    devices.daq.close(),
  ]);
  await server.close();
});

afterEach(() => double.control.resetInterlocks());

describe('the SCPI wire, raw', () => {
  it('*IDN? answers the selected instrument, in short or long mnemonics and any case', async () => {
    const replies = await converse(
      server.port,
      ['*IDN?', 'inst:sel temp', '*idn?', 'INSTrument:SELect DAQ;*IDN?;INST?', 'INST:CAT?'],
      4,
    );
    expect(replies).toEqual([
      'Test Double Inc,SPEC-DOUBLE,SP-1,0.1',
      'Test Double Inc,TEMP-DOUBLE,TC-1,0.1',
      'Test Double Inc,DAQ-DOUBLE,DQ-1,0.1;DAQ',
      '"SPEC","TEMP","DAQ"',
    ]);
  });

  it('queues SCPI-99 errors for unknown, malformed and out-of-range commands, in order', async () => {
    const replies = await converse(
      server.port,
      [
        'FOO:BAR?',
        'SOUR:TEMP abc',
        'SOURce:TEMPerature 5000',
        'SENS:INT',
        '*IDN? 1',
        '\u0000\u00ff###',
        'INST:SEL NOPE',
        'SYST:ERR:COUN?',
        'SYST:ERR?;SYST:ERR?;SYST:ERR?;SYST:ERR?;SYST:ERR?;SYST:ERR?;SYST:ERR?;SYST:ERR?',
      ],
      2,
    );
    expect(replies[0]).toBe('7');
    const codes = splitOutsideQuotes(replies[1] ?? '', ';').map((entry) => Number(entry.split(',')[0]));
    expect(codes).toEqual([-113, -104, -222, -109, -108, -100, -224, 0]);
  });

  it('discards a line over 64 KiB with -223 and keeps the connection', async () => {
    const replies = await converse(server.port, [`SOUR:TEMP ${'9'.repeat(70_000)}`, 'SYST:ERR?', '*OPC?'], 2);
    expect(replies[0]).toMatch(/^-223,"Too much data/);
    expect(replies[1]).toBe('1');
  });

  it('survives hostile lines (fuzzed) and still answers on the same connection', async () => {
    const token = fc.constantFrom(
      'SOUR',
      'TEMP',
      'MEAS',
      'SPEC?',
      '*IDN?',
      'SYST',
      'ERR?',
      'INST',
      ':',
      ';',
      ',',
      '"',
      '?',
      ' ',
      '#',
      '9.91E+37',
      '-1e999',
      'ON',
      '\r',
      '\u0000',
    );
    const lines = [
      ...fc.sample(fc.string({ unit: 'binary', maxLength: 200 }), { numRuns: 300, seed: 17 }),
      ...fc.sample(
        fc.array(token, { maxLength: 12 }).map((t) => t.join('')),
        { numRuns: 300, seed: 18 },
      ),
    ].map((line) => line.replace(/\n/g, ' ').replace(/SIM|RST/gi, 'X'));
    const socket = connect({ host: '127.0.0.1', port: server.port });
    socket.setEncoding('utf8');
    let received = '';
    const marker = new Promise<void>((resolve, reject) => {
      socket.on('data', (chunk: string) => {
        received += chunk;
        if (received.includes('Test Double Inc,DAQ-DOUBLE')) resolve();
      });
      socket.on('close', () => reject(new Error(`closed: ${received.slice(-200)}`)));
    });
    for (const line of lines) socket.write(`${line}\n`);
    socket.write('INST:SEL DAQ;*IDN?\n');
    await marker;
    socket.destroy();
  });

  it('refuses SIM commands on a server that serves no simulator (-113)', async () => {
    const plain = await startScpiServer({ devices: double.devices, port: 0 });
    try {
      const replies = await converse(plain.port, ['SIM:TRIP ESTOP', 'SYST:ERR?', 'INT?'], 2);
      expect(replies[0]).toMatch(/^-113,/);
      expect(replies[1]).toBe('0,0,0');
    } finally {
      await plain.close();
    }
  });

  it('closes connections beyond the limit', async () => {
    const small = await startScpiServer({ devices: double.devices, port: 0, maxConnections: 1 });
    const first = connect({ host: '127.0.0.1', port: small.port });
    try {
      await new Promise((resolve) => first.once('connect', resolve));
      await expect(converse(small.port, ['*OPC?'], 1)).rejects.toThrow(/closed after 0 replies/);
    } finally {
      first.destroy();
      await small.close();
    }
  });
});

describe('the SCPI client drivers', () => {
  it('identifies each device and flags every reading simulated', async () => {
    expect(await devices.daq.identify()).toEqual({
      vendor: 'Test Double Inc',
      model: 'DAQ-DOUBLE',
      serial: 'DQ-1',
      firmware: '0.1',
    });
    expect(devices.spectrometer.simulated).toBe(true);
    const readings = [
      await devices.temperature_controller.readTemperature(),
      await devices.temperature_controller.readHeaterPower(),
      await devices.daq.readAnalog(3),
      await devices.daq.readInterlocks(),
      await devices.spectrometer.acquire({ integrationTimeMs: 50, averages: 2 }),
    ];
    expect(readings.map((r) => r.simulated)).toEqual([true, true, true, true, true]);
  });

  it('sets a setpoint and sees the temperature move towards it with the lag', async () => {
    const tc = devices.temperature_controller;
    const start = (await tc.readTemperature()).value;
    await tc.setSetpoint(start + 40);
    expect((await tc.readSetpoint()).value).toBe(start + 40);
    const seen: number[] = [];
    await eventually('the temperature to approach the setpoint', async () => {
      seen.push((await tc.readTemperature()).value);
      return (seen.at(-1) ?? 0) > start + 39;
    });
    // A lag, not a step: readings rise monotonically and some sit between start and setpoint.
    expect(seen.some((t) => t > start + 1 && t < start + 39)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('carries a spectrum through the wire with identical numbers, NaN and Infinity included', async () => {
    const request = { integrationTimeMs: 123.5, averages: 3 };
    const reading = await devices.spectrometer.acquire(request);
    expect(reading.value).toEqual(doubleSpectrum(request));
    expect(reading.at).toBe(1_700_000_000_000);
    const again = await converse(server.port, ['SENS:INT?;SENS:AVER?'], 1);
    expect(again).toEqual(['123.5;3']);
  });

  it('writes and reads DAQ lines', async () => {
    await devices.daq.writeAnalog(2, -1.25);
    await devices.daq.writeDigital(5, true);
    expect((await devices.daq.readAnalog(2)).value).toBe(-1.25);
    expect((await devices.daq.readDigital(5)).value).toBe(true);
    expect((await devices.daq.readDigital(6)).value).toBe(false);
  });

  it('reports a trip injected with SIM:TRIP, and the device refusal as an interlock error', async () => {
    await converse(server.port, ['SIM:TRIP ESTOP;SYST:ERR?'], 1);
    expect((await devices.daq.readInterlocks()).value).toEqual({
      estop: true,
      door: false,
      overTemperature: false,
    });
    await expect(devices.temperature_controller.setSetpoint(30)).rejects.toMatchObject({ code: 'interlock' });
    await converse(server.port, ['SIM:RES;SIM:TRIP OTEM;SIM:TRIP door;SYST:ERR?'], 1);
    expect((await devices.daq.readInterlocks()).value).toEqual({
      estop: false,
      door: true,
      overTemperature: true,
    });
  });

  it('maps a device out-of-range refusal and a protocol range error to out_of_range', async () => {
    await expect(devices.temperature_controller.setSetpoint(200)).rejects.toMatchObject({
      code: 'out_of_range',
    });
    await expect(devices.daq.writeAnalog(1, 50)).rejects.toMatchObject({ code: 'out_of_range' });
    // The link is still usable afterwards.
    expect((await devices.temperature_controller.readSetpoint()).value).toBeLessThan(150);
  });

  it('puts a device in its safe state with *RST', async () => {
    double.safeStates.length = 0;
    await devices.temperature_controller.safeState();
    await devices.daq.safeState();
    expect(double.safeStates).toEqual(['temp-double', 'daq-double']);
  });

  it('cancels an acquisition through its AbortSignal, and the next command still works', async () => {
    const abort = new AbortController();
    const running = devices.spectrometer.acquire(
      { integrationTimeMs: 20_000, averages: 1 },
      { signal: abort.signal },
    );
    setTimeout(() => abort.abort(), 50);
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    const next = await devices.spectrometer.acquire({ integrationTimeMs: 10, averages: 1 });
    expect(next.value.shiftCm1).toHaveLength(512);
  });
});
