import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { readMigrationFiles } from './db/migrate.ts';
import { firstAdministratorHint } from './main.ts';
import { freePort, type LabServer, startLabServer } from './testing/lab-process.ts';
import { freshDatabase, onPostgres, type TestDatabase } from './testing/test-database.ts';
import { HANG_GUARD_MS, waitFor } from './testing/wait.ts';

const servers: LabServer[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Environment for a server on a fresh database of the suite's kind. */
async function freshServerEnv(): Promise<{ env: Record<string, string>; db: TestDatabase }> {
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  if (db.url) return { env: { DATABASE_URL: db.url }, db };
  const dir = await mkdtemp(join(tmpdir(), 'lab-data-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return { env: { DATABASE_URL: '', POLYMORPH_DATA_DIR: dir }, db };
}

async function start(env: Record<string, string>): Promise<LabServer> {
  const server = await startLabServer(await freePort(), env);
  servers.push(server);
  return server;
}

describe('lab server process', () => {
  it('starts on a fresh database and answers /health and /ready', async () => {
    const { env } = await freshServerEnv();
    // How fast it starts (the 10 s target) is measured by `npm run bench:startup`, not here.
    const server = await start(env);
    expect((await fetch(`${server.baseUrl}/ready`)).status).toBe(200);
    // An empty database says, in one line, how to create the first administrator.
    // On PGlite it says to stop the server first: the CLI cannot open the directory while it serves.
    expect(server.logs.map((l) => l['msg'])).toContain(
      firstAdministratorHint(onPostgres ? 'postgres' : 'pglite'),
    );
  });

  it('SIGTERM under load: every request the server received is answered, and it exits 0', async () => {
    const { env } = await freshServerEnv();
    const server = await start(env);
    let stop = false;
    const outcomes = { ok: 0, closing503: 0, connectionErrors: 0 };
    const worker = async () => {
      while (!stop) {
        try {
          const res = await fetch(`${server.baseUrl}/ready`);
          await res.text();
          if (res.status === 200) outcomes.ok++;
          else if (res.status === 503) outcomes.closing503++;
          else throw new Error(`unexpected status ${res.status}`);
        } catch (err) {
          if ((err as Error).message.startsWith('unexpected')) throw err;
          outcomes.connectionErrors++;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    };
    const load = Array.from({ length: 32 }, worker);
    // Under load means load has been answered, however long that takes on this machine.
    await waitFor('100 answered requests', HANG_GUARD_MS, () => outcomes.ok > 100);
    // How fast it stops is measured by `npm run bench:shutdown`; here: that it stops, cleanly.
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    stop = true;
    await Promise.all(load);

    expect(exit.code).toBe(0);
    // Server side: each request id that came in has its completion line, so none was cut off.
    const incoming = new Set(
      server.logs.filter((l) => l['msg'] === 'incoming request').map((l) => l['request_id']),
    );
    const completed = new Set(
      server.logs.filter((l) => l['msg'] === 'request completed').map((l) => l['request_id']),
    );
    expect(incoming.size).toBeGreaterThan(100);
    expect([...incoming].filter((id) => !completed.has(id))).toEqual([]);
    expect(server.logs.map((l) => l['msg'])).toContain('shutdown complete');
  });
});

describe.skipIf(!onPostgres)('lab server process on PostgreSQL', () => {
  it('two servers started at the same moment on one fresh database both come up; migrations ran once', async () => {
    const { env, db } = await freshServerEnv();
    const [a, b] = await Promise.all([start(env), start(env)]);
    expect((await fetch(`${a.baseUrl}/ready`)).status).toBe(200);
    expect((await fetch(`${b.baseUrl}/ready`)).status).toBe(200);
    const files = await readMigrationFiles();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query('SELECT id FROM schema_migrations ORDER BY id');
    await client.end();
    expect(rows.map((r) => r.id)).toEqual(files.map((f) => f.id));
    const appliedCounts = [a, b]
      .map(
        (s) => s.logs.find((l) => Array.isArray(l['applied_migrations']))?.['applied_migrations'] as string[],
      )
      .map((x) => x.length)
      .sort();
    expect(appliedCounts).toEqual([0, files.length]);
  });

  it('/ready turns 503 while the database is unreachable and recovers without a restart; /health stays 200', async () => {
    const { db } = await freshServerEnv();
    const target = new URL(db.url as string);
    // A TCP relay between the app and PostgreSQL that the test can cut and restore, like a network outage.
    const proxyPort = await freePort();
    let sockets: Socket[] = [];
    let proxy: Server | undefined;
    const openProxy = () =>
      new Promise<void>((resolve) => {
        proxy = createServer((client) => {
          const upstream = createConnection(Number(target.port), target.hostname);
          sockets.push(client, upstream);
          client.pipe(upstream).pipe(client);
          client.on('error', () => upstream.destroy());
          upstream.on('error', () => client.destroy());
        });
        proxy.listen(proxyPort, '127.0.0.1', () => resolve());
      });
    const cutProxy = () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        sockets = [];
        proxy?.close(() => resolve());
      });
    await openProxy();
    cleanups.push(cutProxy);
    const viaProxy = new URL(target);
    viaProxy.port = String(proxyPort);
    const server = await start({ DATABASE_URL: viaProxy.toString() });
    expect((await fetch(`${server.baseUrl}/ready`)).status).toBe(200);

    await cutProxy();
    const down = await fetch(`${server.baseUrl}/ready`);
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await down.json()) as { type: string }).type).toBe('/problems/database-unavailable');
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);

    await openProxy();
    await waitFor('/ready to answer 200 again', HANG_GUARD_MS, async () => {
      const res = await fetch(`${server.baseUrl}/ready`);
      await res.body?.cancel();
      return res.status === 200;
    });
  });
});
