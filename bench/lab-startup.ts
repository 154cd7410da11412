// npm run bench:startup — time from spawning `npm run lab -- start` on an empty data directory to the
// first 200 from /health (and /ready), against a baseline in the same run: a bare Fastify /health
// server started through the same tsx loader.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);

async function timeToHealthy(args: string[], env: Record<string, string>, port: number): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited ${child.exitCode}`);
      try {
        const health = await fetch(`http://127.0.0.1:${port}/health`);
        if (health.status === 200) return performance.now() - t0;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const lab: number[] = [];
const bare: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const dir = await mkdtemp(join(tmpdir(), 'lab-startup-'));
  try {
    lab.push(
      await timeToHealthy(
        ['apps/lab/src/cli.ts', 'start'],
        { POLYMORPH_DATA_DIR: dir, POLYMORPH_PORT: '18101', DATABASE_URL: '', POLYMORPH_LOG_LEVEL: 'warn' },
        18101,
      ),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  bare.push(await timeToHealthy(['bench/health-server.ts', 'bare', '18102'], {}, 18102));
  console.log(
    `run ${i + 1}: lab (fresh PGlite) ${lab.at(-1)?.toFixed(0)} ms, bare Fastify ${bare.at(-1)?.toFixed(0)} ms`,
  );
}
console.log(
  JSON.stringify({
    date: new Date().toISOString(),
    machine: `${cpus().length} x ${cpus()[0]?.model}, node ${process.version}`,
    runs: RUNS,
    median_ms: { lab_fresh_pglite: Math.round(median(lab)), bare_fastify: Math.round(median(bare)) },
    max_ms: { lab_fresh_pglite: Math.round(Math.max(...lab)), bare_fastify: Math.round(Math.max(...bare)) },
  }),
);
