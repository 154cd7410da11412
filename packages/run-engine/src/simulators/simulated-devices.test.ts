import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { DriverError } from '../drivers.ts';
import { createSimulatedReactor } from './create-simulated-reactor.ts';
import type { ReactorOptions } from './reactor.ts';
import { DEFAULT_THERMAL } from './thermal.ts';

function manualReactor(seed = 1, options: Omit<ReactorOptions, 'seed'> = {}) {
  const clock = new ManualClock();
  return { ...createSimulatedReactor({ seed, clock, epochMs: 1_700_000_000_000, ...options }), clock };
}

/** Run an acquisition on a manual clock: advance experiment time until it has finished. */
async function acquireOn(set: ReturnType<typeof manualReactor>, integrationTimeMs: number, averages: number) {
  const pending = set.devices.spectrometer.acquire({ integrationTimeMs, averages });
  await set.clock.advance(integrationTimeMs * averages);
  return pending;
}

async function errorOf(promise: Promise<unknown>): Promise<DriverError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof DriverError)) throw new Error(`expected a DriverError, got ${String(error)}`);
  return error;
}

describe('simulated devices', () => {
  it('identify as the simulator and flag every reading simulated', async () => {
    const set = manualReactor(42);
    for (const device of Object.values(set.devices)) {
      expect(device.simulated).toBe(true);
      expect(await device.identify()).toMatchObject({ vendor: 'POLYMORPH-LITE simulator', serial: 'SIM-42' });
    }
    const tc = set.devices.temperature_controller;
    const readings = [
      await tc.readTemperature(),
      await tc.readSetpoint(),
      await tc.readHeaterPower(),
      await set.devices.daq.readInterlocks(),
      await set.devices.daq.readAnalog(0),
      await set.devices.daq.readDigital(4),
      await acquireOn(set, 100, 1),
    ];
    for (const r of readings) expect(r.simulated).toBe(true);
    expect(readings[6]!.at).toBe(1_700_000_000_000 + 100);
  });

  it('same seed and commands give identical spectra; another seed gives different ones', async () => {
    const spectra = async (seed: number) => {
      const set = manualReactor(seed);
      await set.devices.temperature_controller.setSetpoint(20);
      const first = await acquireOn(set, 500, 4);
      await set.clock.advance(3_600_000);
      const second = await acquireOn(set, 500, 4);
      return [first.value.intensities, second.value.intensities];
    };
    const a = await spectra(5);
    expect(await spectra(5)).toEqual(a);
    expect(await spectra(6)).not.toEqual(a);
    expect(a[1]).not.toEqual(a[0]);
  });

  it('the seed drives the detector noise itself, not only the batch kinetics', async () => {
    const noise = async (seed: number) => {
      const set = manualReactor(seed, { batchVariation: 0 });
      return (await acquireOn(set, 1000, 1)).value.intensities;
    };
    const a = await noise(1);
    expect(await noise(1)).toEqual(a);
    expect(await noise(2)).not.toEqual(a);
  });

  it('an acquisition takes its exposure on the experiment clock, reports progress per average and is cancellable', async () => {
    const set = manualReactor();
    const progress: number[] = [];
    const controller = new AbortController();
    const pending = set.devices.spectrometer.acquire(
      { integrationTimeMs: 1000, averages: 4 },
      { signal: controller.signal, onProgress: (f) => progress.push(f) },
    );
    await set.clock.advance(2500);
    expect(progress).toEqual([0.25, 0.5]);
    // a second acquisition while one runs is refused
    expect(
      (await errorOf(set.devices.spectrometer.acquire({ integrationTimeMs: 10, averages: 1 }))).code,
    ).toBe('busy');
    controller.abort();
    // time moves on: an acquisition that ignored the signal would now finish instead of failing
    await set.clock.advance(10_000);
    expect((await errorOf(pending)).code).toBe('cancelled');
    expect(progress).toEqual([0.25, 0.5]);
    // the spectrometer is free again
    const next = await acquireOn(set, 10, 1);
    expect(next.value.intensities).toHaveLength(next.value.shiftCm1.length);
  });

  it('safeState stops a running acquisition', async () => {
    const set = manualReactor();
    const pending = set.devices.spectrometer.acquire({ integrationTimeMs: 60_000, averages: 10 });
    await set.devices.spectrometer.safeState();
    await set.clock.advance(600_000);
    expect((await errorOf(pending)).code).toBe('cancelled');
  });

  it('refuses impossible settings as out_of_range', async () => {
    const { devices } = manualReactor();
    const cases: Array<Promise<unknown>> = [
      devices.spectrometer.acquire({ integrationTimeMs: 0, averages: 1 }),
      devices.spectrometer.acquire({ integrationTimeMs: 100, averages: 1.5 }),
      devices.spectrometer.acquire({ integrationTimeMs: 100, averages: 1001 }),
      devices.temperature_controller.setSetpoint(DEFAULT_THERMAL.maxSetpointC + 1),
      devices.temperature_controller.setSetpoint(Number.NaN),
      devices.temperature_controller.setRampRate(0),
      devices.temperature_controller.setRampRate(DEFAULT_THERMAL.maxRampCPerMin + 1),
      devices.daq.writeAnalog(0, 10.5),
      devices.daq.writeAnalog(2, 1),
      devices.daq.writeDigital(8, true),
      devices.daq.readAnalog(-1),
    ];
    for (const c of cases) expect((await errorOf(c)).code).toBe('out_of_range');
  });

  it('a tripped interlock refuses heater and output commands; safeState turns the heater off', async () => {
    const set = manualReactor();
    const { devices, reactor, clock } = set;
    const tc = devices.temperature_controller;
    await tc.setSetpoint(80);
    await devices.daq.writeDigital(0, true);
    await devices.daq.writeAnalog(0, 5);
    await clock.advance(600_000);
    expect((await tc.readHeaterPower()).value).toBeGreaterThan(0.5);

    reactor.trip('estop');
    expect((await devices.daq.readInterlocks()).value).toEqual({
      estop: true,
      door: false,
      overTemperature: false,
    });
    expect((await devices.daq.readDigital(4)).value).toBe(true);
    for (const refused of [tc.setSetpoint(30), tc.setRampRate(1), devices.daq.writeDigital(1, true)]) {
      expect((await errorOf(refused)).code).toBe('interlock');
    }
    // the simulator models a software interlock: the heater runs on until someone puts it in its safe state
    expect((await tc.readHeaterPower()).value).toBeGreaterThan(0.5);

    await tc.safeState();
    await devices.daq.safeState();
    expect((await tc.readHeaterPower()).value).toBe(0);
    expect((await tc.readSetpoint()).value).toBe(DEFAULT_THERMAL.ambientC);
    expect((await devices.daq.readDigital(0)).value).toBe(false); // loopback of output 0
    expect((await devices.daq.readAnalog(2)).value).toBe(0); // loopback of analog output 0
    await clock.advance(20 * DEFAULT_THERMAL.tauS * 1000);
    expect((await tc.readTemperature()).value).toBeCloseTo(DEFAULT_THERMAL.ambientC, 1);

    reactor.reset('estop');
    await tc.setSetpoint(30);
    expect((await tc.readSetpoint()).value).toBe(30);
  });

  it('an open door and an over-temperature trip the interlock lines too', async () => {
    const { devices, reactor } = manualReactor();
    reactor.openDoor();
    expect((await devices.daq.readInterlocks()).value.door).toBe(true);
    expect((await errorOf(devices.temperature_controller.setSetpoint(40))).code).toBe('interlock');
    reactor.closeDoor();
    await devices.temperature_controller.setSetpoint(40);

    reactor.forceTemperature(DEFAULT_THERMAL.overTemperatureLimitC + 3);
    expect((await devices.daq.readInterlocks()).value.overTemperature).toBe(true);
    // it stays tripped while the reactor is still too hot
    reactor.reset('overTemperature');
    expect((await devices.daq.readInterlocks()).value.overTemperature).toBe(true);
    reactor.forceTemperature(null);
    await devices.temperature_controller.safeState();
    reactor.forceTemperature(50);
    reactor.reset('overTemperature');
    expect((await devices.daq.readInterlocks()).value.overTemperature).toBe(false);
  });

  it('the controller follows a step with the configured lag on the shared clock', async () => {
    const set = manualReactor();
    const tc = set.devices.temperature_controller;
    await tc.setSetpoint(20); // from 70 °C
    await set.clock.advance(DEFAULT_THERMAL.tauS * 1000);
    const t = (await tc.readTemperature()).value;
    expect((70 - t) / 50).toBeCloseTo(1 - Math.exp(-1), 2);
  });

  it('records when each form first nucleated (epoch ms, within one model step), for onset tests', async () => {
    const set = manualReactor(1, { initialTemperatureC: 20 });
    expect(set.reactor.firstNucleation()).toEqual({ formI: null, formII: null });
    let before = set.reactor.snapshot();
    // step a minute at a time until Form I crystals exist: the recorded time lies within that minute
    for (let i = 0; i < 120 && before.crystals.formI === 0; i++) {
      await set.clock.advance(60_000);
      const now = set.reactor.snapshot();
      if (now.crystals.formI > 0) {
        const at = set.reactor.firstNucleation().formI;
        expect(at).not.toBeNull();
        expect(at!).toBeGreaterThan(set.reactor.epochMs + before.timeMs);
        expect(at!).toBeLessThanOrEqual(set.reactor.epochMs + now.timeMs);
      }
      before = now;
    }
    expect(before.crystals.formI).toBeGreaterThan(0);
  });

  it('saturates at detectorMax with a long exposure, not with a short one', async () => {
    const set = manualReactor();
    const short = (await acquireOn(set, 1000, 1)).value;
    expect(Math.max(...short.intensities)).toBeLessThan(short.detectorMax);
    const long = (await acquireOn(set, 30_000, 2)).value;
    expect(Math.max(...long.intensities)).toBe(long.detectorMax);
    expect(long).toMatchObject({ laserNm: 785, integrationTimeMs: 30_000, averages: 2 });
  });

  it('an accelerated clock runs hours of experiment in a fraction of the wall time', async () => {
    const { devices, clock } = createSimulatedReactor({ seed: 3, acceleration: 100_000 });
    expect(clock.acceleration).toBe(100_000);
    const wallStart = performance.now();
    // 10 minutes of exposure: 6 ms nominal on the wall
    const spectrum = await devices.spectrometer.acquire({ integrationTimeMs: 60_000, averages: 10 });
    expect(clock.now()).toBeGreaterThanOrEqual(600_000);
    expect(spectrum.value.averages).toBe(10);
    expect(performance.now() - wallStart).toBeLessThan(60_000);
  });

  it('detector faults give a flat (dead) spectrum or NaN pixels until cleared', async () => {
    const set = manualReactor();
    set.reactor.detectorFault('dead');
    const dead = (await acquireOn(set, 1000, 2)).value.intensities;
    expect(new Set(dead).size).toBe(1);
    set.reactor.detectorFault('nan');
    const nan = (await acquireOn(set, 1000, 1)).value.intensities;
    expect(nan.filter((x) => Number.isNaN(x)).length).toBeGreaterThan(0);
    set.reactor.detectorFault(null);
    const healthy = (await acquireOn(set, 1000, 1)).value.intensities;
    expect(healthy.every(Number.isFinite)).toBe(true);
    expect(new Set(healthy).size).toBeGreaterThan(100);
  });

  it('a closed driver reports disconnected', async () => {
    const { devices } = manualReactor();
    await devices.daq.close();
    expect((await errorOf(devices.daq.readInterlocks())).code).toBe('disconnected');
  });
});
