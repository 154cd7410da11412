import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bind } from './bind.ts';
import { BUILT_IN_CLASSIFIERS } from './classifiers/peak-ratio.ts';
import { ManualClock } from './clock.ts';
import type { Checkpoint, EngineContext, EngineEvent, RunResult } from './commands.ts';
import { compile } from './compile.ts';
import type { LeafStep, Step, WorkflowDefinition } from './definition.ts';
import { type EngineOptions, runWorkflow } from './interpreter.ts';
import { parseDefinition } from './parse.ts';
import { createSimulatedReactor } from './simulators/create-simulated-reactor.ts';

/** Compile and bind a definition made of these steps (no parameters unless given). */
function commandsOf(steps: Step[], parameters: WorkflowDefinition['parameters'] = [], values = {}) {
  const definition: WorkflowDefinition = {
    schema_version: 1,
    name: 'test',
    title: 'Test',
    parameters,
    steps,
  };
  const bound = bind(compile(definition).commands, parameters, values);
  if (!bound.ok) throw new Error(JSON.stringify(bound.errors));
  return bound.commands;
}

/** The simulated reactor on a manual clock, and an engine context that keeps every event in memory. */
function rig(seed = 17, cosmicRatePerS?: number) {
  const clock = new ManualClock();
  const detector = cosmicRatePerS === undefined ? {} : { cosmicRatePerS };
  const sim = createSimulatedReactor({ seed, clock, epochMs: 0, detector });
  const events: EngineEvent[] = [];
  const abort = new AbortController();
  const ctx: EngineContext = {
    devices: sim.devices,
    clock,
    classifiers: BUILT_IN_CLASSIFIERS,
    record: async (event) => {
      events.push(event);
    },
    awaitHumanInput: async () => ({ confirmedBy: 'technician', signatureId: 'sig-1' }),
    abortSignal: abort.signal,
    pauseGate: async () => {},
  };
  return { clock, sim, events, abort, ctx };
}

/** Move experiment time on whenever the run sleeps, one experiment second at a time, until stopped. */
function autoAdvance(clock: ManualClock) {
  let on = true;
  const loop = (async () => {
    while (on) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (clock.pendingSleeps > 0) await clock.advance(1000);
    }
  })();
  return async () => {
    on = false;
    await loop;
  };
}

async function runAdvancing(
  r: ReturnType<typeof rig>,
  commands: ReturnType<typeof commandsOf>,
  start: Checkpoint = { pc: 0, iterations: {} },
  options: Partial<EngineOptions> = {},
): Promise<RunResult> {
  const stop = autoAdvance(r.clock);
  try {
    return await runWorkflow(commands, start, r.ctx, options);
  } finally {
    await stop();
  }
}

/** Poll for a condition (no fixed sleep: a busy machine only makes it slower). */
async function until(condition: () => boolean, what: string, limitMs = 120_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const stepsOf = (events: EngineEvent[]) =>
  events.flatMap((e) => (e.type === 'step_started' || e.type === 'step_ended' ? [e] : []));
const started = (events: EngineEvent[]) => events.flatMap((e) => (e.type === 'step_started' ? [e.pc] : []));
const labels = (events: EngineEvent[]) =>
  events.flatMap((e) => (e.type === 'classified' ? [e.result.label] : []));

const look = (id: string): LeafStep[] => [
  { id: `${id}_spectrum`, type: 'acquire_spectrum', integration_time_ms: 1000 },
  { id, type: 'classify', classifier: 'peak_ratio' },
];

describe('runWorkflow on the simulated reactor', () => {
  it('runs a cooling crystallization end to end: ordered events, a checkpoint per step, Form I then Form II', async () => {
    const r = rig();
    const commands = commandsOf(
      [
        { id: 'heat', type: 'set_temperature', setpoint_c: { param: 'start_c' } },
        { id: 'dissolve', type: 'hold', seconds: 300, tolerance_c: 1 },
        { id: 'cool', type: 'ramp_temperature', target_c: 30, rate_c_per_min: { param: 'rate' } },
        ...look('early'),
        { id: 'cool_more', type: 'ramp_temperature', target_c: 5, rate_c_per_min: { param: 'rate' } },
        {
          id: 'watch',
          type: 'repeat_until',
          max_iterations: 40,
          until: { classified_as: { step: 'identify', label: 'form_ii', min_confidence: 0.8 } },
          steps: [...look('identify'), { id: 'pause', type: 'wait', seconds: 120 }],
        },
        { id: 'signal', type: 'set_output', output: 'digital', line: 0, value: true },
        { id: 'confirm', type: 'human_input', prompt: 'Filter the slurry', signature_meaning: 'performed' },
      ],
      [
        { name: 'start_c', type: 'number', unit: 'degC', minimum: 20, maximum: 90, default: 70 },
        { name: 'rate', type: 'number', unit: 'degC/min', minimum: 0.1, maximum: 5 },
      ],
      { rate: 1 },
    );
    const result = await runAdvancing(r, commands);
    expect(result).toEqual({ status: 'completed', checkpoint: { pc: commands.length, iterations: {} } });

    // every step: started, then ended 'completed' with the next checkpoint, strictly in turn
    const steps = stepsOf(r.events);
    for (let i = 0; i < steps.length; i += 2) {
      const [s, e] = [steps[i]!, steps[i + 1]!];
      expect(s.type).toBe('step_started');
      expect(e).toMatchObject({ type: 'step_ended', pc: s.pc, stepId: s.stepId, outcome: 'completed' });
      if (e.type === 'step_ended' && i + 2 < steps.length) expect(steps[i + 2]!.pc).toBe(e.next.pc);
    }
    const loopIterations = steps.filter((s) => s.stepId === 'watch' && s.op === 'loop_until').length / 2;
    expect(loopIterations).toBeGreaterThan(1);
    expect(started(r.events).slice(0, 7)).toEqual([0, 1, 2, 3, 4, 5, 6]);

    // the ramp lasted |target - start| / rate in experiment time; the hold settled within tolerance
    const ended = (id: string) => steps.find((s) => s.type === 'step_ended' && s.stepId === id);
    const cool = ended('cool');
    const summary = cool?.type === 'step_ended' ? cool.summary : null;
    if (typeof summary !== 'object' || summary === null || Array.isArray(summary)) throw new Error('no ramp');
    const fromC = summary['fromC'];
    if (typeof fromC !== 'number') throw new Error('no ramp start');
    expect(summary).toMatchObject({ targetC: 30, rateCPerMin: 1 });
    expect(summary['durationS']).toBeCloseTo(Math.abs(30 - fromC) * 60, 6);
    expect(ended('dissolve')).toMatchObject({ summary: { setpointC: 70, toleranceC: 1 } });

    // the spectra show Form I first, then Form II; the loop stopped on the classifier's result
    const seen = labels(r.events);
    expect(seen[0]).toBe('form_i');
    expect(seen.at(-1)).toBe('form_ii');
    expect(seen.indexOf('form_ii')).toBe(seen.length - 1);
    const lastUntil = steps.filter((s) => s.type === 'step_ended' && s.op === 'loop_until').at(-1);
    expect(lastUntil).toMatchObject({ summary: { met: true, iteration: loopIterations } });

    // the loop's body events carry their iteration; temperature was sampled throughout
    const bodyStarts = steps.filter((s) => s.type === 'step_started' && s.stepId === 'identify');
    expect(bodyStarts.map((s) => s.iteration)).toEqual(
      Array.from({ length: loopIterations }, (_, k) => k + 1),
    );
    const temperatures = r.events.flatMap((e) => (e.type === 'temperature' ? [e.celsius] : []));
    expect(temperatures.length).toBeGreaterThan(60 * 12); // > 60 min of 5-s samples
    expect(Math.min(...temperatures)).toBeLessThan(6);
    expect(
      r.events
        .filter((e) => e.type === 'spectrum')
        .every((e) => e.type === 'spectrum' && e.reading.simulated),
    ).toBe(true);
    expect((await r.sim.devices.daq.readDigital(0)).value).toBe(true);
    expect(steps.at(-1)).toMatchObject({
      stepId: 'confirm',
      summary: { confirmedBy: 'technician', signatureId: 'sig-1' },
    });
  });

  it('runs the published cooling-crystallization example with its default parameters, stopping on Form II', async () => {
    const source = readFileSync(
      new URL('../../../docs/examples/cooling-crystallization.yaml', import.meta.url),
      'utf8',
    );
    const parsed = parseDefinition(source, 'yaml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.faults));
    const bound = bind(compile(parsed.definition).commands, parsed.definition.parameters, {});
    if (!bound.ok) throw new Error(JSON.stringify(bound.errors));
    const r = rig(7);
    const result = await runAdvancing(r, bound.commands);
    expect(result).toEqual({
      status: 'completed',
      checkpoint: { pc: bound.commands.length, iterations: {} },
    });
    // its loop starts once the ramp has ended (2 h at 0.5 °C/min), when Form II has already formed
    expect(labels(r.events)).toEqual(['form_ii']);
    expect((await r.sim.devices.daq.readDigital(0)).value).toBe(false); // stirrer off at the end
  });

  const waitingWorkflow = () =>
    commandsOf([
      { id: 'heat', type: 'set_temperature', setpoint_c: 60 },
      { id: 'soak', type: 'wait', seconds: 3600 },
      { id: 'measure', type: 'acquire_spectrum', integration_time_ms: 500 },
      { id: 'settle', type: 'wait', seconds: 30 },
    ]);

  it('aborts mid-wait at the unfinished step’s checkpoint, heater off; a resume re-runs only that step', async () => {
    const r = rig();
    const commands = waitingWorkflow();
    const running = runWorkflow(commands, { pc: 0, iterations: {} }, r.ctx);
    await until(() => started(r.events).includes(1) && r.clock.pendingSleeps > 0, 'the wait to start');
    r.abort.abort('operator stop');
    const result = await running;
    expect(result).toEqual({
      status: 'aborted',
      checkpoint: { pc: 1, iterations: {} },
      reason: 'operator stop',
    });
    expect(stepsOf(r.events).at(-1)).toMatchObject({
      type: 'step_ended',
      pc: 1,
      outcome: 'aborted',
      next: { pc: 1, iterations: {} },
    });
    expect((await r.sim.devices.temperature_controller.readHeaterPower()).value).toBe(0);

    // resume in a fresh engine context on the same reactor, from the stored checkpoint
    const resumed = rig();
    resumed.ctx.devices = r.ctx.devices;
    resumed.ctx.clock = r.clock;
    resumed.clock = r.clock;
    const after = await runAdvancing(resumed, commands, result.checkpoint);
    expect(after).toEqual({ status: 'completed', checkpoint: { pc: 4, iterations: {} } });
    expect(started(resumed.events)).toEqual([1, 2, 3]);
  });

  it('an e-stop trip mid-run aborts the run and puts every device in safe state, with the latency measured', async () => {
    const r = rig();
    const running = runWorkflow(waitingWorkflow(), { pc: 0, iterations: {} }, r.ctx, {
      watchdog: { periodMs: 10 },
    });
    await until(() => started(r.events).includes(1) && r.clock.pendingSleeps > 0, 'the wait to start');
    expect((await r.sim.devices.temperature_controller.readHeaterPower()).value).toBeGreaterThan(0);
    r.sim.reactor.trip('estop');
    const result = await running;
    expect(result).toMatchObject({
      status: 'aborted',
      checkpoint: { pc: 1 },
      reason: 'interlock tripped: estop',
      trip: { lines: ['estop'] },
    });
    if (result.status !== 'aborted' || !result.trip) throw new Error('no trip');
    expect(result.trip.latencyMs).toBeGreaterThanOrEqual(0);
    expect(result.trip.safeStateAt).toBeGreaterThanOrEqual(result.trip.at);
    const tail = r.events.slice(-2);
    expect(tail[0]).toMatchObject({ type: 'interlock_tripped', lines: ['estop'], safeStateErrors: [] });
    expect(tail[1]).toMatchObject({ type: 'step_ended', pc: 1, outcome: 'aborted' });
    expect((await r.sim.devices.temperature_controller.readHeaterPower()).value).toBe(0);
  });

  it('a device refusing because of a trip the watchdog has not read yet still ends as the trip', async () => {
    const r = rig();
    let gates = 0;
    r.ctx.pauseGate = async () => {
      // the e-stop is pressed just before the second command, between two watchdog reads
      if (++gates === 2) r.sim.reactor.trip('estop');
    };
    const commands = commandsOf([
      { id: 'measure', type: 'acquire_spectrum', integration_time_ms: 100 },
      { id: 'heat', type: 'set_temperature', setpoint_c: 60 },
    ]);
    const result = await runAdvancing(r, commands, undefined, { watchdog: { periodMs: 500 } });
    expect(result).toMatchObject({ status: 'aborted', checkpoint: { pc: 1 }, trip: { lines: ['estop'] } });
    expect(stepsOf(r.events).at(-1)).toMatchObject({ stepId: 'heat', outcome: 'aborted' });
  });

  it('does not start a run while an interlock is tripped', async () => {
    const r = rig();
    r.sim.reactor.openDoor();
    const result = await runWorkflow(waitingWorkflow(), { pc: 0, iterations: {} }, r.ctx);
    expect(result).toMatchObject({ status: 'aborted', checkpoint: { pc: 0 }, trip: { lines: ['door'] } });
    expect(started(r.events)).toEqual([]);
    expect(r.events.map((e) => e.type)).toEqual(['interlock_tripped']);
  });

  it('bounds a repeat_until by max_iterations and fails with loop_max_iterations', async () => {
    const r = rig();
    // at 70 °C nothing crystallizes: the classifier says 'none' every time
    const commands = commandsOf([
      {
        id: 'watch',
        type: 'repeat_until',
        max_iterations: 3,
        until: { classified_as: { step: 'identify', label: 'form_ii' } },
        steps: look('identify'),
      },
    ]);
    const result = await runAdvancing(r, commands);
    expect(result).toMatchObject({
      status: 'failed',
      checkpoint: { pc: 3, iterations: { watch: 3 } },
      error: { code: 'loop_max_iterations' },
    });
    expect(labels(r.events)).toEqual(['none', 'none', 'none']);
    expect(stepsOf(r.events).at(-1)).toMatchObject({ op: 'loop_until', outcome: 'failed', iteration: 3 });
  });

  it('fails with a defined code: unknown classifier, a driver error, an unbound parameter', async () => {
    const unknown = rig();
    const noClassifier = commandsOf([
      ...look('x').slice(0, 1),
      { id: 'x', type: 'classify', classifier: 'nope' },
    ]);
    expect(await runAdvancing(unknown, noClassifier)).toMatchObject({
      status: 'failed',
      checkpoint: { pc: 1 },
      error: { code: 'unknown_classifier' },
    });

    const driver = rig();
    // the simulated spectrometer's longest exposure is 60 s
    const tooLong = commandsOf([{ id: 'm', type: 'acquire_spectrum', integration_time_ms: 120_000 }]);
    expect(await runAdvancing(driver, tooLong)).toMatchObject({
      status: 'failed',
      error: { code: 'out_of_range' },
    });
    expect(stepsOf(driver.events).at(-1)).toMatchObject({
      outcome: 'failed',
      summary: { error: { code: 'out_of_range' } },
    });

    const unbound = rig();
    const result = await runWorkflow(
      [{ stepId: 'w', op: 'wait', seconds: { param: 'p' } }],
      { pc: 0, iterations: {} },
      unbound.ctx,
    );
    expect(result).toMatchObject({ status: 'failed', error: { code: 'unbound_parameter' } });
  });

  it('fails a hold whose temperature leaves the tolerance after settling', async () => {
    const r = rig();
    const commands = commandsOf([
      { id: 'heat', type: 'set_temperature', setpoint_c: 70 },
      { id: 'hold', type: 'hold', seconds: 600, tolerance_c: 0.5 },
    ]);
    const running = runWorkflow(commands, { pc: 0, iterations: {} }, r.ctx);
    await until(() => started(r.events).includes(1) && r.clock.pendingSleeps > 0, 'the hold to start');
    await r.clock.advance(60_000); // settled at 70 °C
    r.sim.reactor.forceTemperature(75);
    await r.clock.advance(10_000);
    expect(await running).toMatchObject({
      status: 'failed',
      checkpoint: { pc: 1 },
      error: { code: 'hold_out_of_tolerance' },
    });
  });

  it('removes cosmic-ray spikes from periodic spectra and keeps the raw acquisition beside the cleaned one', async () => {
    const r = rig(5, 2);
    const commands = commandsOf([
      { id: 'm', type: 'acquire_spectrum', integration_time_ms: 2000, periodic: { every_s: 10, count: 5 } },
    ]);
    expect(await runAdvancing(r, commands)).toMatchObject({ status: 'completed' });
    const spectra = r.events.flatMap((e) => (e.type === 'spectrum' ? [e] : []));
    expect(spectra).toHaveLength(5);
    const cleaned = spectra.filter((e) => e.spikesRemoved > 0);
    expect(cleaned.length).toBeGreaterThan(0);
    for (const e of cleaned) expect(e.raw?.value.intensities).not.toEqual(e.reading.value.intensities);
    expect(stepsOf(r.events).at(-1)).toMatchObject({
      summary: { spectra: 5, spikesRemoved: spectra.reduce((n, e) => n + e.spikesRemoved, 0) },
    });
  });

  it('a resume restores the latest classifier result from the run’s earlier events', async () => {
    const commands = commandsOf([
      {
        id: 'watch',
        type: 'repeat_until',
        max_iterations: 5,
        until: { classified_as: { step: 'identify', label: 'form_ii' } },
        steps: look('identify'),
      },
    ]);
    const history: EngineEvent[] = [
      {
        type: 'classified',
        pc: 2,
        stepId: 'identify',
        result: { label: 'form_ii', confidence: 0.9, scores: {} },
      },
    ];
    // the process died after 'identify' completed in iteration 2: resume at loop_until
    const r = rig();
    const result = await runAdvancing(r, commands, { pc: 3, iterations: { watch: 2 } }, { history });
    expect(result).toEqual({ status: 'completed', checkpoint: { pc: 4, iterations: {} } });
    expect(stepsOf(r.events).at(-1)).toMatchObject({
      op: 'loop_until',
      iteration: 2,
      summary: { met: true },
    });
  });

  it('stops at the last stored checkpoint when an event cannot be stored', async () => {
    const r = rig();
    let stored = 0;
    r.ctx.record = async () => {
      if (++stored > 3) throw new Error('database unavailable');
    };
    const result = await runAdvancing(r, waitingWorkflow());
    // stored: heat started, heat ended (checkpoint pc 1), soak started; soak's first temperature failed
    expect(result).toMatchObject({ status: 'failed', error: { code: 'record_failed' } });
    expect(result.checkpoint).toEqual({ pc: 1, iterations: {} });
    expect((await r.sim.devices.temperature_controller.readHeaterPower()).value).toBe(0);
  });

  it('an abort while paused ends the run without starting the next step', async () => {
    const r = rig();
    r.ctx.pauseGate = () => new Promise<void>(() => {});
    const running = runWorkflow(waitingWorkflow(), { pc: 2, iterations: {} }, r.ctx);
    r.abort.abort('stopped while paused');
    expect(await running).toEqual({
      status: 'aborted',
      checkpoint: { pc: 2, iterations: {} },
      reason: 'stopped while paused',
    });
    expect(r.events).toEqual([]);
  });

  it('waits at the pause gate between commands', async () => {
    const r = rig();
    let release: () => void = () => {};
    let paused = true;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    r.ctx.pauseGate = () => (paused ? gate : Promise.resolve());
    const running = runWorkflow(waitingWorkflow().slice(0, 1), { pc: 0, iterations: {} }, r.ctx);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.events).toEqual([]);
    paused = false;
    release();
    expect(await running).toMatchObject({ status: 'completed' });
    expect(started(r.events)).toEqual([0]);
  });
});
