/**
 * Fraud scoring over HTTP: single-prediction p50/p99 at 32 connections and batch
 * throughput, against GET /health on the same server as the baseline. The server runs in a child
 * process (bench/fraud-server.ts) with the http-metrics plugin and the GBDT 100×6 model of
 * bench/fraud-quality.ts; autocannon drives it from this process.
 *
 *   npx tsx bench/fraud-http.ts    env: BENCH_DURATION_S (10), BENCH_CONNECTIONS (32), BENCH_BATCH (1000)
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { readRows } from '../apps/synfinance/src/transactions/read.ts';

const DURATION = Number(process.env.BENCH_DURATION_S ?? 10);
const CONN = Number(process.env.BENCH_CONNECTIONS ?? 32);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const DIR = path.resolve('bench/out/fraud');
const dataFile = fs.readdirSync(DIR).find((f) => f.startsWith('txns-s202-') && f.endsWith('.csv'));
const model = path.join(DIR, 'model-gbdt.json');
if (!dataFile || !fs.existsSync(model)) {
  process.stderr.write('run bench/fraud-quality.ts first\n');
  process.exit(2);
}
const LABELS = /^(is_fraud|fraud_|is_anomaly|anomaly_)/;
const bodies: string[] = [];
const txns: Record<string, unknown>[] = [];
for await (const r of readRows(path.join(DIR, dataFile))) {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (LABELS.test(k)) continue;
    o[k] =
      v === ''
        ? null
        : ['amount', 'latitude', 'longitude', 'distance_from_home_km', 'merchant_reputation'].includes(k)
          ? Number(v)
          : v;
  }
  txns.push(o);
  bodies.push(JSON.stringify({ transaction: o }));
  if (bodies.length >= 50_000) break;
}
const port = 18_600 + Math.floor(Math.random() * 100);
const child = fork(new URL('./fraud-server.ts', import.meta.url), [model, String(port)], {
  execArgv: ['--import', 'tsx'],
});
await new Promise<void>((res, rej) => {
  child.once('message', () => res());
  child.once('exit', (c) => rej(new Error(`server exited ${c}`)));
});
const url = `http://127.0.0.1:${port}`;
const headers = { 'content-type': 'application/json' };
async function run(name: string, opts: Parameters<typeof autocannon>[0]) {
  const r = await autocannon({ duration: DURATION, ...opts });
  if (r.errors || r.non2xx) throw new Error(`${name}: ${r.errors} errors, ${r.non2xx} non-2xx`);
  process.stdout.write(
    `${name}: ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms\n`,
  );
  return r;
}
try {
  let i = 0;
  const predict = {
    url,
    connections: CONN,
    requests: [
      {
        method: 'POST' as const,
        path: '/api/fraud/predict',
        headers,
        setupRequest: (req: object) => ({ ...req, body: bodies[i++ % bodies.length] }),
      },
    ],
  };
  await autocannon({ ...predict, duration: 2 }); // warm-up
  const h = await run('baseline GET /health', { url: `${url}/health`, connections: CONN });
  const p = await run('POST /api/fraud/predict', predict);
  let j = 0;
  const batches = Array.from({ length: Math.floor(txns.length / BATCH) }, (_, k) =>
    JSON.stringify({ transactions: txns.slice(k * BATCH, (k + 1) * BATCH) }),
  );
  const b = await run(`POST /api/fraud/predict/batch (${BATCH} per request, 2 connections)`, {
    url,
    connections: 2,
    requests: [
      {
        method: 'POST' as const,
        path: '/api/fraud/predict/batch',
        headers,
        setupRequest: (req: object) => ({ ...req, body: batches[j++ % batches.length] }),
      },
    ],
  });
  const m = await (await fetch(`${url}/metrics`)).text();
  const q = /synfinance_prediction_seconds_count (\d+)/.exec(m)?.[1];
  process.stdout.write(
    `\n| endpoint (${CONN} connections unless said) | req/s | transactions/s | p50 | p99 |\n|---|---|---|---|---|\n` +
      `| baseline: GET /health | ${Math.round(h.requests.average)} | | ${h.latency.p50} ms | ${h.latency.p99} ms |\n` +
      `| POST /api/fraud/predict | ${Math.round(p.requests.average)} | ${Math.round(p.requests.average)} | ${p.latency.p50} ms | ${p.latency.p99} ms |\n` +
      `| POST /api/fraud/predict/batch, ${BATCH} per request, 2 connections | ${b.requests.average.toFixed(1)} | ${Math.round(b.requests.average * BATCH)} | ${b.latency.p50} ms | ${b.latency.p99} ms |\n` +
      `\nserver-side predictions counted: ${q}\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}, load ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}\n`,
  );
} finally {
  child.kill('SIGTERM');
}
