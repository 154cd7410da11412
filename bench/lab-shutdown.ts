// npm run bench:shutdown — time from SIGTERM to the exit of `npm run lab -- start` while 32 clients
// keep asking /ready, and whether every request the server received was answered. Baseline in the
// same run: the bare Fastify /health server of bench/health-server.ts, closing gracefully on SIGTERM,
// under the same load on /health. Env: BENCH_RUNS (default 5), BENCH_DATABASE_URL (PostgreSQL;
// default a fresh PGlite data directory per run).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const CLIENTS = 32;
const DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? '';

interface Stop {
  ms: number;
  code: number | null;
  answered: number;
  refused: number;
}

/** Starts `args`, loads `path` with CLIENTS clients until 100 answers came, then times SIGTERM to exit. */
async function timeStop(
  args: string[],
  env: Record<string, string>,
  port: number,
  path: string,
): Promise<Stop> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}${path}`;
  let answered = 0;
  let refused = 0;
  let stop = false;
  const client = async () => {
    while (!stop) {
      try {
        const res = await fetch(url);
        await res.text();
        if (res.status === 200 || res.status === 503) answered++;
      } catch {
        refused++;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  try {
    while (
      (await fetch(url).then(
        (r) => r.status,
        () => 0,
      )) !== 200
    ) {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const clients = Array.from({ length: CLIENTS }, client);
    while (answered < 100) await new Promise((r) => setTimeout(r, 10));
    const t0 = performance.now();
    child.kill('SIGTERM');
    const code = await exited;
    const ms = performance.now() - t0;
    stop = true;
    await Promise.all(clients);
    return { ms, code, answered, refused };
  } finally {
    stop = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const lab: Stop[] = [];
const bare: Stop[] = [];
const loadAtStart = loadavg()[0];
for (let i = 0; i < RUNS; i++) {
  const dir = await mkdtemp(join(tmpdir(), 'lab-shutdown-'));
  try {
    lab.push(
      await timeStop(
        ['apps/lab/src/cli.ts', 'start'],
        { POLYMORPH_DATA_DIR: dir, POLYMORPH_PORT: '18111', DATABASE_URL, POLYMORPH_LOG_LEVEL: 'warn' },
        18111,
        '/ready',
      ),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  bare.push(await timeStop(['bench/health-server.ts', 'bare', '18112'], {}, 18112, '/health'));
  const [l, b] = [lab.at(-1), bare.at(-1)];
  console.log(
    `run ${i + 1}: lab SIGTERM->exit ${l?.ms.toFixed(0)} ms (code ${l?.code}, ${l?.answered} answered), bare Fastify ${b?.ms.toFixed(0)} ms (code ${b?.code})`,
  );
}
const failed = lab.filter((s) => s.code !== 0).length;
console.log(
  JSON.stringify({
    date: new Date().toISOString(),
    machine: `${cpus().length} x ${cpus()[0]?.model}, node ${process.version}`,
    database: DATABASE_URL ? 'postgres' : 'pglite',
    runs: RUNS,
    load_average_1m: { start: loadAtStart, end: loadavg()[0] },
    median_ms: {
      lab: Math.round(median(lab.map((s) => s.ms))),
      bare_fastify: Math.round(median(bare.map((s) => s.ms))),
    },
    max_ms: {
      lab: Math.round(Math.max(...lab.map((s) => s.ms))),
      bare_fastify: Math.round(Math.max(...bare.map((s) => s.ms))),
    },
    lab_exits_not_0: failed,
  }),
);
if (failed) process.exitCode = 1;
