// npm run bench:engine-steps — the interpreter's own cost per step, without a database: a workflow of
// BENCH_STEPS `wait 0` steps through the real runWorkflow on the in-process simulated reactor, recording
// every event in memory. Baselines from the same run, interleaved round by round: BENCH_STEPS awaited
// no-op async calls, and runWorkflow of an empty command list (what starting a run costs: the watchdog's
// first interlock read). Per step = (run of N steps - empty run) / N. This is the lower bound for the
// lab's persisted, audited figure. Env: BENCH_STEPS (default 1000), BENCH_ROUNDS (default 30).
import { cpus, loadavg } from 'node:os';
import { bind } from '../packages/run-engine/src/bind.ts';
import { BUILT_IN_CLASSIFIERS } from '../packages/run-engine/src/classifiers/peak-ratio.ts';
import type { Command, EngineContext, EngineEvent } from '../packages/run-engine/src/commands.ts';
import { compile } from '../packages/run-engine/src/compile.ts';
import type { WorkflowDefinition } from '../packages/run-engine/src/definition.ts';
import { runWorkflow } from '../packages/run-engine/src/interpreter.ts';
import { createSimulatedReactor } from '../packages/run-engine/src/simulators/create-simulated-reactor.ts';

const STEPS = Number(process.env['BENCH_STEPS'] ?? 1000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 30);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const min = (xs: number[]) => Math.min(...xs);
const round2 = (x: number) => Math.round(x * 100) / 100;

const definition: WorkflowDefinition = {
  schema_version: 1,
  name: 'engine_steps_bench',
  title: `${STEPS} waits of 0 s`,
  parameters: [],
  steps: Array.from({ length: STEPS }, (_, i) => ({ id: `w${i}`, type: 'wait' as const, seconds: 0 })),
};
const bound = bind(compile(definition).commands, [], {});
if (!bound.ok) throw new Error(JSON.stringify(bound.errors));
const commands = bound.commands;

const { devices, clock } = createSimulatedReactor({ seed: 1, acceleration: 1 });

/** One run through the real interpreter; answers its wall ms and checks every step ran. */
async function engineRun(cmds: readonly Command[]): Promise<number> {
  const events: EngineEvent[] = [];
  const ctx: EngineContext = {
    devices,
    clock,
    classifiers: BUILT_IN_CLASSIFIERS,
    record: async (event) => {
      events.push(event);
    },
    awaitHumanInput: () => Promise.reject(new Error('no human input here')),
    abortSignal: new AbortController().signal,
    pauseGate: async () => {},
  };
  const t = performance.now();
  const result = await runWorkflow(cmds, { pc: 0, iterations: {} }, ctx);
  const ms = performance.now() - t;
  const ended = events.filter((e) => e.type === 'step_ended' && e.outcome === 'completed').length;
  if (result.status !== 'completed' || ended !== cmds.length)
    throw new Error(`run ${result.status} with ${ended} of ${cmds.length} steps ended`);
  return ms;
}

const sink: number[] = [];
async function noop(i: number): Promise<void> {
  sink.push(i);
}
async function awaitedNoops(n: number): Promise<number> {
  sink.length = 0;
  const t = performance.now();
  for (let i = 0; i < n; i++) await noop(i);
  return performance.now() - t;
}

const startedAt = new Date().toISOString();
const loadAtStart = loadavg().map((x) => x.toFixed(2));
for (let i = 0; i < 3; i++) {
  await engineRun(commands);
  await engineRun([]);
  await awaitedNoops(STEPS);
}
const full: number[] = [];
const empty: number[] = [];
const noops: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  // rotate the order so machine noise falls on every variant alike
  const variants = [
    async () => full.push(await engineRun(commands)),
    async () => empty.push(await engineRun([])),
    async () => noops.push(await awaitedNoops(STEPS)),
  ];
  for (let k = 0; k < variants.length; k++) await variants[(r + k) % variants.length]!();
}
const perStepUs = (xs: number[], base: number) =>
  round2(((xs.length ? median(xs) : 0) - base) * (1000 / STEPS));
const emptyMedian = median(empty);
const result = {
  startedAt,
  machine: `${cpus().length} x ${cpus()[0]?.model.trim()}, Node ${process.version}`,
  loadAverage: { start: loadAtStart, end: loadavg().map((x) => x.toFixed(2)) },
  steps: STEPS,
  rounds: ROUNDS,
  engineRunMs: { median: round2(median(full)), best: round2(min(full)) },
  emptyRunMs: { median: round2(emptyMedian), best: round2(min(empty)) },
  awaitedNoopsMs: { median: round2(median(noops)), best: round2(min(noops)) },
  engineUsPerStep: perStepUs(full, emptyMedian),
  noopUsPerCall: perStepUs(noops, 0),
  ratio: round2((median(full) - emptyMedian) / median(noops)),
};
console.log(JSON.stringify(result, null, 2));
await Promise.all(Object.values(devices).map((d) => d.close()));
