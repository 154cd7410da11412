import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME } from './db/data-dir-lock.ts';
import { freePort, type LabServer, runLabCli, startLabServer } from './testing/lab-process.ts';

// Real processes on one PGlite data directory: a server, the CLI, a second server.
const servers: LabServer[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) if (s.child.exitCode === null) s.child.kill('SIGKILL');
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const PASSWORD = 'Quartz-Lantern-lock-7f3a';

async function dataDirEnv(): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'lab-lock-'));
  dirs.push(dir);
  return {
    DATABASE_URL: '',
    POLYMORPH_DATA_DIR: dir,
    POLYMORPH_ADMIN_PASSWORD: PASSWORD,
    // Every event is signed, so the chain ends in a checkpoint and verification covers it all.
    POLYMORPH_AUDIT_CHECKPOINT_INTERVAL: '1',
  };
}

async function start(env: Record<string, string>): Promise<LabServer> {
  const server = await startLabServer(await freePort(), env);
  servers.push(server);
  return server;
}

async function login(server: LabServer, email: string): Promise<{ authorization: string }> {
  const res = await fetch(`${server.baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  return { authorization: `Bearer ${((await res.json()) as { access_token: string }).access_token}` };
}

async function chainOf(server: LabServer, auth: { authorization: string }) {
  const res = await fetch(`${server.baseUrl}/api/compliance/audit/verify`, { headers: auth });
  expect(res.status).toBe(200);
  return (await res.json()) as { valid: boolean; checked: number };
}

describe('one PGlite data directory, several processes', () => {
  it('refuses the CLI and a second server while a server runs, and the first keeps all its data', async () => {
    const env = await dataDirEnv();
    const created = await runLabCli(['create-admin', '--email', 'first@lab.test', '--name', 'First'], env);
    expect(created.code, created.stderr).toBe(0);

    const server = await start(env);
    const pid = server.child.pid;
    let auth = await login(server, 'first@lab.test');
    const sample = await fetch(`${server.baseUrl}/api/samples`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ sample_id: 'LOCK-1', quantity: 1 }),
    });
    expect(sample.status).toBe(201);
    const before = await chainOf(server, auth);
    expect(before.valid).toBe(true);

    // The CLI on the served directory: refused, naming the server's pid and what to do instead.
    const cli = await runLabCli(['create-admin', '--email', 'second@lab.test', '--name', 'Second'], env);
    expect(cli.code).toBe(1);
    expect(cli.stdout).not.toContain('created administrator');
    expect(cli.stderr).toContain(`process ${pid}`);
    expect(cli.stderr).toContain('stop');
    expect(cli.stderr).toContain('POST /api/users');

    // A second server on the same directory: refused the same way, before it opens the database.
    const second = await runLabCli(['start'], { ...env, POLYMORPH_PORT: String(await freePort()) });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`process ${pid}`);

    // The first server is untouched: it serves, the record is there, the chain verifies, and the
    // refused administrator was never written.
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${server.baseUrl}/api/samples/LOCK-1`, { headers: auth })).status).toBe(200);
    expect(await chainOf(server, auth)).toMatchObject({ valid: true, checked: before.checked });
    const users = (await (await fetch(`${server.baseUrl}/api/users`, { headers: auth })).json()) as {
      items: { email: string }[];
    };
    expect(users.items.map((u) => u.email)).toEqual(['first@lab.test']);

    // Stopped cleanly, it releases the lock; after a restart everything is still there.
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    expect(existsSync(join(env['POLYMORPH_DATA_DIR']!, LOCK_FILE_NAME))).toBe(false);
    const again = await start(env);
    auth = await login(again, 'first@lab.test');
    expect((await fetch(`${again.baseUrl}/api/samples/LOCK-1`, { headers: auth })).status).toBe(200);
    expect((await chainOf(again, auth)).valid).toBe(true);

    // Killed, it leaves its lock behind; the next process sees the holder is dead and takes it over.
    again.child.kill('SIGKILL');
    await again.exited;
    expect(existsSync(join(env['POLYMORPH_DATA_DIR']!, LOCK_FILE_NAME))).toBe(true);
    const verify = await runLabCli(['audit', 'verify'], env);
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout.trim().split('\n').pop()!)).toMatchObject({ valid: true });
  });
});
