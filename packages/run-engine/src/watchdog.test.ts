import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { createSimulatedReactor } from './simulators/create-simulated-reactor.ts';
import {
  type InterlockTrip,
  putInSafeState,
  startWatchdog,
  type TripDetected,
  UNREADABLE_LINE,
} from './watchdog.ts';

function reactor() {
  return createSimulatedReactor({ seed: 3, clock: new ManualClock(), epochMs: 0 });
}

async function heating(sim: ReturnType<typeof reactor>) {
  await sim.devices.temperature_controller.setSetpoint(90);
  await sim.devices.daq.writeDigital(1, true);
  await sim.devices.daq.writeAnalog(0, 5);
  expect((await sim.devices.temperature_controller.readHeaterPower()).value).toBeGreaterThan(0);
}

describe('interlock watchdog', () => {
  it('keeps polling while the lines are clear, then on a trip tells the run and puts every device in safe state', async () => {
    const sim = reactor();
    await heating(sim);
    const seen: TripDetected[] = [];
    const watchdog = startWatchdog(sim.devices, (t) => seen.push(t), { periodMs: 5 });
    await watchdog.ready;
    expect(watchdog.trip()).toBeNull();
    sim.reactor.trip('overTemperature');
    sim.reactor.trip('estop');
    const trip: InterlockTrip = await watchdog.tripped;
    expect(seen).toEqual([{ lines: ['estop', 'overTemperature'], detectedAt: trip.detectedAt }]);
    expect(trip).toMatchObject({ lines: ['estop', 'overTemperature'], safeStateErrors: [] });
    expect(trip.safeStateAt).toBeGreaterThanOrEqual(trip.detectedAt);
    expect(trip.latencyMs).toBeGreaterThanOrEqual(0);
    expect((await sim.devices.temperature_controller.readHeaterPower()).value).toBe(0);
    expect((await sim.devices.daq.readDigital(1)).value).toBe(false);
    await watchdog.stop();
  });

  it('fails safe: interlocks that cannot be read count as a trip, and a failing device does not stop the others', async () => {
    const sim = reactor();
    await heating(sim);
    const watchdog = startWatchdog(sim.devices, () => {}, { periodMs: 5, failedReadsToTrip: 2 });
    await watchdog.ready;
    await sim.devices.daq.close(); // the DAQ link is gone: reads fail 'disconnected'
    const trip = await watchdog.tripped;
    expect(trip.lines).toEqual([UNREADABLE_LINE]);
    expect((await sim.devices.temperature_controller.readHeaterPower()).value).toBe(0);
    await watchdog.stop();
  });

  it('stops polling on stop() without a trip', async () => {
    const sim = reactor();
    const watchdog = startWatchdog(sim.devices, () => {}, { periodMs: 5 });
    await watchdog.ready;
    await watchdog.stop();
    sim.reactor.trip('estop');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(watchdog.trip()).toBeNull();
  });

  it('putInSafeState reports a device that hangs instead of waiting for it', async () => {
    const sim = reactor();
    await heating(sim);
    sim.devices.spectrometer.safeState = () => new Promise<void>(() => {});
    const errors = await putInSafeState(sim.devices, 50);
    expect(errors).toEqual([{ device: 'spectrometer', message: 'timed out' }]);
    expect((await sim.devices.temperature_controller.readHeaterPower()).value).toBe(0);
  });
});
