// npx tsx bench/synfinance-shard.ts — sharded generation: rows/s of N CLI processes, each writing one
// part (`synfinance generate --shard I/N --workers 0`, the way one pod of the Indexed Job runs),
// against one process writing the whole dataset (`--shard 0/1`), measured in the same run, rounds
// interleaved. Wall time includes process start-up (tsx), as a pod's would.
// Env: BENCH_ROWS (default 1,000,000), BENCH_ROUNDS (default 2), BENCH_PROCS (default "1,2,4").
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PROCS = (process.env.BENCH_PROCS ?? '1,2,4').split(',').map(Number);
const ROOT = path.resolve('.');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const CLI = path.join(ROOT, 'apps/synfinance/src/cli.ts');
const OUT = path.resolve('bench/out/shard');
fs.mkdirSync(OUT, { recursive: true });

const FLAGS = ['--count', String(ROWS), '--seed', '42', '--fraud-rate', '0.02', '--start', '2025-01-01'];
const FLAGS2 = ['--days', '365', '--format', 'csv', '--workers', '0', '--quiet'];

function part(i: number, n: number, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = [CLI, 'generate', ...FLAGS, ...FLAGS2, '--shard', `${i}/${n}`, '--out', dir];
    const p = spawn(TSX, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`part ${i}/${n} exited ${code}`))));
  });
}

async function variant(n: number): Promise<number> {
  const dir = path.join(OUT, `n${n}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, (_, i) => part(i, n, dir)));
  const seconds = (performance.now() - t0) / 1000;
  fs.rmSync(dir, { recursive: true, force: true });
  return ROWS / seconds;
}

const results = new Map<number, number[]>(PROCS.map((n) => [n, []]));
console.log(
  `cpu: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}, load ${os.loadavg()[0]!.toFixed(2)}`,
);
for (let r = 0; r < ROUNDS; r++) {
  for (const n of PROCS) {
    const rate = await variant(n);
    results.get(n)!.push(rate);
    console.log(`round ${r + 1}: ${n} process(es): ${Math.round(rate).toLocaleString('en-US')} rows/s`);
  }
}
const best = (xs: number[]) => Math.max(...xs);
const base = best(results.get(PROCS[0]!)!);
for (const n of PROCS) {
  const xs = results.get(n)!;
  const fmt = xs.map((x) => Math.round(x).toLocaleString('en-US')).join(' / ');
  console.log(
    `| ${n} | ${fmt} | ${Math.round(best(xs)).toLocaleString('en-US')} | ${(best(xs) / base).toFixed(2)} |`,
  );
}
console.log(`load at end ${os.loadavg()[0]!.toFixed(2)}`);
