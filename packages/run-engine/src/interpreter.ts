/**
 * The interpreter: runs bound commands strictly in order from a checkpoint, through the devices only.
 * Each command records step_started, does its work, then step_ended with the next checkpoint; every
 * record is awaited, so a stored step_ended is a checkpoint and a resumed run re-runs exactly the step
 * that did not finish. Between commands it waits at the pause gate. An abort (operator or interlock
 * watchdog) cancels the current command through its AbortSignal; the run ends 'aborted' at the
 * checkpoint of the unfinished step, with every device put in its safe state. Any other error fails
 * the run with a defined code (a driver's own code, a guardrail's, or one of ENGINE_ERROR_CODES).
 */
import { boundNumber, UnboundParameterError } from './bind.ts';
import { cancellableDelay } from './clock.ts';
import type { Checkpoint, Command, EngineContext, EngineEvent, Json, RunResult } from './commands.ts';
import { evaluateCondition, RunMemory } from './conditions.ts';
import { DriverError } from './drivers.ts';
import { checkSpectrum, DEFAULT_GUARDRAIL_OPTIONS, type GuardrailOptions } from './guardrails.ts';
import {
  DEFAULT_WATCHDOG_OPTIONS,
  type InterlockTrip,
  putInSafeState,
  startWatchdog,
  type TripDetected,
  type WatchdogOptions,
} from './watchdog.ts';

export const ENGINE_ERROR_CODES = [
  'loop_max_iterations', // a repeat_until reached max_iterations without its condition holding
  'unknown_classifier', // a classify step names no registered classifier
  'no_spectrum', // a classify step ran before any spectrum was acquired
  'hold_out_of_tolerance', // a hold left tolerance_c after settling, or never settled
  'invalid_command', // a command the devices cannot carry out (e.g. a boolean on an analog output)
  'unbound_parameter', // a parameter reference was not resolved by bind()
  'record_failed', // the host could not store an event: the run stops at its last checkpoint
  'engine_error', // anything else (a classifier that threw, a bug)
] as const;
export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];

export class EngineFailure extends Error {
  override readonly name = 'EngineFailure';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface EngineOptions {
  watchdog: Partial<WatchdogOptions>;
  /** Experiment seconds between temperature samples while a wait, hold, ramp or periodic acquisition runs. */
  temperatureEveryS: number;
  guardrails: GuardrailOptions;
  /**
   * The events a resumed run recorded before its checkpoint: they restore the latest spectrum and each
   * classify step's latest result. Timed histories (slope_below) restart: the interruption broke them.
   */
  history: readonly EngineEvent[];
}

const DEFAULTS: EngineOptions = {
  watchdog: {},
  temperatureEveryS: 5,
  guardrails: DEFAULT_GUARDRAIL_OPTIONS,
  history: [],
};

class RecordFailed extends Error {}

/** The step being run, as its events name it. */
interface StepRef {
  pc: number;
  stepId: string;
  op: Command['op'];
  iteration: number | null;
}

interface StepDone {
  summary: Json;
  next: Checkpoint;
}

/** Everything a command's execution reads. */
interface Exec {
  ctx: EngineContext;
  signal: AbortSignal;
  memory: RunMemory;
  options: EngineOptions;
  commands: readonly Command[];
  pc: number;
  emit(event: EngineEvent): Promise<void>;
}

export async function runWorkflow(
  commands: readonly Command[],
  start: Checkpoint,
  ctx: EngineContext,
  engineOptions: Partial<EngineOptions> = {},
): Promise<RunResult> {
  const options = { ...DEFAULTS, ...engineOptions };
  const unbound = findUnbound(commands);
  if (unbound) return failed(start, 'unbound_parameter', `parameter '${unbound}' was not bound`);

  const run = new AbortController();
  const onAbort = () => run.abort(ctx.abortSignal.reason);
  ctx.abortSignal.addEventListener('abort', onAbort, { once: true });
  if (ctx.abortSignal.aborted) onAbort();
  const aborted = new Promise<void>((resolve) =>
    run.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  const watchdog = startWatchdog(ctx.devices, () => run.abort('interlock'), options.watchdog);
  const memory = memoryFor(commands, options.history);
  const emit = async (event: EngineEvent) => {
    await record(ctx, event);
    memory.observe(event, ctx.clock.now());
  };

  let cp: Checkpoint = { pc: start.pc, iterations: { ...start.iterations } };
  let current: StepRef | null = null;
  try {
    await Promise.race([watchdog.ready, aborted]);
    while (cp.pc < commands.length && !run.signal.aborted) {
      await Promise.race([ctx.pauseGate(), aborted]);
      if (run.signal.aborted) break;
      const command = commands[cp.pc]!;
      current = { pc: cp.pc, stepId: command.stepId, op: command.op, iteration: iterationAt(commands, cp) };
      await record(ctx, { type: 'step_started', ...current });
      const exec: Exec = { ctx, signal: run.signal, memory, options, commands, pc: cp.pc, emit };
      const done = await execute(command, cp, exec);
      await record(ctx, {
        type: 'step_ended',
        ...current,
        outcome: 'completed',
        summary: done.summary,
        next: done.next,
      });
      current = null;
      cp = done.next;
    }
    if (!run.signal.aborted) return { status: 'completed', checkpoint: cp };
    return await endAborted(ctx, cp, current, watchdog.trip(), watchdog.tripped);
  } catch (error) {
    if (error instanceof RecordFailed) {
      await putInSafeState(ctx.devices);
      return failed(cp, 'record_failed', errorMessage(error.cause));
    }
    if (error instanceof DriverError && error.code === 'interlock') {
      // a device refused because an interlock is tripped: the watchdog sees it at its next read, and
      // the run ends as the trip it is, not as a device failure
      const wd = { ...DEFAULT_WATCHDOG_OPTIONS, ...options.watchdog };
      const waited = new AbortController();
      await Promise.race([aborted, cancellableDelay(wd.periodMs + wd.readTimeoutMs, waited.signal)]);
      waited.abort();
    }
    if (run.signal.aborted) return await endAborted(ctx, cp, current, watchdog.trip(), watchdog.tripped);
    return await endFailed(ctx, cp, current, classify(error));
  } finally {
    ctx.abortSignal.removeEventListener('abort', onAbort);
    await watchdog.stop();
  }
}

/** The run was aborted: record the trip (if any) and the unfinished step, put devices in safe state. */
async function endAborted(
  ctx: EngineContext,
  cp: Checkpoint,
  current: StepRef | null,
  detected: TripDetected | null,
  tripped: Promise<InterlockTrip>,
): Promise<RunResult> {
  try {
    if (detected) {
      // the watchdog put the devices in safe state; wait for its report so the event carries the latency
      const trip = await tripped;
      await record(ctx, {
        type: 'interlock_tripped',
        lines: trip.lines,
        at: trip.detectedAt,
        safeStateAt: trip.safeStateAt,
        latencyMs: trip.latencyMs,
        safeStateErrors: trip.safeStateErrors,
      });
      const reason = `interlock tripped: ${trip.lines.join(', ')}`;
      if (current) await endStep(ctx, cp, current, 'aborted', { reason });
      const { lines, detectedAt: at, safeStateAt, latencyMs } = trip;
      return { status: 'aborted', checkpoint: cp, reason, trip: { lines, at, safeStateAt, latencyMs } };
    }
    await putInSafeState(ctx.devices);
    const reason =
      typeof ctx.abortSignal.reason === 'string' ? ctx.abortSignal.reason : 'aborted by the operator';
    if (current) await endStep(ctx, cp, current, 'aborted', { reason });
    return { status: 'aborted', checkpoint: cp, reason };
  } catch (error) {
    if (error instanceof RecordFailed) return failed(cp, 'record_failed', errorMessage(error.cause));
    throw error;
  }
}

/** The run failed: devices to safe state, the failed step recorded at its own checkpoint. */
async function endFailed(
  ctx: EngineContext,
  cp: Checkpoint,
  current: StepRef | null,
  error: { code: string; message: string },
): Promise<RunResult> {
  await putInSafeState(ctx.devices);
  try {
    if (current) await endStep(ctx, cp, current, 'failed', { error });
  } catch (e) {
    if (e instanceof RecordFailed) return failed(cp, 'record_failed', errorMessage(e.cause));
    throw e;
  }
  return failed(cp, error.code, error.message);
}

/** A step that did not complete ends at its own checkpoint: resuming runs it again. */
async function endStep(
  ctx: EngineContext,
  cp: Checkpoint,
  step: StepRef,
  outcome: 'failed' | 'aborted',
  summary: Json,
): Promise<void> {
  await record(ctx, { type: 'step_ended', ...step, outcome, summary, next: cp });
}

async function record(ctx: EngineContext, event: EngineEvent): Promise<void> {
  try {
    await ctx.record(event);
  } catch (cause) {
    throw new RecordFailed('record failed', { cause });
  }
}

const failed = (checkpoint: Checkpoint, code: string, message: string): RunResult => ({
  status: 'failed',
  checkpoint,
  error: { code, message },
});

function classify(error: unknown): { code: string; message: string } {
  if (error instanceof EngineFailure || error instanceof DriverError)
    return { code: error.code, message: error.message };
  if (error instanceof UnboundParameterError) return { code: 'unbound_parameter', message: error.message };
  return { code: 'engine_error', message: errorMessage(error) };
}

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

// --- the commands --------------------------------------------------------------------------------

async function execute(c: Command, cp: Checkpoint, x: Exec): Promise<StepDone> {
  const next = (summary: Json): StepDone => ({ summary, next: { pc: cp.pc + 1, iterations: cp.iterations } });
  const { devices } = x.ctx;
  const opts = { signal: x.signal };
  switch (c.op) {
    case 'set_temperature': {
      const setpointC = boundNumber(c.setpointC);
      await devices.temperature_controller.setRampRate(null, opts);
      await devices.temperature_controller.setSetpoint(setpointC, opts);
      return next({ setpointC });
    }
    case 'ramp_temperature':
      return next(await ramp(boundNumber(c.targetC), boundNumber(c.rateCPerMin), x));
    case 'acquire_spectrum':
      return next(await acquire(c, x));
    case 'wait': {
      const seconds = boundNumber(c.seconds);
      await sleepSampling(seconds * 1000, x);
      return next({ seconds });
    }
    case 'hold':
      return next(await hold(boundNumber(c.seconds), c.toleranceC, x));
    case 'classify':
      return next(await classifyLatest(c, x));
    case 'set_output':
      return next(await setOutput(c, x));
    case 'human_input': {
      const answer = await x.ctx.awaitHumanInput(c, x.signal);
      return next({ confirmedBy: answer.confirmedBy, signatureId: answer.signatureId });
    }
    case 'loop_begin':
      return {
        summary: { maxIterations: c.maxIterations },
        next: { pc: cp.pc + 1, iterations: { ...cp.iterations, [c.stepId]: 1 } },
      };
    case 'loop_until':
      return loopUntil(c, cp, x);
  }
}

function loopUntil(c: Extract<Command, { op: 'loop_until' }>, cp: Checkpoint, x: Exec): StepDone {
  const iteration = cp.iterations[c.stepId] ?? 1;
  const { met, observed } = evaluateCondition(c.condition, x.memory, x.ctx.clock.now());
  const summary = { iteration, met, observed };
  if (met) {
    const { [c.stepId]: _, ...outer } = cp.iterations;
    return { summary, next: { pc: cp.pc + 1, iterations: outer } };
  }
  const begin = x.commands[c.beginIndex];
  const max = begin?.op === 'loop_begin' ? begin.maxIterations : 0;
  if (iteration >= max) {
    throw new EngineFailure(
      'loop_max_iterations',
      `'${c.stepId}' ran ${iteration} of ${max} iterations without its condition holding (${JSON.stringify(observed)})`,
    );
  }
  return {
    summary,
    next: { pc: c.beginIndex + 1, iterations: { ...cp.iterations, [c.stepId]: iteration + 1 } },
  };
}

async function ramp(targetC: number, rateCPerMin: number, x: Exec) {
  const tc = x.ctx.devices.temperature_controller;
  const from = await tc.readTemperature({ signal: x.signal });
  await tc.setRampRate(rateCPerMin, { signal: x.signal });
  await tc.setSetpoint(targetC, { signal: x.signal });
  // the step lasts as long as the ramp takes in experiment time
  const durationS = (Math.abs(targetC - from.value) / rateCPerMin) * 60;
  await sleepSampling(durationS * 1000, x, targetC);
  return { fromC: from.value, targetC, rateCPerMin, durationS };
}

async function acquire(c: Extract<Command, { op: 'acquire_spectrum' }>, x: Exec) {
  const request = { integrationTimeMs: boundNumber(c.integrationTimeMs), averages: c.averages };
  const count = c.periodic?.count ?? 1;
  const everyMs = c.periodic ? boundNumber(c.periodic.everyS) * 1000 : 0;
  const startedAt = x.ctx.clock.now();
  let spikesRemoved = 0;
  for (let k = 0; k < count; k++) {
    // on a schedule from the first spectrum, so acquisition time does not add up as drift
    if (k > 0) await sleepSampling(startedAt + k * everyMs - x.ctx.clock.now(), x);
    const reading = await x.ctx.devices.spectrometer.acquire(request, { signal: x.signal });
    const checked = checkSpectrum(reading.value, x.options.guardrails);
    if (!checked.ok)
      throw new EngineFailure(checked.code, `spectrum ${k + 1} of ${count}: ${checked.message}`);
    spikesRemoved += checked.spikesRemoved;
    await x.emit({
      type: 'spectrum',
      pc: x.pc,
      stepId: c.stepId,
      reading: { ...reading, value: checked.spectrum },
      spikesRemoved: checked.spikesRemoved,
      ...(checked.spikesRemoved > 0 ? { raw: reading } : {}),
    });
  }
  return { spectra: count, spikesRemoved };
}

async function hold(seconds: number, toleranceC: number | null, x: Exec) {
  const setpoint = await x.ctx.devices.temperature_controller.readSetpoint({ signal: x.signal });
  const setpointC = setpoint.value;
  let settledAtS: number | null = null;
  let minC = Number.POSITIVE_INFINITY;
  let maxC = Number.NEGATIVE_INFINITY;
  const startedAt = x.ctx.clock.now();
  await sleepSampling(seconds * 1000, x, setpointC, (celsius) => {
    minC = Math.min(minC, celsius);
    maxC = Math.max(maxC, celsius);
    if (toleranceC === null) return;
    const inside = Math.abs(celsius - setpointC) <= toleranceC;
    if (inside && settledAtS === null) settledAtS = (x.ctx.clock.now() - startedAt) / 1000;
    if (!inside && settledAtS !== null) {
      throw new EngineFailure(
        'hold_out_of_tolerance',
        `${celsius} °C left ${setpointC} ± ${toleranceC} °C after settling`,
      );
    }
  });
  if (toleranceC !== null && settledAtS === null && seconds > 0) {
    throw new EngineFailure(
      'hold_out_of_tolerance',
      `never came within ${setpointC} ± ${toleranceC} °C in ${seconds} s`,
    );
  }
  const range = Number.isFinite(minC) ? { minC, maxC } : { minC: null, maxC: null };
  return { setpointC, seconds, toleranceC, settledAfterS: settledAtS, ...range };
}

async function classifyLatest(c: Extract<Command, { op: 'classify' }>, x: Exec) {
  const classifier = Object.hasOwn(x.ctx.classifiers, c.classifier)
    ? x.ctx.classifiers[c.classifier]
    : undefined;
  if (!classifier) throw new EngineFailure('unknown_classifier', `no classifier named '${c.classifier}'`);
  const spectrum = x.memory.latestSpectrum;
  if (!spectrum) throw new EngineFailure('no_spectrum', `'${c.stepId}' has no spectrum to classify yet`);
  const result = classifier(spectrum, c.options);
  const at = x.memory.latestSpectrumAt;
  await x.emit({
    type: 'classified',
    pc: x.pc,
    stepId: c.stepId,
    result,
    ...(at === null ? {} : { spectrumAt: at }),
  });
  const summary: { [key: string]: Json } = {
    label: result.label,
    confidence: result.confidence,
    scores: { ...result.scores },
  };
  if (result.fractions) {
    summary['fractions'] = Object.fromEntries(Object.entries(result.fractions).map(([k, f]) => [k, f.value]));
  }
  return summary;
}

async function setOutput(c: Extract<Command, { op: 'set_output' }>, x: Exec) {
  const daq = x.ctx.devices.daq;
  if (c.output === 'digital') {
    const high = typeof c.value === 'boolean' ? c.value : boundNumber(c.value) !== 0;
    await daq.writeDigital(c.line, high, { signal: x.signal });
    return { output: c.output, line: c.line, value: high };
  }
  if (typeof c.value === 'boolean')
    throw new EngineFailure('invalid_command', 'an analog output needs volts');
  const volts = boundNumber(c.value);
  await daq.writeAnalog(c.line, volts, { signal: x.signal });
  return { output: c.output, line: c.line, value: volts };
}

/**
 * Sleep `ms` of experiment time, reading the temperature every temperatureEveryS (a temperature
 * event each time; `onSample` may throw to fail the step). setpointC: the one to report, else read.
 */
async function sleepSampling(
  ms: number,
  x: Exec,
  setpointC?: number,
  onSample?: (celsius: number) => void,
): Promise<void> {
  if (ms <= 0) return;
  const tc = x.ctx.devices.temperature_controller;
  const setpoint = setpointC ?? (await tc.readSetpoint({ signal: x.signal })).value;
  const deadline = x.ctx.clock.now() + ms;
  for (let left = ms; left > 0; left = deadline - x.ctx.clock.now()) {
    await x.ctx.clock.sleep(Math.min(left, x.options.temperatureEveryS * 1000), x.signal);
    const reading = await tc.readTemperature({ signal: x.signal });
    await x.emit({
      type: 'temperature',
      celsius: reading.value,
      setpointC: setpoint,
      at: reading.at,
      simulated: reading.simulated,
    });
    onSample?.(reading.value);
  }
}

// --- positions -----------------------------------------------------------------------------------

/** The iteration of the loop enclosing pc (loop_begin and loop_until included), or null outside loops. */
function iterationAt(commands: readonly Command[], cp: Checkpoint): number | null {
  for (let i = cp.pc; i >= 0; i--) {
    const c = commands[i]!;
    if (c.op === 'loop_begin') return c.endIndex >= cp.pc ? (cp.iterations[c.stepId] ?? 1) : null;
    if (c.op === 'loop_until' && i < cp.pc) return null;
  }
  return null;
}

function memoryFor(commands: readonly Command[], history: readonly EngineEvent[]): RunMemory {
  const peakShifts: number[] = [];
  let horizonMs = 0;
  for (const c of commands) {
    if (c.op !== 'loop_until' || c.condition.kind !== 'slope_below') continue;
    if (c.condition.signal === 'peak' && c.condition.shiftCm1 !== null) peakShifts.push(c.condition.shiftCm1);
    horizonMs = Math.max(horizonMs, boundNumber(c.condition.overS) * 1000);
  }
  const memory = new RunMemory(peakShifts, horizonMs);
  memory.restore(history);
  return memory;
}

/** The first parameter still referenced by a command, if any. */
function findUnbound(value: unknown): string | null {
  if (Array.isArray(value)) {
    for (const v of value) {
      const found = findUnbound(v);
      if (found) return found;
    }
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  if ('param' in value && typeof value.param === 'string') return value.param;
  return findUnbound(Object.values(value));
}
