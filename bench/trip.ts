// npm run bench:trip — interlock trip to safe state, p50 and p99 over BENCH_TRIPS trips, in two modes:
// in-process (the engine drives the simulated reactor directly) and over SCPI/TCP (the reactor served by
// `npm run lab -- instrument-sim` in its own process, the engine's devices from connectScpiDevices, the
// e-stop pressed with SIM:TRIP on a separate connection). Each trip is a real runWorkflow of
// `set_temperature 80` then a one-hour `wait`, aborted by the engine's own watchdog. Per trip:
// - trip -> heater 0: from pressing the e-stop until a poller (its own connection over TCP) reads heater
//   power 0 through the driver; it re-reads back to back, so the figure includes up to one read too many;
// - the watchdog's latencyMs (trip seen -> every device answered safeState), from interlock_tripped;
// - trip -> seen: the watchdog's detectedAt minus the moment of the trip (1 ms resolution).
// Baselines from the same run: the watchdog period as the event loop actually delivers it (a
// cancellableDelay of periodMs), one interlock read, one putInSafeState of every device.
// Env: BENCH_TRIPS (default 200), BENCH_BASELINE_READS (default 2000), BENCH_MODES (inprocess,tcp),
// BENCH_PERIOD_MS (the watchdog's polling period; default the engine's, 50).
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { bind } from '../packages/run-engine/src/bind.ts';
import { BUILT_IN_CLASSIFIERS } from '../packages/run-engine/src/classifiers/peak-ratio.ts';
import { AcceleratedClock, cancellableDelay } from '../packages/run-engine/src/clock.ts';
import type { EngineContext, EngineEvent, RunResult } from '../packages/run-engine/src/commands.ts';
import { compile } from '../packages/run-engine/src/compile.ts';
import type { WorkflowDefinition } from '../packages/run-engine/src/definition.ts';
import type { DeviceSet, ExperimentClock } from '../packages/run-engine/src/drivers.ts';
import { runWorkflow } from '../packages/run-engine/src/interpreter.ts';
import { connectScpiDevices } from '../packages/run-engine/src/scpi/client.ts';
import { ScpiLink } from '../packages/run-engine/src/scpi/link.ts';
import { createSimulatedReactor } from '../packages/run-engine/src/simulators/create-simulated-reactor.ts';
import { DEFAULT_WATCHDOG_OPTIONS, putInSafeState } from '../packages/run-engine/src/watchdog.ts';

const TRIPS = Number(process.env['BENCH_TRIPS'] ?? 200);
const BASELINE_READS = Number(process.env['BENCH_BASELINE_READS'] ?? 2000);
const MODES = (process.env['BENCH_MODES'] ?? 'inprocess,tcp').split(',');
/** The watchdog's polling period; default the engine's own. */
const PERIOD_MS = Number(process.env['BENCH_PERIOD_MS'] ?? DEFAULT_WATCHDOG_OPTIONS.periodMs);

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
};
const stats = (xs: number[]) => ({
  p50: round3(percentile(xs, 50)),
  p99: round3(percentile(xs, 99)),
  max: round3(Math.max(...xs)),
});
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const epochNow = () => performance.timeOrigin + performance.now();

/** What a mode gives the bench: the engine's devices, and the rig's own hands on the reactor. */
interface Rig {
  devices: DeviceSet;
  clock: ExperimentClock;
  /** Press the e-stop (resolves once the reactor has it). */
  trip(): Promise<void>;
  reset(): Promise<void>;
  /** Heater power as an independent observer reads it (its own connection over TCP). */
  heaterPower(): Promise<number>;
  close(): Promise<void>;
}

const definition: WorkflowDefinition = {
  schema_version: 1,
  name: 'trip_bench',
  title: 'Heat, then wait an hour (tripped long before)',
  parameters: [],
  steps: [
    { id: 'heat', type: 'set_temperature', setpoint_c: 80 },
    { id: 'soak', type: 'wait', seconds: 3600 },
  ],
};

function boundCommands() {
  const bound = bind(compile(definition).commands, [], {});
  if (!bound.ok) throw new Error(JSON.stringify(bound.errors));
  return bound.commands;
}

/** Reads heater power back to back until it reads 0: the time it did, from `t0`. */
async function heaterOffAfter(rig: Rig, t0: number, limitMs = 30_000): Promise<number> {
  for (;;) {
    const power = await rig.heaterPower();
    const t = performance.now();
    if (power === 0) return t - t0;
    if (t - t0 > limitMs) throw new Error(`heater still at ${power} ${limitMs} ms after the trip`);
    await nextTurn(); // in process a read is a microtask: let the watchdog's timer run
  }
}

interface TripSample {
  heaterOffMs: number;
  watchdogLatencyMs: number;
  seenAfterMs: number;
  runEndedMs: number;
}

async function oneTrip(rig: Rig, commands: ReturnType<typeof boundCommands>): Promise<TripSample> {
  let waiting: () => void = () => {};
  const soakStarted = new Promise<void>((resolve) => {
    waiting = resolve;
  });
  const events: EngineEvent[] = [];
  const ctx: EngineContext = {
    devices: rig.devices,
    clock: rig.clock,
    classifiers: BUILT_IN_CLASSIFIERS,
    record: async (event) => {
      events.push(event);
      if (event.type === 'step_started' && event.stepId === 'soak') waiting();
    },
    awaitHumanInput: () => Promise.reject(new Error('no human input in this workflow')),
    abortSignal: new AbortController().signal,
    pauseGate: async () => {},
  };
  const run: Promise<RunResult> = runWorkflow(commands, { pc: 0, iterations: {} }, ctx, {
    watchdog: { periodMs: PERIOD_MS },
  });
  await Promise.race([soakStarted, run]);
  // The simulator applies a new setpoint at its next simulation step (1 s of experiment time): until
  // then the heater may still read 0. Trip only a heater that is on.
  const heating = performance.now();
  while ((await rig.heaterPower()) === 0) {
    if (performance.now() - heating > 10_000) throw new Error('the heater never came on');
    await cancellableDelay(5);
  }
  // a phase drawn uniformly over one polling cycle, so the figures cover every phase alike
  await cancellableDelay(Math.random() * PERIOD_MS);
  const before = await rig.heaterPower();
  if (!(before > 0)) throw new Error(`the heater went off before the trip (${before})`);

  const t0 = performance.now();
  const trippedAt = epochNow();
  const heaterOff = heaterOffAfter(rig, t0);
  await rig.trip();
  const result = await run;
  const runEndedMs = performance.now() - t0;
  const heaterOffMs = await heaterOff;
  if (result.status !== 'aborted' || !result.trip)
    throw new Error(`the run ended ${JSON.stringify(result)} instead of aborting on the trip`);
  const recorded = events.find((e) => e.type === 'interlock_tripped');
  if (recorded?.type !== 'interlock_tripped' || recorded.latencyMs === undefined)
    throw new Error('no interlock_tripped event with latencyMs');
  await rig.reset();
  return {
    heaterOffMs,
    watchdogLatencyMs: recorded.latencyMs,
    seenAfterMs: recorded.at - trippedAt,
    runEndedMs,
  };
}

/** Baselines on the same rig, just before its trips: the polling period as delivered, a read, a safe state. */
async function baselines(rig: Rig) {
  const period: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    await cancellableDelay(PERIOD_MS);
    period.push(performance.now() - t);
  }
  const read: number[] = [];
  for (let i = 0; i < BASELINE_READS; i++) {
    const t = performance.now();
    await rig.devices.daq.readInterlocks();
    read.push(performance.now() - t);
    if (i % 64 === 0) await nextTurn();
  }
  const safe: number[] = [];
  for (let i = 0; i < 200; i++) {
    await rig.devices.temperature_controller.setSetpoint(80);
    const t = performance.now();
    const errors = await putInSafeState(rig.devices);
    safe.push(performance.now() - t);
    if (errors.length) throw new Error(`safeState failed: ${JSON.stringify(errors)}`);
  }
  return { periodDelivered: stats(period), interlockRead: stats(read), safeState: stats(safe) };
}

async function inProcessRig(): Promise<Rig> {
  const { devices, reactor, clock } = createSimulatedReactor({ seed: 7, acceleration: 1 });
  return {
    devices,
    clock,
    trip: async () => reactor.trip('estop'),
    reset: async () => reactor.reset('estop'),
    heaterPower: async () => (await devices.temperature_controller.readHeaterPower()).value,
    close: async () => {
      await Promise.all(Object.values(devices).map((d) => d.close()));
    },
  };
}

/** `npm run lab -- instrument-sim --port 0` in its own process, as a networked instrument would be. */
async function tcpRig(): Promise<Rig> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'apps/lab/src/cli.ts', 'instrument-sim', '--port', '0', '--seed', '7'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on [^:\s]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`instrument-sim exited ${code}: ${out}`)));
  });
  const linkOptions = { host: '127.0.0.1', port, timeoutMs: 5000 };
  const devices = await connectScpiDevices(linkOptions);
  const panel = new ScpiLink(linkOptions, 'INST:SEL DAQ'); // the operator's hand on the e-stop
  const observer = new ScpiLink(linkOptions, 'INST:SEL TEMP');
  const command = { query: false, idempotent: false };
  return {
    devices,
    clock: new AcceleratedClock({ acceleration: 1 }),
    trip: async () => {
      await panel.exchange('SIM:TRIP ESTOP', command);
    },
    reset: async () => {
      await panel.exchange('SIM:RES ESTOP', command);
    },
    heaterPower: async () => Number(await observer.exchange('MEAS:HEAT?', { query: true, idempotent: true })),
    close: async () => {
      await Promise.all([...Object.values(devices).map((d) => d.close()), panel.close(), observer.close()]);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function measure(mode: string, rig: Rig) {
  const base = await baselines(rig);
  const commands = boundCommands();
  for (let i = 0; i < 5; i++) await oneTrip(rig, commands); // warm-up
  const samples: TripSample[] = [];
  for (let i = 0; i < TRIPS; i++) samples.push(await oneTrip(rig, commands));
  const pick = (k: keyof TripSample) => stats(samples.map((s) => s[k]));
  // The documented bound: a read in flight when the line trips still answers 'clear', the next read
  // comes one period after it, then the safe state: period + 2 reads + safe state (each at its p99).
  const boundMs = base.periodDelivered.p99 + 2 * base.interlockRead.p99 + base.safeState.p99;
  return {
    mode,
    trips: samples.length,
    watchdogPeriodMs: PERIOD_MS,
    baseline: base,
    tripToHeaterOffMs: pick('heaterOffMs'),
    watchdogLatencyMs: pick('watchdogLatencyMs'),
    tripToSeenMs: pick('seenAfterMs'),
    tripToRunEndedMs: pick('runEndedMs'),
    boundMs: round3(boundMs),
    tripsOverBound: samples.filter((s) => s.heaterOffMs > boundMs).length,
  };
}

const startedAt = new Date().toISOString();
const loadAtStart = loadavg().map((x) => x.toFixed(2));
const results = [];
for (const mode of MODES) {
  const rig = mode === 'tcp' ? await tcpRig() : await inProcessRig();
  try {
    results.push(await measure(mode, rig));
  } finally {
    await rig.close();
  }
}
console.log(
  JSON.stringify(
    {
      startedAt,
      machine: `${cpus().length} x ${cpus()[0]?.model.trim()}, Node ${process.version}`,
      loadAverage: { start: loadAtStart, end: loadavg().map((x) => x.toFixed(2)) },
      results,
    },
    null,
    2,
  ),
);
