// npm run bench:http — /health req/s and latency, bare Fastify vs Fastify + observability plugin,
// alternating rounds in the same run so both see the same machine noise.
import { type ChildProcess, fork } from 'node:child_process';
import { cpus } from 'node:os';
import autocannon from 'autocannon';

const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 10);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 50);

async function startServer(variant: string, port: number): Promise<ChildProcess> {
  const child = fork(new URL('./health-server.ts', import.meta.url), [variant, String(port)], {
    execArgv: ['--import', 'tsx'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${variant} server exited ${code}`)));
  });
  return child;
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
}

async function measure(variant: string, port: number): Promise<Sample> {
  const server = await startServer(variant, port);
  try {
    // Warm-up so the JIT has compiled the hot path before measuring.
    await autocannon({ url: `http://127.0.0.1:${port}/health`, connections: CONNECTIONS, duration: 2 });
    const r = await autocannon({
      url: `http://127.0.0.1:${port}/health`,
      connections: CONNECTIONS,
      duration: DURATION_S,
    });
    if (r.errors || r.non2xx) throw new Error(`${variant}: ${r.errors} errors, ${r.non2xx} non-2xx`);
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
  } finally {
    server.kill('SIGTERM');
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const results: Record<string, Sample[]> = { bare: [], metrics: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const variant of round % 2 === 0 ? ['bare', 'metrics'] : ['metrics', 'bare']) {
    const s = await measure(variant, 18_000 + round * 10 + (variant === 'bare' ? 0 : 1));
    results[variant]?.push(s);
    console.log(
      `round ${round + 1} ${variant.padEnd(7)} ${s.rps.toFixed(0)} req/s  p50 ${s.p50} ms  p99 ${s.p99} ms`,
    );
  }
}
const summary = Object.fromEntries(
  Object.entries(results).map(([k, v]) => [
    k,
    { rps: median(v.map((s) => s.rps)), p50: median(v.map((s) => s.p50)), p99: median(v.map((s) => s.p99)) },
  ]),
);
const ratio = (summary['metrics']?.rps ?? 0) / (summary['bare']?.rps ?? 1);
console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: `${cpus().length} x ${cpus()[0]?.model}, node ${process.version}`,
      connections: CONNECTIONS,
      duration_s: DURATION_S,
      rounds: ROUNDS,
      median: summary,
      ratio_metrics_over_bare: Number(ratio.toFixed(3)),
    },
    null,
    2,
  ),
);
