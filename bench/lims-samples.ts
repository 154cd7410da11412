// npm run bench:lims — POST /api/samples over HTTP (authenticated, validated, audited) on PostgreSQL with
// 32 connections, plus a database-level micro-benchmark inserting the same sample rows with and without
// the audit append, interleaved in the same run. Needs a PostgreSQL server: BENCH_DATABASE_URL or
// TEST_DATABASE_URL (e.g. `source .ci/postgres.sh && pg_up`); a fresh database is created and dropped.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, queryRows } from '../apps/lab/src/db/client.ts';
import { migrate } from '../apps/lab/src/db/migrate.ts';
import { AuditTrail } from '../apps/lab/src/platform/audit/audit-trail.ts';
import {
  exportServerKeyPair,
  generateServerKeyPair,
} from '../apps/lab/src/platform/signatures/server-key.ts';
import { cpuUsOf, postgresCpuUs } from './proc-cpu.ts';

const ADMIN_URL = process.env['BENCH_DATABASE_URL'] || process.env['TEST_DATABASE_URL'];
if (!ADMIN_URL) {
  console.error('bench:lims needs PostgreSQL: set BENCH_DATABASE_URL (or source .ci/postgres.sh && pg_up)');
  process.exit(2);
}
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 5);
const DB_ROWS = Number(process.env['BENCH_DB_ROWS'] ?? 2000);
const DB_ROUNDS = Number(process.env['BENCH_DB_ROUNDS'] ?? 3);
const HTTP_ROUNDS = Number(process.env['BENCH_HTTP_ROUNDS'] ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const PORT = 18_400 + Math.floor(Math.random() * 500);

const name = `bench_lims_${randomBytes(5).toString('hex')}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
// Durability settings change what COMMIT costs while the audit lock is held; the figures carry them.
const durability = {
  fsync: (await admin.query('SHOW fsync')).rows[0].fsync as string,
  synchronous_commit: (await admin.query('SHOW synchronous_commit')).rows[0].synchronous_commit as string,
};
await admin.end();
const url = new URL(ADMIN_URL);
url.pathname = `/${name}`;

const database = await openDatabase({ kind: 'postgres', url: url.toString(), poolMax: 4 });
try {
  await migrate(database);

  // --- HTTP: the whole request path ---
  const signingKey = generateServerKeyPair();
  const child = fork(new URL('./lims-server.ts', import.meta.url), [url.toString(), String(PORT)], {
    // BENCH_SERVER_NODE_OPTIONS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles the server.
    execArgv: [
      '--import',
      'tsx',
      ...(process.env['BENCH_SERVER_NODE_OPTIONS'] ?? '').split(' ').filter(Boolean),
    ],
    env: { ...process.env, BENCH_SIGNING_KEY_PEM: exportServerKeyPair(signingKey).privateKeyPem },
  });
  const token = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { token: string }) => resolve(m.token));
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  let n = 0;
  const request = {
    method: 'POST' as const,
    path: '/api/samples',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    setupRequest: (req: { body?: string }) => {
      n++;
      req.body = JSON.stringify({
        name: `bench sample ${n}`,
        lot_number: `LOT-${n % 97}`,
        quantity: 10,
        unit: 'mL',
        metadata: { matrix: 'plasma', bench: true },
      });
      return req;
    },
  };
  const base = {
    url: `http://127.0.0.1:${PORT}`,
    connections: CONNECTIONS,
    requests: [request],
  } as unknown as autocannon.Options;
  await autocannon({ ...base, duration: 3 }); // warm-up: JIT, pool, plan caches
  const load = loadavg()[0];
  // Baseline in the same run: an authenticated read of one sample (same auth, scoping and pool; no write).
  const one = await fetch(`http://127.0.0.1:${PORT}/api/samples?limit=1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const someId = ((await one.json()) as { items: { sample_id: string }[] }).items[0]!.sample_id;
  const readOptions = {
    url: `http://127.0.0.1:${PORT}/api/samples/${someId}`,
    connections: CONNECTIONS,
    headers: { authorization: `Bearer ${token}` },
  };
  // Writes and reads alternate over HTTP_ROUNDS rounds so both see the same machine noise; medians reported.
  type Round = autocannon.Result & { cpu: { server: number; postgres: number | null } };
  const runs = { write: [] as Round[], read: [] as Round[] };
  const label = { write: 'POST /api/samples    ', read: 'GET /api/samples/:id' };
  for (let round = 0; round < HTTP_ROUNDS; round++) {
    for (const kind of round % 2 ? (['read', 'write'] as const) : (['write', 'read'] as const)) {
      const serverBefore = cpuUsOf(child.pid!);
      const pgBefore = postgresCpuUs();
      const r = await autocannon({ ...(kind === 'write' ? base : readOptions), duration: DURATION_S });
      const pgAfter = postgresCpuUs();
      const cpu = {
        server: (cpuUsOf(child.pid!) - serverBefore) / r.requests.total,
        postgres: pgAfter === null || pgBefore === null ? null : (pgAfter - pgBefore) / r.requests.total,
      };
      runs[kind].push({ ...r, cpu });
      console.log(
        `round ${round + 1} ${label[kind]} ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, CPU/request: server ${Math.round(cpu.server)} µs, PostgreSQL ${cpu.postgres === null ? 'n/a' : `${Math.round(cpu.postgres)} µs`}`,
      );
    }
  }
  child.kill('SIGTERM');
  const summarise = (rs: Round[]) => ({
    rps: Math.round(median(rs.map((x) => x.requests.average))),
    server_cpu_us_per_request: Math.round(median(rs.map((x) => x.cpu.server))),
    postgres_cpu_us_per_request: rs.some((x) => x.cpu.postgres === null)
      ? null
      : Math.round(median(rs.map((x) => x.cpu.postgres!))),
    p50_ms: median(rs.map((x) => x.latency.p50)),
    p99_ms: median(rs.map((x) => x.latency.p99)),
    per_round_rps: rs.map((x) => Math.round(x.requests.average)),
    non2xx: rs.reduce((sum, x) => sum + x.non2xx, 0),
    errors: rs.reduce((sum, x) => sum + x.errors, 0),
    total: rs.reduce((sum, x) => sum + x.requests.total, 0),
  });
  const baseline = summarise(runs.read);
  const http = summarise(runs.write);
  console.log(
    `baseline GET /api/samples/:id: ${baseline.rps} req/s, p50 ${baseline.p50_ms} ms, p99 ${baseline.p99_ms} ms (median of ${HTTP_ROUNDS})`,
  );
  console.log(
    `HTTP POST /api/samples: ${http.rps} req/s, p50 ${http.p50_ms} ms, p99 ${http.p99_ms} ms (median of ${HTTP_ROUNDS}; ${http.total} requests, ${http.non2xx} non-2xx)`,
  );

  // --- Database only: the same INSERT, with and without the audit append, interleaved ---
  const audit = new AuditTrail(database, signingKey, 1000);
  const [creator] = await queryRows<{ email: string }>(database.db, sql`SELECT email FROM users LIMIT 1`);
  const ctx = { actor: creator!.email, requestId: null, ip: null };
  let seq = 0;
  const insert = async (tx: Parameters<Parameters<typeof audit.transaction>[0]>[0]) => {
    const id = `DBB-${++seq}`;
    await tx.execute(sql`INSERT INTO samples (sample_id, name, quantity, unit, metadata, created_by)
      VALUES (${id}, ${'db bench'}, ${'10'}::numeric, ${'mL'}, ${JSON.stringify({ matrix: 'plasma' })}::jsonb, ${creator!.email})`);
    return id;
  };
  // 4 concurrent writers (the pool size); each row is its own transaction.
  const run = async (withAudit: boolean) => {
    const start = process.hrtime.bigint();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next++ < DB_ROWS) {
          if (withAudit) {
            await audit.transaction(async (tx, append) => {
              const id = await insert(tx);
              append(ctx, {
                action: 'sample.created',
                entityType: 'sample',
                entityId: id,
                after: { sample_id: id },
              });
            });
          } else {
            await database.db.transaction(async (tx) => {
              await insert(tx);
            });
          }
        }
      }),
    );
    return DB_ROWS / (Number(process.hrtime.bigint() - start) / 1e9);
  };
  const rates: Record<string, number[]> = { plain: [], audited: [] };
  for (let round = 0; round < DB_ROUNDS; round++) {
    for (const v of round % 2 ? ['audited', 'plain'] : ['plain', 'audited'])
      rates[v]!.push(await run(v === 'audited'));
  }
  const verify = await audit.verify();
  const db = {
    plain_rows_s: Math.round(median(rates['plain']!)),
    audited_rows_s: Math.round(median(rates['audited']!)),
    ratio: Number((median(rates['audited']!) / median(rates['plain']!)).toFixed(3)),
  };
  console.log(
    `DB insert: plain ${db.plain_rows_s} rows/s, with audit append ${db.audited_rows_s} rows/s (ratio ${db.ratio}); chain valid: ${verify.valid}`,
  );
  console.log(
    JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: `${cpus().length} x ${cpus()[0]?.model}, node ${process.version}, load avg ${load?.toFixed(1)}`,
        connections: CONNECTIONS,
        duration_s: DURATION_S,
        http_rounds: HTTP_ROUNDS,
        postgres: durability,
        ratio_post_over_get: Number((http.rps / baseline.rps).toFixed(3)),
        http,
        baseline_get_one: baseline,
        db: { ...db, rows_per_round: DB_ROWS, rounds: DB_ROUNDS, writers: 4 },
        audit_chain_valid: verify.valid,
      },
      null,
      2,
    ),
  );
} finally {
  await database.close();
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.end();
}
