// npm run bench:runs-overhead — what the lab's engine costs per step once every step is persisted and
// audited: runs of `wait 0` steps executed by the real RunEngine (claimed from workflow_executions, each
// step's step_started/step_ended run events, run_steps row, checkpoint and audit events written in their
// own transactions), against plain audited inserts (one uow.write inserting one sample row and appending
// one audit event) on the same database in the same run: by default one run of a workflow of 1,000 steps
// per round. A run of one step, timed alike, gives the fixed cost of a run (claim, load, device
// connection, finish).
//
// Per database (PGlite in memory, and PostgreSQL given BENCH_DATABASE_URL or TEST_DATABASE_URL, e.g.
// `source .ci/postgres.sh && pg_up`) a child process runs the real lab app on a fresh migrated database
// (testLab), with the devices, users and effective workflow versions set up through the lab's routes
// (the engine tests' fixtures). Each round, in an order that rotates: the long run(s), the one-step run,
// and 2 x BENCH_STEPS x BENCH_RUNS audited inserts (as many transactions as the long runs' step records).
// A run is timed from its 'claimed' event to its 'finished' event (database clock).
// Env: BENCH_STEPS (steps per run, default 1000, at most 1000), BENCH_RUNS (runs per round, default 1),
// BENCH_ROUNDS (default 3), BENCH_DATABASES (default pglite, plus postgres given a URL).
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { buildApp } from '../apps/lab/src/app.ts';
import { queryRows } from '../apps/lab/src/db/client.ts';
import { RunEngine } from '../apps/lab/src/modules/runs/engine/run-engine.ts';
import {
  insertPendingRun,
  type RunFixture,
  runFixture,
} from '../apps/lab/src/modules/runs/engine/test-fixtures.ts';
import { ensureDefaultSite } from '../apps/lab/src/modules/sites/port.ts';
import { syncRolePermissions } from '../apps/lab/src/modules/users/service.ts';
import { generateServerKeyPair } from '../apps/lab/src/platform/signatures/server-key.ts';
import { TEST_CONFIG, type TestLab } from '../apps/lab/src/testing/lab-app.ts';
// reads TEST_DATABASE_URL when loaded: each child process is started with its database's
import { migratedDatabase } from '../apps/lab/src/testing/test-database.ts';
import { postgresCpuUs } from './proc-cpu.ts';

const PG_URL = process.env['BENCH_DATABASE_URL'] || process.env['TEST_DATABASE_URL'];
const STEPS = Number(process.env['BENCH_STEPS'] ?? 1000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 1);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const DATABASES = (process.env['BENCH_DATABASES'] ?? (PG_URL ? 'pglite,postgres' : 'pglite')).split(',');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
};
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const load1 = () => loadavg()[0]!.toFixed(2);

/** A workflow of `n` waits of 0 s, as YAML (the fixture renames it per call). */
const waitsWorkflow = (n: number) =>
  [
    'schema_version: 1',
    'name: runs-overhead',
    `title: ${n} waits of 0 s`,
    'parameters: []',
    'steps:',
    ...Array.from({ length: n }, (_, i) => `  - id: w${i}\n    type: wait\n    seconds: 0`),
  ].join('\n');

// ---------------------------------------------------------------- child: one database

interface RunTiming {
  steps: number;
  /** 'claimed' event -> 'finished' event, database clock. */
  claimToFinishedMs: number;
  /** This process's CPU (the engine and the app) from poke to the finish seen. */
  nodeCpuMs: number;
  /** The PostgreSQL cluster's CPU over the same span; null on PGlite (it runs inside this process). */
  pgCpuMs: number | null;
  /** Consecutive step starts (run_steps.started_at), ms: a step's whole cost, record to record. */
  intervalsMs: number[];
  /** A step's own row: started_at -> ended_at, ms. */
  openMs: number[];
}

type Inserts = Awaited<ReturnType<typeof auditedInserts>>;

async function child(kind: string): Promise<void> {
  const startedAt = new Date().toISOString();
  const lab = await benchLab();
  const uow = lab.app.lab.uow;
  const rows = <T>(q: ReturnType<typeof sql>) => uow.read((tx) => queryRows<T>(tx, q));
  const long = await runFixture(lab.app, { source: waitsWorkflow(STEPS) });
  const one = await runFixture(lab.app, { source: waitsWorkflow(1) });
  const engine = new RunEngine({
    uow,
    metrics: lab.app.lab.metrics,
    signals: lab.app.lab.runSignals,
    log: { debug() {}, info() {}, warn() {}, error() {} },
    leaseMs: 30_000,
    pollMs: 1000, // a new run is poked, not polled for
    maxRuns: 1,
    acceleration: 1,
  });
  engine.start();

  const runOnce = (f: RunFixture, steps: number) => engineRun(lab, engine, f, steps);
  let n = 0;
  const inserts = (count: number) => auditedInserts(lab, long, count, () => ++n);
  const durability = await settings(lab, kind);
  if (kind === 'postgres') await watchPostgresCpu(lab);

  // warm-up: JIT, pool, plan caches
  await runOnce(long, STEPS);
  await runOnce(one, 1);
  await inserts(2 * STEPS);

  const runs: RunTiming[] = [];
  const oneStep: RunTiming[] = [];
  const insertRounds: Inserts[] = [];
  const loads: string[] = [load1()];
  for (let r = 0; r < ROUNDS; r++) {
    const variants = [
      async () => {
        for (let i = 0; i < RUNS; i++) runs.push(await runOnce(long, STEPS));
      },
      async () => oneStep.push(await runOnce(one, 1)),
      async () => insertRounds.push(await inserts(2 * STEPS * RUNS)),
    ];
    // rotate the order so machine noise falls on every variant alike
    for (let k = 0; k < variants.length; k++) await variants[(r + k) % variants.length]!();
    loads.push(load1());
  }
  await engine.stop();

  const chain = await lab.app.lab.audit.verify();
  const [audited] = await rows<{ started: number; ended: number }>(
    sql`SELECT count(*) FILTER (WHERE action = 'run.step_started')::int AS started,
               count(*) FILTER (WHERE action = 'run.step_ended')::int AS ended FROM audit_events`,
  );
  await lab.close();
  const totals = { audited, auditChainValid: chain.valid, loads };
  process.send?.({
    database: kind,
    ...durability,
    startedAt,
    ...summarise(runs, oneStep, insertRounds, totals),
  });
}

/** Medians over the rounds, ratios, and the step-to-step spread of every long run. */
function summarise(
  runs: RunTiming[],
  oneStep: RunTiming[],
  insertRounds: Inserts[],
  totals: { audited: unknown; auditChainValid: boolean; loads: string[] },
) {
  // Per round: the round's long runs together (BENCH_RUNS x BENCH_STEPS steps) against its inserts.
  const perRound = insertRounds.map((ins, r) => {
    const rs = runs.slice(r * RUNS, (r + 1) * RUNS);
    const steps = rs.reduce((s, x) => s + x.steps, 0);
    const ms = rs.reduce((s, x) => s + x.claimToFinishedMs, 0);
    return {
      steps,
      engineMsPerStep: ms / steps,
      engineNodeCpuMsPerStep: rs.reduce((s, x) => s + x.nodeCpuMs, 0) / steps,
      insertMs: ins.ms / ins.count,
      insertNodeCpuMs: ins.nodeCpuMs / ins.count,
      enginePgCpuMsPerStep: sumOrNaN(rs.map((x) => x.pgCpuMs)) / steps,
      insertPgCpuMs: (ins.pgCpuMs ?? Number.NaN) / ins.count,
      oneStepRunMs: oneStep[r]!.claimToFinishedMs,
    };
  });
  const msPerStep = median(perRound.map((x) => x.engineMsPerStep));
  const msPerInsert = median(perRound.map((x) => x.insertMs));
  const oneStepMs = median(oneStep.map((x) => x.claimToFinishedMs));
  const longRunMs = median(runs.map((x) => x.claimToFinishedMs));
  const intervals = runs.flatMap((x) => x.intervalsMs);
  const open = runs.flatMap((x) => x.openMs);
  return {
    finishedAt: new Date().toISOString(),
    machine: `${cpus().length} x ${cpus()[0]?.model.trim()}, Node ${process.version}`,
    loadAverage1m: totals.loads,
    stepsPerRun: STEPS,
    runsPerRound: RUNS,
    rounds: ROUNDS,
    perRound: perRound.map((x) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, round3(v)]))),
    engineMsPerStep: round3(msPerStep),
    auditedInsertMs: round3(msPerInsert),
    ratioStepOverInsert: round3(msPerStep / msPerInsert),
    /** A step writes two transactions (step_started, step_ended): against two audited inserts. */
    ratioStepOverTwoInserts: round3(msPerStep / (2 * msPerInsert)),
    longRunMedianMs: round3(longRunMs),
    oneStepRunMedianMs: round3(oneStepMs),
    /** (long run - one-step run) / (steps - 1): a step without the run's fixed cost. */
    marginalMsPerStep: round3((longRunMs - oneStepMs) / (STEPS - 1)),
    engineNodeCpuMsPerStep: round3(median(perRound.map((x) => x.engineNodeCpuMsPerStep))),
    insertNodeCpuMs: round3(median(perRound.map((x) => x.insertNodeCpuMs))),
    enginePgCpuMsPerStep: round3(median(perRound.map((x) => x.enginePgCpuMsPerStep))),
    insertPgCpuMs: round3(median(perRound.map((x) => x.insertPgCpuMs))),
    stepIntervalMs: {
      p50: round3(percentile(intervals, 50)),
      p99: round3(percentile(intervals, 99)),
      max: round3(Math.max(...intervals)),
      n: intervals.length,
    },
    stepRowOpenMs: { p50: round3(percentile(open, 50)), p99: round3(percentile(open, 99)) },
    auditedStepEvents: totals.audited,
    auditChainValid: totals.auditChainValid,
  };
}

/**
 * The real app on a fresh migrated database, as testLab builds it but without the suite's response
 * contract check (a test's concern, not a cost to measure). On PostgreSQL the app connects as the
 * least-privilege role when TEST_APP_ROLE names one (`pg_up` does), as production does.
 */
async function benchLab(): Promise<TestLab> {
  const { database, superuser, cleanup } = await migratedDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'polymorph-bench-'));
  const app = await buildApp({
    dataDir,
    config: TEST_CONFIG,
    database,
    secrets: { tokenKey: new Uint8Array(randomBytes(32)), signingKey: generateServerKeyPair() },
  });
  await syncRolePermissions(app.lab.uow);
  await ensureDefaultSite(app.lab.uow);
  return {
    app,
    database,
    superuser,
    dataDir,
    close: async () => {
      await app.close();
      await cleanup();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Current durability settings: they change what every COMMIT costs, engine and baseline alike. */
async function settings(lab: TestLab, kind: string) {
  if (kind !== 'postgres') return { durability: 'PGlite in memory (memory://)' };
  const [row] = await lab.app.lab.uow.read((tx) =>
    queryRows<{ fsync: string; synchronous_commit: string; version: string }>(
      tx,
      sql`SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit,
                 current_setting('server_version') AS version`,
    ),
  );
  return {
    durability: `PostgreSQL ${row!.version}, fsync ${row!.fsync}, synchronous_commit ${row!.synchronous_commit}`,
  };
}

const TERMINAL = ['completed', 'failed', 'aborted', 'interrupted'];

const sumOrNaN = (xs: (number | null)[]) => xs.reduce<number>((a, x) => a + (x ?? Number.NaN), 0);

/** CPU µs of the PostgreSQL cluster the app talks to (its postmaster and children), or null. */
let postgresCpu: () => number | null = () => null;

/** Finds the cluster's postmaster (the parent of our backend): when it runs on this machine, counts its CPU. */
async function watchPostgresCpu(lab: TestLab): Promise<void> {
  const [row] = await lab.app.lab.uow.read((tx) =>
    queryRows<{ pid: number }>(tx, sql`SELECT pg_backend_pid() AS pid`),
  );
  try {
    const stat = readFileSync(`/proc/${row!.pid}/stat`, 'utf8');
    const postmaster = Number(stat.split(') ')[1]!.split(' ')[1]);
    if (postgresCpuUs(postmaster) !== null) postgresCpu = () => postgresCpuUs(postmaster);
  } catch {
    // PostgreSQL on another machine: no CPU figure for it
  }
}

/** Node's and PostgreSQL's CPU since the mark, ms. */
function cpuMark() {
  const node0 = process.cpuUsage();
  const pg0 = postgresCpu();
  return () => {
    const node = process.cpuUsage(node0);
    const pg1 = postgresCpu();
    return {
      nodeCpuMs: (node.user + node.system) / 1000,
      pgCpuMs: pg0 === null || pg1 === null ? null : (pg1 - pg0) / 1000,
    };
  };
}

/** One pending run, claimed and executed by the engine; checked to have completed every step. */
async function engineRun(lab: TestLab, engine: RunEngine, f: RunFixture, steps: number): Promise<RunTiming> {
  const { uow, runSignals } = lab.app.lab;
  const rows = <T>(q: ReturnType<typeof sql>) => uow.read((tx) => queryRows<T>(tx, q));
  const { id } = await insertPendingRun(f);
  const cpu = cpuMark();
  engine.poke();
  for (;;) {
    const [row] = await rows<{ status: string }>(
      sql`SELECT status FROM workflow_executions WHERE id = ${id}`,
    );
    if (TERMINAL.includes(row!.status)) {
      if (row!.status !== 'completed') throw new Error(`run ${id} ended ${row!.status}`);
      break;
    }
    await runSignals.wait(id, 200);
  }
  const used = cpu();
  const [span] = await rows<{ ms: number }>(
    sql`SELECT extract(epoch FROM f.created_at - c.created_at) * 1000 AS ms
          FROM run_events c JOIN run_events f ON f.execution_id = c.execution_id AND f.type = 'finished'
         WHERE c.execution_id = ${id} AND c.type = 'claimed'`,
  );
  const stepRows = await rows<{ started: number; open_ms: number; outcome: string }>(
    sql`SELECT extract(epoch FROM started_at) * 1000 AS started,
               extract(epoch FROM ended_at - started_at) * 1000 AS open_ms, outcome
          FROM run_steps WHERE execution_id = ${id} ORDER BY pc`,
  );
  const completed = stepRows.filter((s) => s.outcome === 'completed').length;
  if (completed !== steps) throw new Error(`run ${id}: ${completed} of ${steps} steps completed`);
  // created, claimed, finished, and a step_started and a step_ended per step: nothing else recorded
  const [events] = await rows<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM run_events WHERE execution_id = ${id}`,
  );
  if (events!.n !== 3 + 2 * steps) throw new Error(`run ${id}: ${events!.n} events for ${steps} steps`);
  const started = stepRows.map((s) => Number(s.started));
  return {
    steps,
    claimToFinishedMs: Number(span!.ms),
    ...used,
    intervalsMs: started.slice(1).map((t, i) => t - started[i]!),
    openMs: stepRows.map((s) => Number(s.open_ms)),
  };
}

/** `count` transactions, one after another, each inserting one sample and appending its audit event. */
async function auditedInserts(lab: TestLab, f: RunFixture, count: number, next: () => number) {
  const { uow } = lab.app.lab;
  const actor = { actor: f.operator.email, requestId: null, ip: null };
  const batch = randomBytes(3).toString('hex');
  const cpu = cpuMark();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const sampleId = `BENCH-${batch}-${next()}`;
    await uow.write(async (tx, audit) => {
      await tx.execute(
        sql`INSERT INTO samples (sample_id, name, quantity, unit, metadata, lab_id, created_by)
            VALUES (${sampleId}, ${'overhead bench'}, ${'10'}::numeric, ${'mL'},
                    ${JSON.stringify({ matrix: 'plasma' })}::jsonb, ${f.labId}, ${f.operator.email})`,
      );
      audit(actor, {
        action: 'sample.created',
        entityType: 'sample',
        entityId: sampleId,
        after: { sample_id: sampleId },
      });
    });
  }
  const ms = performance.now() - t0;
  return { ms, count, ...cpu() };
}

// ---------------------------------------------------------------- parent: one child per database

async function inChild(kind: string): Promise<Record<string, unknown>> {
  const env = { ...process.env };
  if (kind === 'postgres') {
    if (!PG_URL) throw new Error('postgres needs BENCH_DATABASE_URL or TEST_DATABASE_URL');
    env['TEST_DATABASE_URL'] = PG_URL;
  } else {
    delete env['TEST_DATABASE_URL'];
  }
  const proc = fork(new URL(import.meta.url), ['--child', kind], {
    execArgv: ['--import', 'tsx'],
    env,
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let result: Record<string, unknown> | undefined;
    proc.on('message', (m) => {
      result = m as Record<string, unknown>;
    });
    proc.once('exit', (code) =>
      result ? resolve(result) : reject(new Error(`${kind} bench exited ${code} without a result`)),
    );
  });
}

const at = process.argv.indexOf('--child');
if (at >= 0) {
  await child(process.argv[at + 1]!);
  process.exit(0);
} else {
  if (STEPS < 2 || STEPS > 1000)
    throw new Error('BENCH_STEPS must be 2 to 1000 (a definition holds at most 1,000 steps)');
  for (const kind of DATABASES) {
    const r = await inChild(kind);
    console.log(JSON.stringify(r, null, 2));
  }
}
