// npm run bench:run-stream — live-stream fan-out (docs/runs.md, "Live stream"): BENCH_SUBSCRIBERS
// clients (50) follow one run over Server-Sent Events on a real socket while spectrum events (a
// decimated spectrum of BENCH_POINTS points) are appended at BENCH_RATE per second (10) for
// BENCH_DURATION_S seconds; the baseline is one subscriber, same run of the script. Lag = time from
// the append's commit to a client having parsed the event. Server, producer and clients share this
// process (and its one CPU), so the figures include the clients' own parsing. PGlite by default;
// TEST_DATABASE_URL (`source .ci/postgres.sh && pg_up`) runs it on PostgreSQL.
import { cpus, loadavg } from 'node:os';
import { sql } from 'drizzle-orm';
import { queryRows } from '../apps/lab/src/db/client.ts';
import { appendRunEvent, lockRun } from '../apps/lab/src/modules/runs/events.ts';
import { testLab, userWithRole } from '../apps/lab/src/testing/lab-app.ts';
import { exampleNamed, testRig, testWorkflow } from '../apps/lab/src/testing/run-fixtures.ts';

const SUBSCRIBERS = Number(process.env['BENCH_SUBSCRIBERS'] ?? 50);
const RATE = Number(process.env['BENCH_RATE'] ?? 10);
const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 10);
const POINTS = Number(process.env['BENCH_POINTS'] ?? 256);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
const ms = (x: number) => Math.round(x * 10) / 10;

const lab = await testLab();
const admin = await userWithRole(lab, 'admin');
const author = await userWithRole(lab, 'scientist');
const approver = await userWithRole(lab, 'scientist');
const tech = await userWithRole(lab, 'technician');
const rig = await testRig(lab, admin, 'B');
await testWorkflow(lab, author, approver, exampleNamed('bench'));
const base = await lab.app.listen({ port: 0, host: '127.0.0.1' });

async function newRun(): Promise<{ runId: string; id: string }> {
  const res = await lab.app.inject({
    method: 'POST',
    url: '/api/runs',
    headers: tech.auth,
    payload: { workflow: 'bench', devices: rig, seed: 1 },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  const runId: string = res.json().run_id;
  const [row] = await queryRows<{ id: string }>(
    lab.database.db,
    sql`SELECT id FROM workflow_executions WHERE run_id = ${runId}`,
  );
  return { runId, id: row!.id };
}

/** Follows the stream to its end, noting when each event's frame was parsed. */
async function subscribe(runId: string, seen: Map<number, number>[]): Promise<void> {
  const received = new Map<number, number>();
  seen.push(received);
  const res = await fetch(`${base}/api/runs/${runId}/events`, {
    headers: { ...tech.auth, accept: 'text/event-stream' },
  });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut = buffer.indexOf('\n\n');
    while (cut >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      cut = buffer.indexOf('\n\n');
      const data = frame.split('\n').find((l) => l.startsWith('data: '));
      if (data) {
        const event = JSON.parse(data.slice(6)) as { seq: number };
        received.set(event.seq, performance.now());
      }
    }
  }
}

async function measure(subscribers: number) {
  const { runId, id } = await newRun();
  const seen: Map<number, number>[] = [];
  const clients = Array.from({ length: subscribers }, () => subscribe(runId, seen));
  while (lab.app.lab.runs.streams.size < subscribers) await new Promise((r) => setTimeout(r, 10));
  const committed = new Map<number, number>();
  const spectrum = Array.from({ length: POINTS }, (_, i) => Math.round(1000 + 500 * Math.sin(i / 9)));
  const append = async (type: string, payload: Record<string, unknown>) => {
    const seq = await lab.app.lab.uow.write(async (tx) => {
      await lockRun(tx, id);
      return appendRunEvent(tx, id, { type, payload });
    });
    committed.set(seq, performance.now());
    lab.app.lab.runs.signals.notify(id);
  };
  const start = performance.now();
  const total = RATE * DURATION_S;
  for (let n = 0; n < total; n++) {
    const due = start + (n * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await append('spectrum', { n, decimated: { shift_cm1_start: 200, step_cm1: 4, intensities: spectrum } });
  }
  await append('finished', { status: 'completed' });
  await Promise.all(clients);
  const lags: number[] = [];
  let missing = 0;
  for (const received of seen) {
    for (const [seq, at] of committed) {
      const got = received.get(seq);
      if (got === undefined) missing++;
      else lags.push(got - at);
    }
  }
  lags.sort((a, b) => a - b);
  return {
    subscribers,
    events: committed.size,
    missing,
    p50: percentile(lags, 50),
    p99: percentile(lags, 99),
  };
}

const results = [await measure(1), await measure(SUBSCRIBERS)];
const db = process.env['TEST_DATABASE_URL'] ? 'PostgreSQL' : 'PGlite';
console.log(
  `${new Date().toISOString().slice(0, 16)} UTC, ${cpus().length} x ${cpus()[0]?.model.trim()}, Node ${process.version}, load ${loadavg()[0]!.toFixed(1)}, ${db}, ${RATE}/s for ${DURATION_S} s, ${POINTS} points per spectrum`,
);
console.log('| subscribers | events each | missing | lag p50 | lag p99 |');
console.log('|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.subscribers} | ${r.events} | ${r.missing} | ${ms(r.p50)} ms | ${ms(r.p99)} ms |`);
}
// testLab's response contract check loads its validator only under Vitest; here it reports that it
// could not check, which says nothing about the responses.
await lab.close().catch(() => undefined);
