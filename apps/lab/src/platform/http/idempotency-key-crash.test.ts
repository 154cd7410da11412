// A real lab process killed with SIGKILL while a keyed create is in flight: the client never reads an
// answer, retries with the same key against the restarted server, and ends up with exactly one sample.
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, type LabServer, runLabCli, startLabServer } from '../../testing/lab-process.ts';
import { freshDatabase } from '../../testing/test-database.ts';
import { HANG_GUARD_MS, waitFor } from '../../testing/wait.ts';

const ADMIN = 'crash-admin@lab.test';
const PASSWORD = 'Quartz-Lantern-crash-7f3a';
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serverEnv(): Promise<Record<string, string>> {
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  const dir = await mkdtemp(join(tmpdir(), 'lab-idem-crash-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  // The data directory holds the keys (and, without DATABASE_URL, the PGlite database) across restarts.
  return { DATABASE_URL: db.url ?? '', POLYMORPH_DATA_DIR: dir };
}

async function start(env: Record<string, string>): Promise<LabServer> {
  const server = await startLabServer(await freePort(), env);
  cleanups.push(async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  });
  return server;
}

async function logIn(server: LabServer): Promise<string> {
  const res = await fetch(`${server.baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('Idempotency-Key across a SIGKILL of the lab process', () => {
  it('a create committed just before the kill, whose answer the client never read, is not made twice', async () => {
    const env = await serverEnv();
    const admin = await runLabCli(['create-admin', '--email', ADMIN, '--name', 'Crash Admin'], {
      ...env,
      POLYMORPH_ADMIN_PASSWORD: PASSWORD,
    });
    expect(admin.code, admin.stderr).toBe(0);
    const first = await start(env);
    const token = await logIn(first);
    const key = 'crash-key-1';
    const body = JSON.stringify({ name: 'crash-once', quantity: 1, unit: 'mL' });

    // The client sends the create on a raw socket and never reads the answer.
    const socket = createConnection({ host: '127.0.0.1', port: Number(new URL(first.baseUrl).port) });
    socket.on('error', () => undefined);
    socket.pause();
    socket.write(
      `POST /api/samples HTTP/1.1\r\nhost: lab\r\nauthorization: Bearer ${token}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `idempotency-key: ${key}\r\nx-request-id: crash-create\r\n\r\n${body}`,
    );
    // Killed as soon as the server has committed (it logs the request as completed).
    await waitFor('the create to complete', HANG_GUARD_MS, () =>
      first.logs.some((l) => l['msg'] === 'request completed' && l['request_id'] === 'crash-create'),
    );
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    socket.destroy();

    // The retry against the restarted server gets the first answer; one sample exists.
    const second = await start(env);
    const auth = { authorization: `Bearer ${await logIn(second)}` };
    const retry = await fetch(`${second.baseUrl}/api/samples`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': key },
      body,
    });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const created = (await retry.json()) as { sample_id: string; name: string };
    expect(created.name).toBe('crash-once');
    const list = await fetch(`${second.baseUrl}/api/samples?q=crash-once&limit=100`, { headers: auth });
    const items = ((await list.json()) as { items: { sample_id: string; name: string }[] }).items;
    expect(items.filter((s) => s.name === 'crash-once').map((s) => s.sample_id)).toEqual([created.sample_id]);
    second.child.kill('SIGTERM');
    await second.exited;
  });
});
