/**
 * Scoring replicas: POST /api/fraud/predict throughput and p50/p99 latency with customer histories in
 * each process (the baseline) against histories in Redis shared by the replicas, with one and with two
 * replica processes, all in the same run on the same data and model. Each replica is a child process
 * (bench/fraud-replica-server.ts); a real redis-server runs on a free loopback port; autocannon drives
 * them from this process, its connections spread over the replicas' URLs.
 *
 * Two in-process replicas are measured for throughput only: their scores are not correct (each
 * replica sees part of every customer's history), which is what the Redis store fixes.
 *
 *   npx tsx bench/fraud-replicas.ts    env: BENCH_DURATION_S (10), BENCH_CONNECTIONS (32), BENCH_ROWS (20000), BENCH_ROUNDS (3)
 *
 * Besides req/s and latency (which the machine's other load moves a lot), it reports the CPU time per
 * prediction: the replicas' process_cpu_seconds_total and Redis's used_cpu_user+sys over the run,
 * divided by the predictions served, which other load disturbs much less.
 */
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { startTestRedis } from '../apps/synfinance/src/fraud/api/test-redis.ts';
import {
  modelFileText,
  trainFromFile,
  writeFileAtomic,
} from '../apps/synfinance/src/fraud/training/train.ts';
import { generate } from '../apps/synfinance/src/generator/test-helpers.ts';
import { readRows } from '../apps/synfinance/src/transactions/read.ts';

const DURATION = Number(process.env.BENCH_DURATION_S ?? 10);
const CONN = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROWS = Number(process.env.BENCH_ROWS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LABELS = /^(is_fraud|fraud_|is_anomaly|anomaly_)/;
const NUMERIC = ['amount', 'latitude', 'longitude', 'distance_from_home_km', 'merchant_reputation'];

// two weeks: many customers with a few transactions each, as in a bank's traffic (few same-customer collisions)
const g = await generate(ROWS, 'csv', { seed: 21, days: 14 });
const model = path.join(g.dir, 'model.json');
const trained = await trainFromFile({
  data: g.file,
  gbdt: { nTrees: 100, maxDepth: 6 },
  testDays: 3,
  gapDays: 1,
});
writeFileAtomic(model, modelFileText(trained.file));
const bodies: string[] = [];
for await (const r of readRows(g.file)) {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (!LABELS.test(k)) o[k] = v === '' ? null : NUMERIC.includes(k) ? Number(v) : v;
  }
  bodies.push(JSON.stringify({ transaction: o }));
}
const redis = await startTestRedis();

async function replica(port: number, redisUrl?: string): Promise<ChildProcess> {
  const child = fork(
    new URL('./fraud-replica-server.ts', import.meta.url),
    [model, String(port), redisUrl ?? ''],
    {
      execArgv: ['--import', 'tsx'],
    },
  );
  await new Promise<void>((res, rej) => {
    child.once('message', () => res());
    child.once('exit', (c) => rej(new Error(`replica exited ${c}`)));
  });
  return child;
}

interface Row {
  rps: number;
  p50: number;
  p99: number;
  /** Replica CPU (all replicas) per prediction, µs. */
  cpuUs: number;
  /** Redis CPU per prediction, µs. */
  redisCpuUs: number;
}

/** Predictions served and CPU seconds used so far by each replica, and by Redis. */
async function counters(
  urls: string[],
  client: Redis,
): Promise<{ served: number; cpu: number; redisCpu: number }> {
  let served = 0;
  let cpu = 0;
  for (const u of urls) {
    const text = await (await fetch(`${u}/metrics`)).text();
    served += Number(/^synfinance_prediction_seconds_count (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
    cpu += Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
  }
  const info = await client.info('cpu');
  const redisCpu =
    Number(/used_cpu_user:(\S+)/.exec(info)?.[1] ?? Number.NaN) +
    Number(/used_cpu_sys:(\S+)/.exec(info)?.[1] ?? Number.NaN);
  return { served, cpu, redisCpu };
}

async function measure(name: string, replicas: number, store: 'memory' | 'redis', db: number): Promise<Row> {
  const url = store === 'redis' ? redis.url(db) : undefined;
  const base = 18_700 + Math.floor(Math.random() * 100) * 2;
  const children = await Promise.all(Array.from({ length: replicas }, (_, k) => replica(base + k, url)));
  const client = new Redis(redis.url(db));
  try {
    let i = 0;
    const urls = children.map((_, k) => `http://127.0.0.1:${base + k}`);
    const opts = (duration: number): autocannon.Options => {
      const o: autocannon.Options = {
        url: urls[0]!,
        duration,
        connections: CONN,
        requests: [
          {
            method: 'POST' as const,
            path: '/api/fraud/predict',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length] }),
          },
        ],
      };
      // autocannon spreads its connections over several URLs (its README: "More than one URL is
      // allowed"), the way a load balancer would; @types/autocannon types `url` as one string
      Reflect.set(o, 'url', urls);
      return o;
    };
    await autocannon(opts(2)); // warm-up: JIT, connections, Redis script cache
    const before = await counters(urls, client);
    const r = await autocannon(opts(DURATION));
    const after = await counters(urls, client);
    if (r.errors || r.non2xx) throw new Error(`${name}: ${r.errors} errors, ${r.non2xx} non-2xx`);
    const served = after.served - before.served;
    const row = {
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      cpuUs: ((after.cpu - before.cpu) / served) * 1e6,
      redisCpuUs: store === 'redis' ? ((after.redisCpu - before.redisCpu) / served) * 1e6 : 0,
    };
    process.stdout.write(
      `${name}: ${Math.round(row.rps)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, replica CPU ${Math.round(row.cpuUs)} µs + Redis ${Math.round(row.redisCpuUs)} µs per prediction (${served} served)\n`,
    );
    return row;
  } finally {
    client.disconnect();
    for (const c of children) c.kill('SIGTERM');
  }
}

const CONFIGS = [
  ['in-process, 1 replica (baseline)', 1, 'memory', 0],
  ['Redis, 1 replica', 1, 'redis', 1],
  ['Redis, 2 replicas', 2, 'redis', 2],
  ['in-process, 2 replicas (scores not correct; throughput only)', 2, 'memory', 0],
] as const;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

try {
  const runs: Row[][] = CONFIGS.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    // alternate the order, so a drift of the machine's load does not favour one configuration
    const order = CONFIGS.map((_, k) => k);
    if (round % 2) order.reverse();
    for (const k of order) {
      const [name, replicas, store, db] = CONFIGS[k]!;
      runs[k]!.push(await measure(name, replicas, store, db));
    }
  }
  const rows = runs.map((rs) => ({
    rps: median(rs.map((r) => r.rps)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    cpuUs: median(rs.map((r) => r.cpuUs)),
    redisCpuUs: median(rs.map((r) => r.redisCpuUs)),
  }));
  const client = new Redis(redis.url(2));
  const keys = await client.dbsize();
  const memory = /used_memory:(\d+)/.exec(await client.info('memory'))?.[1];
  client.disconnect();
  const baseline = rows[0]!;
  process.stdout.write(
    `\n| configuration (${CONN} connections; medians of ${ROUNDS} rounds × ${DURATION} s) | req/s | ratio | p50 | p99 | CPU per prediction: replicas + Redis | ratio |\n|---|---|---|---|---|---|---|\n${rows
      .map(
        (r, k) =>
          `| ${CONFIGS[k]![0]} | ${Math.round(r.rps)} | ${(r.rps / baseline.rps).toFixed(2)} | ${r.p50} ms | ${r.p99} ms | ${Math.round(r.cpuUs)} + ${Math.round(r.redisCpuUs)} µs | ${((r.cpuUs + r.redisCpuUs) / baseline.cpuUs).toFixed(2)} |`,
      )
      .join(
        '\n',
      )}\n\nRedis after the two-replica runs: ${keys} customer keys, used_memory ${memory} bytes\n` +
      `data: ${ROWS} generated rows (${new Set(bodies.map((b) => JSON.parse(b).transaction.customer_id)).size} customers), GBDT 100×6\n` +
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}, load ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}\n`,
  );
} finally {
  await redis.stop();
  fs.rmSync(g.dir, { recursive: true, force: true });
}
