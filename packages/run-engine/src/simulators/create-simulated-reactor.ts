/**
 * One simulated crystallization reactor with its three devices on one experiment clock: what a test,
 * the SCPI server (`instrument-sim`) or a simulated run needs.
 */
import { AcceleratedClock } from '../clock.ts';
import type { DeviceSet, ExperimentClock } from '../drivers.ts';
import { type ReactorOptions, SimulatedReactor } from './reactor.ts';
import { SimulatedDaq, SimulatedSpectrometer, SimulatedTemperatureController } from './simulated-devices.ts';

export interface SimulatedReactorOptions extends ReactorOptions {
  /** Experiment ms per wall ms for the clock built here (ignored when `clock` is given). Default 1. */
  acceleration?: number;
  /** Share an existing clock (the engine's, or a ManualClock in tests). */
  clock?: ExperimentClock;
}

export interface SimulatedReactorSet {
  devices: DeviceSet;
  /** The shared state and the fault-injection API (trip, reset, openDoor, forceTemperature). */
  reactor: SimulatedReactor;
  clock: ExperimentClock;
}

export function createSimulatedReactor(options: SimulatedReactorOptions): SimulatedReactorSet {
  const clock = options.clock ?? new AcceleratedClock({ acceleration: options.acceleration ?? 1 });
  const reactor = new SimulatedReactor(clock, options);
  return {
    devices: {
      spectrometer: new SimulatedSpectrometer(reactor),
      temperature_controller: new SimulatedTemperatureController(reactor),
      daq: new SimulatedDaq(reactor),
    },
    reactor,
    clock,
  };
}
