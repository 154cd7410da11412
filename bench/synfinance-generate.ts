// npx tsx bench/synfinance-generate.ts — SynFinance CSV and Parquet generation speed (fraud and anomaly
// injection on) against a baseline measured in the same run: a plain single-thread loop writing
// the same number of rows of random CSV with the same column count. Also measures how much CPU
// this shared machine gives us right now (two busy loops in parallel vs one), since other jobs run
// beside us. Parquet (--workers 2) is measured on the same rows and seed as CSV, in the same round.
// Also the CPU time of each run (all threads of this process): on a loaded machine wall-clock rates
// swing with what the other jobs take, while CPU per row says what a run costs.
// Env: BENCH_ROWS (default 1,000,000), BENCH_ROUNDS (default 2).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Rng } from '@polymorph/random/rng';
import { generateDataset } from '../apps/synfinance/src/generator/run.ts';
import { TXN_COLUMNS } from '../apps/synfinance/src/generator/schema.ts';
import { defaultGenParams } from '../apps/synfinance/src/generator/types.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const OUT = path.resolve('bench/out');
fs.mkdirSync(OUT, { recursive: true });

/** Baseline: random CSV rows, same column count, similar row size, one thread, buffered writes. */
function baseline(file: string): { seconds: number; bytes: number } {
  const t0 = performance.now();
  const rng = new Rng(1);
  const fd = fs.openSync(file, 'w');
  const buf = Buffer.allocUnsafe(1 << 22);
  let pos = 0;
  const ncol = TXN_COLUMNS.length;
  for (let i = 0; i < ROWS; i++) {
    let line = `TXN${i}`;
    for (let j = 1; j < ncol; j++) {
      const r = rng.u32();
      line += j % 3 === 0 ? `,${(r % 100000) / 100}` : j % 3 === 1 ? `,w${r.toString(36)}` : `,${r % 1000}`;
    }
    line += '\n';
    if (pos + line.length * 3 > buf.length) {
      fs.writeSync(fd, buf, 0, pos);
      pos = 0;
    }
    pos += buf.write(line, pos);
  }
  fs.writeSync(fd, buf, 0, pos);
  fs.closeSync(fd);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, bytes: fs.statSync(file).size };
}

async function synfinance(
  file: string,
  workers: number,
  format: 'csv' | 'parquet' = 'csv',
): Promise<{ seconds: number; bytes: number; fraudRate: number; cpuUs: number }> {
  const u0 = process.cpuUsage();
  const s = await generateDataset({
    params: defaultGenParams(),
    count: ROWS,
    format,
    out: file,
    workers,
    chunkShards: 1,
  });
  const u = process.cpuUsage(u0);
  return { seconds: s.seconds, bytes: s.bytes, fraudRate: s.fraudRate, cpuUs: (u.user + u.system) / ROWS };
}

/** Effective cores available: time of one busy loop vs two in parallel worker threads. */
async function cpuAvailability(): Promise<number> {
  const code = `const {parentPort}=require('node:worker_threads');const t=performance.now();let x=0;for(let i=0;i<2e8;i++){x=(x+i*7)%1000003}parentPort.postMessage(performance.now()-t+(x<0?1:0))`;
  const run = () =>
    new Promise<number>((res) => {
      const w = new Worker(code, { eval: true });
      w.once('message', (ms: number) => {
        res(ms);
        void w.terminate();
      });
    });
  const one = await run();
  const two = await Promise.all([run(), run()]);
  return (2 * one) / Math.max(...two);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const results: { name: string; rps: number[]; mbps: number[]; cpu: number[] }[] = [
  { name: 'baseline: random CSV, 1 thread', rps: [], mbps: [], cpu: [] },
  { name: 'synfinance --workers 1', rps: [], mbps: [], cpu: [] },
  { name: 'synfinance --workers 2', rps: [], mbps: [], cpu: [] },
  { name: 'synfinance --workers 2 --format parquet', rps: [], mbps: [], cpu: [] },
];
const cores: number[] = [];
let fraudRate = 0;
const loadStart = os.loadavg()[0]!.toFixed(1);
const started = new Date().toISOString();
for (let round = 0; round < ROUNDS; round++) {
  cores.push(await cpuAvailability());
  const b = baseline(path.join(OUT, 'baseline.csv'));
  results[0]!.rps.push(ROWS / b.seconds);
  results[0]!.mbps.push(b.bytes / 1e6 / b.seconds);
  for (const [i, w] of [
    [1, 1],
    [2, 2],
  ] as const) {
    const s = await synfinance(path.join(OUT, `synfinance-w${w}.csv`), w);
    fraudRate = s.fraudRate;
    results[i]!.rps.push(ROWS / s.seconds);
    results[i]!.mbps.push(s.bytes / 1e6 / s.seconds);
    results[i]!.cpu.push(s.cpuUs);
  }
  const pq = await synfinance(path.join(OUT, 'synfinance-w2.parquet'), 2, 'parquet');
  results[3]!.rps.push(ROWS / pq.seconds);
  results[3]!.mbps.push(pq.bytes / 1e6 / pq.seconds);
  results[3]!.cpu.push(pq.cpuUs);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = os.loadavg()[0]!.toFixed(1);
console.log(
  `rows ${fmt(ROWS)}, rounds ${ROUNDS}, nproc ${os.cpus().length} (${os.cpus()[0]?.model}), node ${process.version}`,
);
console.log(
  `started ${started}, ended ${new Date().toISOString()}, load average (1 min) ${loadStart} -> ${load}`,
);
console.log(`effective cores available (per round): ${cores.map((c) => c.toFixed(2)).join(', ')}`);
console.log(`realised fraud rate ${(fraudRate * 100).toFixed(3)}%`);
console.log(
  '| variant | rows/s per round | rows/s median | rows/s best | MB/s median | MB/s best | ratio to baseline (medians) | ratio (bests) |',
);
console.log('|---|---|---|---|---|---|---|---|');
const base = median(results[0]!.rps);
const baseBest = Math.max(...results[0]!.rps);
for (const r of results) {
  const best = Math.max(...r.rps);
  console.log(
    `| ${r.name} | ${r.rps.map(fmt).join(' / ')} | ${fmt(median(r.rps))} | ${fmt(best)} | ${median(r.mbps).toFixed(1)} | ${Math.max(...r.mbps).toFixed(1)} | ${(median(r.rps) / base).toFixed(2)} | ${(best / baseBest).toFixed(2)} |`,
  );
}
const us = (xs: number[]) => (xs.length ? `${xs.map((x) => x.toFixed(1)).join(' / ')}` : '-');
console.log('\n| variant | CPU µs per row, per round (all threads) |\n|---|---|');
for (const r of results.slice(1)) console.log(`| ${r.name} | ${us(r.cpu)} |`);
const ratio = results[3]!.rps.map((x, k) => (x / results[2]!.rps[k]!).toFixed(2));
console.log(`\nParquet / CSV --workers 2, rows/s in the same round: ${ratio.join(' / ')}`);
for (const f of fs.readdirSync(OUT))
  if (f.endsWith('.csv') || f.endsWith('.parquet')) fs.rmSync(path.join(OUT, f));
