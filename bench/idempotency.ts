// npm run bench:idempotency — what an Idempotency-Key costs on POST /api/samples (docs/api/idempotency.md):
// a create without a key (the baseline), with a new key each time, and the replay of a stored key, on
// PGlite and, given BENCH_DATABASE_URL or TEST_DATABASE_URL (`source .ci/postgres.sh && pg_up`), on
// PostgreSQL. The real lab app runs in a child process (bench/lims-server.ts). Each round measures every
// variant twice, in an order that rotates from round to round so machine noise hits them alike:
// latency with one client sending one request at a time (timed here in µs, not autocannon's whole ms),
// then throughput with autocannon and BENCH_CONNECTIONS connections.
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { openDatabase } from '../apps/lab/src/db/client.ts';
import { migrate } from '../apps/lab/src/db/migrate.ts';
import {
  exportServerKeyPair,
  generateServerKeyPair,
} from '../apps/lab/src/platform/signatures/server-key.ts';
import { cpuUsOf, postgresCpuUs } from './proc-cpu.ts';

const PG_URL = process.env['BENCH_DATABASE_URL'] || process.env['TEST_DATABASE_URL'];
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 3);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 8);
/** Stored keys the replay variant cycles through (each one's response is read back, never re-created). */
const REPLAY_KEYS = Number(process.env['BENCH_REPLAY_KEYS'] ?? 200);
/** Live keys stored before the run (bench/lims-server.ts): a keyed create's cost may grow with the table. */
const PRELOAD_KEYS = Number(process.env['BENCH_PRELOAD_KEYS'] ?? 0);
const DATABASES = (process.env['BENCH_DATABASES'] ?? (PG_URL ? 'pglite,postgres' : 'pglite')).split(',');

const VARIANTS = ['no key', 'new key', 'replay'] as const;
type Variant = (typeof VARIANTS)[number];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
const round2 = (x: number) => Math.round(x * 100) / 100;
const run = randomBytes(4).toString('hex');

const sampleBody = (n: number) =>
  JSON.stringify({
    name: `bench sample ${n}`,
    lot_number: `LOT-${n % 97}`,
    quantity: 10,
    unit: 'mL',
    metadata: { matrix: 'plasma', bench: true },
  });

/** The n-th request of a variant: its body and its key, if any. Replays cycle through the stored keys. */
function nthRequest(variant: Variant, n: number): { body: string; key?: string } {
  if (variant === 'no key') return { body: sampleBody(n) };
  if (variant === 'new key') return { body: sampleBody(n), key: `bench-${run}-${n}` };
  const i = n % REPLAY_KEYS;
  return { body: sampleBody(-1 - i), key: `bench-replay-${run}-${i}` };
}

interface Server {
  child: ChildProcess;
  port: number;
  token: string;
  /** The PostgreSQL cluster's postmaster, whose processes' CPU is counted; undefined on PGlite. */
  postmaster?: number;
}

async function startServer(target: string, signingKeyPem: string): Promise<Server> {
  const port = 18_900 + Math.floor(Math.random() * 500);
  const child = fork(new URL('./lims-server.ts', import.meta.url), [target, String(port)], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_SIGNING_KEY_PEM: signingKeyPem },
    stdio: ['inherit', 'pipe', 'inherit', 'ipc'],
  });
  const token = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { token: string }) => resolve(m.token));
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { child, port, token };
}

/** Stops the server; answers the number of Idempotency-Keys it stored (it prints them on its way out). */
async function stopServer(server: Server): Promise<number | null> {
  let out = '';
  server.child.stdout?.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
  const n = /idempotency_keys (\d+)/.exec(out)?.[1];
  return n === undefined ? null : Number(n);
}

/** One request at a time on one kept-alive connection: per-request latency in µs. */
async function sequential(server: Server, variant: Variant, counter: { n: number }) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const send = (body: string, key: string | undefined) =>
    new Promise<{ status: number; replayed: boolean }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/api/samples',
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${server.token}`,
            'content-type': 'application/json',
            ...(key ? { 'idempotency-key': key } : {}),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, replayed: res.headers['idempotent-replayed'] === 'true' }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const latencies: number[] = [];
  const until = performance.now() + DURATION_S * 1000;
  while (performance.now() < until) {
    const { body, key } = nthRequest(variant, counter.n++);
    const t0 = performance.now();
    const { status, replayed } = await send(body, key);
    latencies.push((performance.now() - t0) * 1000);
    // A replay that created a record, or a create that replayed, would measure the wrong thing.
    if (status !== 201 || replayed !== (variant === 'replay'))
      throw new Error(`${variant}: answered ${status}, replayed ${replayed}`);
  }
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    p50_ms: round2(percentile(latencies, 50) / 1000),
    p99_ms: round2(percentile(latencies, 99) / 1000),
    requests: latencies.length,
  };
}

/** BENCH_CONNECTIONS clients for DURATION_S: throughput, and CPU per request of the server (and PostgreSQL). */
async function loaded(server: Server, variant: Variant, counter: { n: number }, durationS: number) {
  const serverBefore = cpuUsOf(server.child.pid!);
  const pgCpu = () => (server.postmaster === undefined ? null : postgresCpuUs(server.postmaster));
  const pgBefore = pgCpu();
  const r = await autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections: CONNECTIONS,
    duration: durationS,
    requests: [
      {
        method: 'POST',
        path: '/api/samples',
        setupRequest: (req) => {
          const { body, key } = nthRequest(variant, counter.n++);
          req.body = body;
          req.headers = {
            authorization: `Bearer ${server.token}`,
            'content-type': 'application/json',
            ...(key ? { 'idempotency-key': key } : {}),
          };
          return req;
        },
      },
    ],
  });
  const pgAfter = pgCpu();
  const total = r.requests.total || 1;
  return {
    rps: Math.round(r.requests.average),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    server_cpu_us: Math.round((cpuUsOf(server.child.pid!) - serverBefore) / total),
    postgres_cpu_us: pgBefore === null || pgAfter === null ? null : Math.round((pgAfter - pgBefore) / total),
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

type Sequential = Awaited<ReturnType<typeof sequential>>;
type Loaded = Awaited<ReturnType<typeof loaded>>;

async function benchOne(kind: string, server: Server) {
  const counter = { n: 0 };
  // The keys the replay variant answers from, created once (with the replay's bodies) before timing.
  for (let i = 0; i < REPLAY_KEYS; i++) {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/samples`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${server.token}`,
        'content-type': 'application/json',
        'idempotency-key': `bench-replay-${run}-${i}`,
      },
      body: sampleBody(-1 - i),
    });
    if (res.status !== 201) throw new Error(`storing replay key ${i}: ${res.status} ${await res.text()}`);
  }
  for (const v of VARIANTS) await loaded(server, v, counter, 2); // warm-up: JIT, pool, plan caches
  const seq: Record<Variant, Sequential[]> = { 'no key': [], 'new key': [], replay: [] };
  const load: Record<Variant, Loaded[]> = { 'no key': [], 'new key': [], replay: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
    for (const v of order) seq[v].push(await sequential(server, v, counter));
    for (const v of order) load[v].push(await loaded(server, v, counter, DURATION_S));
    for (const v of order) {
      const s = seq[v].at(-1)!;
      const l = load[v].at(-1)!;
      console.log(
        `${kind} round ${round + 1} ${v.padEnd(7)}: 1 client p50 ${s.p50_ms} ms p99 ${s.p99_ms} ms (${s.requests} req); ${CONNECTIONS} conns ${l.rps} req/s p50 ${l.p50_ms} ms p99 ${l.p99_ms} ms, CPU/req server ${l.server_cpu_us} µs${l.postgres_cpu_us === null ? '' : ` PostgreSQL ${l.postgres_cpu_us} µs`}`,
      );
    }
  }
  const summarise = (v: Variant) => ({
    one_client: {
      p50_ms: median(seq[v].map((s) => s.p50_ms)),
      p99_ms: median(seq[v].map((s) => s.p99_ms)),
      requests: seq[v].reduce((sum, s) => sum + s.requests, 0),
    },
    loaded: {
      rps: median(load[v].map((l) => l.rps)),
      per_round_rps: load[v].map((l) => l.rps),
      p50_ms: median(load[v].map((l) => l.p50_ms)),
      p99_ms: median(load[v].map((l) => l.p99_ms)),
      server_cpu_us_per_request: median(load[v].map((l) => l.server_cpu_us)),
      postgres_cpu_us_per_request: load[v].some((l) => l.postgres_cpu_us === null)
        ? null
        : median(load[v].map((l) => l.postgres_cpu_us ?? 0)),
      non2xx: load[v].reduce((sum, l) => sum + l.non2xx, 0),
      errors: load[v].reduce((sum, l) => sum + l.errors, 0),
    },
  });
  const summary = {
    'no key': summarise('no key'),
    'new key': summarise('new key'),
    replay: summarise('replay'),
  };
  const base = summary['no key'];
  // The baseline is the create without a key, measured in the same rounds.
  const ratioOf = (v: Variant) => ({
    one_client_p50: round2(summary[v].one_client.p50_ms / base.one_client.p50_ms),
    one_client_p50_delta_ms: round2(summary[v].one_client.p50_ms - base.one_client.p50_ms),
    loaded_rps: round2(summary[v].loaded.rps / base.loaded.rps),
    server_cpu_delta_us: summary[v].loaded.server_cpu_us_per_request - base.loaded.server_cpu_us_per_request,
  });
  const ratios = { 'no key': ratioOf('no key'), 'new key': ratioOf('new key'), replay: ratioOf('replay') };
  for (const v of VARIANTS) {
    const s = summary[v];
    console.log(
      `${kind} ${v.padEnd(7)} (medians): 1 client p50 ${s.one_client.p50_ms} ms (${ratios[v].one_client_p50_delta_ms >= 0 ? '+' : ''}${ratios[v].one_client_p50_delta_ms} ms, x${ratios[v].one_client_p50}) p99 ${s.one_client.p99_ms} ms; ${s.loaded.rps} req/s (x${ratios[v].loaded_rps}) p99 ${s.loaded.p99_ms} ms`,
    );
  }
  return { variants: summary, ratio_to_no_key: ratios };
}

async function onPglite(signingKeyPem: string) {
  const dir = await mkdtemp(join(tmpdir(), 'bench-idempotency-'));
  try {
    const server = await startServer(dir, signingKeyPem);
    const result = await benchOne('PGlite', server).catch(async (err) => {
      await stopServer(server);
      throw err;
    });
    return { ...result, keys_stored_at_end: await stopServer(server) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The cluster's postmaster, from postmaster.pid in its data directory, when this machine runs it. */
async function postmasterPid(admin: pg.Client): Promise<number | undefined> {
  try {
    const dir = (await admin.query('SHOW data_directory')).rows[0].data_directory as string;
    const pid = Number((await readFile(join(dir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined; // a remote server, or a role that may not read the setting
  }
}

async function onPostgres(adminUrl: string, signingKeyPem: string) {
  const name = `bench_idem_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const fsync = (await admin.query('SHOW fsync')).rows[0].fsync as string;
  const postmaster = await postmasterPid(admin);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    const database = await openDatabase({ kind: 'postgres', url: url.toString(), poolMax: 1 });
    await migrate(database).finally(() => database.close());
    const server = { ...(await startServer(url.toString(), signingKeyPem)), postmaster };
    const result = await benchOne('PostgreSQL', server).catch(async (err) => {
      await stopServer(server);
      throw err;
    });
    return { fsync, ...result, keys_stored_at_end: await stopServer(server) };
  } finally {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  }
}

const signingKeyPem = exportServerKeyPair(generateServerKeyPair()).privateKeyPem;
const loadStart = loadavg()[0]!;
const results: Record<string, unknown> = {};
for (const kind of DATABASES) {
  if (kind === 'pglite') results['pglite'] = await onPglite(signingKeyPem);
  else if (kind === 'postgres' && PG_URL) results['postgres'] = await onPostgres(PG_URL, signingKeyPem);
  else {
    console.error(
      `BENCH_DATABASES: unknown or unavailable "${kind}" (postgres needs BENCH_DATABASE_URL or TEST_DATABASE_URL)`,
    );
    process.exit(2);
  }
}
console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: `${cpus().length} x ${cpus()[0]?.model}, node ${process.version}, load avg ${loadStart.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}`,
      rounds: ROUNDS,
      duration_s: DURATION_S,
      connections: CONNECTIONS,
      replay_keys: REPLAY_KEYS,
      preloaded_keys: PRELOAD_KEYS,
      ...results,
    },
    null,
    2,
  ),
);
