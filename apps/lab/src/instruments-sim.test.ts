/**
 * `npm run lab -- instrument-sim` as a real child process: it serves the simulated reactor over SCPI on
 * a real port, answers *IDN? for each device through the SCPI client drivers, and stops cleanly on
 * SIGINT and SIGTERM. Usage errors exit 2.
 */
import { connectScpiDevices } from '@polymorph/run-engine/scpi/client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type InstrumentSimProcess,
  startInstrumentSim as startSim,
} from './testing/instrument-sim-process.ts';
import { runLabCli } from './testing/lab-process.ts';

const sims: InstrumentSimProcess[] = [];

afterEach(() => {
  for (const sim of sims.splice(0)) sim.kill();
});

async function startInstrumentSim(args: string[]) {
  const sim = await startSim(args);
  sims.push(sim);
  return sim;
}

describe('npm run lab -- instrument-sim', () => {
  it('serves the simulated reactor over SCPI and stops on SIGTERM', async () => {
    const sim = await startInstrumentSim(['--port', '0', '--seed', '7', '--acceleration', '60']);
    expect(sim.host).toBe('127.0.0.1');
    const devices = await connectScpiDevices({ host: sim.host, port: sim.port, timeoutMs: 30_000 });
    try {
      const ids = await Promise.all([
        devices.spectrometer.identify(),
        devices.temperature_controller.identify(),
        devices.daq.identify(),
      ]);
      expect(ids.map((id) => id.serial)).toEqual(['SIM-7', 'SIM-7', 'SIM-7']);
      expect(new Set(ids.map((id) => id.model)).size).toBe(3);
      expect(devices.daq.simulated).toBe(true);
      const interlocks = await devices.daq.readInterlocks();
      expect(interlocks).toMatchObject({
        value: { estop: false, door: false, overTemperature: false },
        simulated: true,
      });
    } finally {
      await Promise.all(Object.values(devices).map((d) => d.close()));
    }
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toEqual({ code: 0, signal: null });
    expect(sim.output()).toMatch(/stopped on SIGTERM/);
  });

  it('stops on SIGINT with a client still connected', async () => {
    const sim = await startInstrumentSim(['--port', '0']);
    const devices = await connectScpiDevices({ host: sim.host, port: sim.port, timeoutMs: 30_000 });
    try {
      sim.child.kill('SIGINT');
      expect(await sim.exited).toEqual({ code: 0, signal: null });
      await expect(devices.temperature_controller.readTemperature()).rejects.toMatchObject({
        code: 'disconnected',
      });
    } finally {
      await Promise.all(Object.values(devices).map((d) => d.close()));
    }
  });

  it('exits 2 on usage errors', async () => {
    for (const args of [
      [],
      ['--port', 'x'],
      ['--port', '0', '--seed', '-1'],
      ['--port', '0', '--acceleration', '0'],
      ['--port', '0', 'extra'],
    ]) {
      const r = await runLabCli(['instrument-sim', ...args]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(/^error: /);
    }
  });
});
