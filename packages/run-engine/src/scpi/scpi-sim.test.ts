/**
 * The simulated crystallization reactor served over a real socket, against the same reactor in
 * process: same seed, same commands at the same experiment times, so the wire must give identical
 * numbers. Both run on ManualClocks, so nothing here depends on the wall clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import type { DeviceSet } from '../drivers.ts';
import { createSimulatedReactor, type SimulatedReactorSet } from '../simulators/create-simulated-reactor.ts';
import { connectScpiDevices } from './client.ts';
import { ScpiLink } from './link.ts';
import { type ScpiServer, startScpiServer } from './server.ts';

const SEED = 42;
const EPOCH_MS = 1_765_000_000_000;

function reactor(): { sim: SimulatedReactorSet; clock: ManualClock } {
  const clock = new ManualClock();
  return { sim: createSimulatedReactor({ seed: SEED, clock, epochMs: EPOCH_MS }), clock };
}

/** Runs `command` while advancing `clock` by `experimentMs` once the device is sleeping on it. */
async function whileAdvancing<T>(clock: ManualClock, experimentMs: number, command: Promise<T>): Promise<T> {
  const deadline = performance.now() + 60_000;
  while (clock.pendingSleeps === 0) {
    if (performance.now() > deadline) throw new Error('the device never started its exposure');
    await new Promise((r) => setTimeout(r, 5));
  }
  await clock.advance(experimentMs);
  return command;
}

let served: ReturnType<typeof reactor>;
let local: ReturnType<typeof reactor>;
let server: ScpiServer;
let wire: DeviceSet;

beforeAll(async () => {
  served = reactor();
  local = reactor();
  const { reactor: r } = served.sim;
  server = await startScpiServer({
    devices: served.sim.devices,
    port: 0,
    simulator: {
      tripInterlock: (line) => r.trip(line),
      resetInterlocks: (line) => r.reset(line),
      firstNucleation: () => r.firstNucleation(),
    },
  });
  wire = await connectScpiDevices({ host: '127.0.0.1', port: server.port, timeoutMs: 30_000 });
});

afterAll(async () => {
  await Promise.all(Object.values(wire).map((d) => d.close()));
  await server.close();
});

describe('the simulated reactor over SCPI', () => {
  it('identifies each simulated device as the in-process simulator does', async () => {
    for (const kind of ['spectrometer', 'temperature_controller', 'daq'] as const) {
      expect(await wire[kind].identify()).toEqual(await local.sim.devices[kind].identify());
      expect(wire[kind].simulated).toBe(true);
    }
  });

  it('measures a spectrum identical to the in-process simulator for the same seed', async () => {
    const request = { integrationTimeMs: 500, averages: 4 };
    const viaWire = await whileAdvancing(served.clock, 2000, wire.spectrometer.acquire(request));
    const inProcess = await whileAdvancing(
      local.clock,
      2000,
      local.sim.devices.spectrometer.acquire(request),
    );
    expect(viaWire.value.intensities.length).toBeGreaterThan(100);
    expect(viaWire).toEqual(inProcess);
  });

  it('moves the temperature towards a new setpoint with the first-order lag', async () => {
    for (const tc of [wire.temperature_controller, local.sim.devices.temperature_controller]) {
      await tc.setSetpoint(20);
      expect((await tc.readSetpoint()).value).toBe(20);
    }
    const start = (await wire.temperature_controller.readTemperature()).value;
    const seen: number[] = [];
    for (let minute = 0; minute < 30; minute++) {
      await served.clock.advance(60_000);
      await local.clock.advance(60_000);
      const t = await wire.temperature_controller.readTemperature();
      expect(t).toEqual(await local.sim.devices.temperature_controller.readTemperature());
      seen.push(t.value);
    }
    expect(seen.every((t, i) => t <= (i === 0 ? start : (seen[i - 1] ?? start)))).toBe(true);
    expect(seen[0]).toBeGreaterThan(20.5); // a lag, not a step
    expect(seen.at(-1)).toBeLessThan(start - 20);
  });

  it('reports the interlocks after SIM:TRIP and refuses the heater while tripped', async () => {
    const raw = served.sim.reactor;
    expect((await wire.daq.readInterlocks()).value).toEqual({
      estop: false,
      door: false,
      overTemperature: false,
    });
    // the fault control is an SCPI command like any other; the client has no method for it
    const control = new ScpiLink({ host: '127.0.0.1', port: server.port, timeoutMs: 30_000 }, 'INST:SEL DAQ');
    try {
      await control.exchange('SIM:TRIP ESTOP', { query: false, idempotent: false });
      expect((await wire.daq.readInterlocks()).value).toEqual({
        estop: true,
        door: false,
        overTemperature: false,
      });
      expect(raw.interlocks().estop).toBe(true);
      await expect(wire.temperature_controller.setSetpoint(50)).rejects.toMatchObject({ code: 'interlock' });
      await wire.temperature_controller.safeState();
      expect((await wire.temperature_controller.readHeaterPower()).value).toBe(0);
      await control.exchange('SIM:RES ESTOP', { query: false, idempotent: false });
      expect((await wire.daq.readInterlocks()).value.estop).toBe(false);
    } finally {
      await control.close();
    }
  });

  it('answers SIM:NUCL? with the model’s first nucleation times, -1 before any', async () => {
    const control = new ScpiLink({ host: '127.0.0.1', port: server.port, timeoutMs: 30_000 }, 'INST:SEL DAQ');
    try {
      const truth = served.sim.reactor.firstNucleation();
      const reply = await control.exchange('SIM:NUCL?', { query: true, idempotent: true });
      const expected = [truth.formI, truth.formII].map((t) => (t === null ? '-1' : String(t))).join(',');
      expect(reply.split(';')[0]).toBe(expected);
    } finally {
      await control.close();
    }
  });
});
