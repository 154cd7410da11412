// npm run bench:http — /health req/s and latency, bare Fastify vs Fastify + observability plugin,
// alternating rounds in the same run so both see the same machine noise. Where `taskset` exists (and
// BENCH_PIN is not 0) the server runs on CPU 1 and autocannon on CPU 0, so the two never trade places
// on the cores between rounds. Also reports the server's CPU time per request, which other load on the
// machine disturbs much less than req/s.
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import autocannon from 'autocannon';

const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 10);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 50);

const PIN = process.env['BENCH_PIN'] !== '0' && cpus().length >= 2 && hasTaskset();

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (PIN) execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });

async function startServer(variant: string, port: number): Promise<ChildProcess> {
  const script = new URL('./health-server.ts', import.meta.url).pathname;
  const child = PIN
    ? spawn('taskset', ['-c', '1', process.execPath, '--import', 'tsx', script, variant, String(port)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      })
    : fork(script, [variant, String(port)], { execArgv: ['--import', 'tsx'] });
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
  /** Server CPU (user + system) per request served, microseconds. */
  cpuUsPerRequest: number;
}

/** The server's own process.cpuUsage(), asked over IPC. */
function serverCpuUs(server: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    server.once('message', (m: { user: number; system: number }) => resolve(m.user + m.system));
    server.send('cpu');
  });
}

async function measure(variant: string, port: number): Promise<Sample> {
  const server = await startServer(variant, port);
  try {
    // Warm-up so the JIT has compiled the hot path before measuring.
    await autocannon({ url: `http://127.0.0.1:${port}/health`, connections: CONNECTIONS, duration: 2 });
    const cpuBefore = await serverCpuUs(server);
    const r = await autocannon({
      url: `http://127.0.0.1:${port}/health`,
      connections: CONNECTIONS,
      duration: DURATION_S,
    });
    const cpuUs = (await serverCpuUs(server)) - cpuBefore;
    if (r.errors || r.non2xx) throw new Error(`${variant}: ${r.errors} errors, ${r.non2xx} non-2xx`);
    return {
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      cpuUsPerRequest: cpuUs / r.requests.total,
    };
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
      `round ${round + 1} ${variant.padEnd(7)} ${s.rps.toFixed(0)} req/s  p50 ${s.p50} ms  p99 ${s.p99} ms  ${s.cpuUsPerRequest.toFixed(1)} µs CPU/request`,
    );
  }
}
const summary = Object.fromEntries(
  Object.entries(results).map(([k, v]) => [
    k,
    {
      rps: median(v.map((s) => s.rps)),
      p50: median(v.map((s) => s.p50)),
      p99: median(v.map((s) => s.p99)),
      cpu_us_per_request: Number(median(v.map((s) => s.cpuUsPerRequest)).toFixed(2)),
    },
  ]),
);
const ratio = (summary['metrics']?.rps ?? 0) / (summary['bare']?.rps ?? 1);
// Per round, so each pair shares the same minute of machine noise; the median of those ratios.
const pairRatios = results['metrics']!.map((m, i) => m.rps / results['bare']![i]!.rps);
const cpuRatio = (summary['bare']?.cpu_us_per_request ?? 0) / (summary['metrics']?.cpu_us_per_request ?? 1);
console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: `${cpus().length} x ${cpus()[0]?.model}, node ${process.version}, load avg ${loadavg()[0]?.toFixed(1)}`,
      pinned: PIN,
      connections: CONNECTIONS,
      duration_s: DURATION_S,
      rounds: ROUNDS,
      median: summary,
      ratio_metrics_over_bare: Number(ratio.toFixed(3)),
      ratio_per_round: pairRatios.map((r) => Number(r.toFixed(3))),
      median_ratio_per_round: Number(median(pairRatios).toFixed(3)),
      cpu_ratio_bare_over_metrics: Number(cpuRatio.toFixed(3)),
    },
    null,
    2,
  ),
);
