// A crash is not tampering: a real lab process killed with SIGKILL before its next checkpoint leaves an
// unsealed tail, which `audit verify`, the metrics and the verify route tell apart from a broken chain.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from './db/client.ts';
import { freePort, type LabServer, runLabCli, startLabServer } from './testing/lab-process.ts';
import { freshDatabase } from './testing/test-database.ts';
import { HANG_GUARD_MS, waitFor } from './testing/wait.ts';

const servers: LabServer[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await c();
});

const ADMIN = { email: 'qa.lead@lab.test', password: 'Violet-Harbor-Engine-42' };

async function setUp() {
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  const dir = await mkdtemp(join(tmpdir(), 'lab-unsealed-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const env = {
    DATABASE_URL: db.url ?? '',
    POLYMORPH_DATA_DIR: dir,
    POLYMORPH_ADMIN_PASSWORD: ADMIN.password,
    // Neither bound is reached before the kill: the events stay after the last checkpoint.
    POLYMORPH_AUDIT_CHECKPOINT_INTERVAL: '1000',
    POLYMORPH_AUDIT_CHECKPOINT_SECONDS: '3600',
  };
  // Tampering needs rights the app does not have: the superuser's connection, or the PGlite directory.
  const openAsOwner = (): Promise<Database> =>
    db.url ? db.open() : openDatabase({ kind: 'pglite', dataDir: dir });
  return { env, openAsOwner };
}

async function start(env: Record<string, string>): Promise<LabServer> {
  const server = await startLabServer(await freePort(), env);
  servers.push(server);
  return server;
}

async function login(server: LabServer): Promise<{ authorization: string }> {
  const res = await fetch(`${server.baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  expect(res.status).toBe(200);
  return { authorization: `Bearer ${((await res.json()) as { access_token: string }).access_token}` };
}

function gauge(metrics: string, name: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

describe('an unsealed tail after a crash', () => {
  it('SIGKILL before the checkpoint: verify exits 0 with a note, 4 once the tail is overdue, 1 only when tampered; the gauges say so', async () => {
    const { env, openAsOwner } = await setUp();
    const created = await runLabCli(['create-admin', '--email', ADMIN.email, '--name', 'QA'], env);
    expect(created.code, created.stderr).toBe(0);

    const server = await start(env);
    await login(server);
    await login(server);
    const before = await (await fetch(`${server.baseUrl}/metrics`)).text();
    const unsealed = gauge(before, 'polymorph_audit_unsealed_events');
    expect(unsealed).toBeGreaterThanOrEqual(3);
    expect(gauge(before, 'polymorph_audit_checkpoints_missing')).toBe(0);
    // No verification has found a break: the chain-invalid alert has nothing to fire on.
    expect(gauge(before, 'polymorph_audit_chain_valid')).toBe(1);
    server.child.kill('SIGKILL');
    expect((await server.exited).signal).toBe('SIGKILL');

    // Young tail: intact, a note on stderr, exit 0.
    const fresh = await runLabCli(['audit', 'verify'], env);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(JSON.parse(fresh.stdout)).toMatchObject({
      status: 'valid',
      valid: true,
      reason: null,
      unsealed: { count: unsealed, first_seq: 1, age_seconds: expect.any(Number) },
      missing_checkpoints: null,
    });
    expect(fresh.stderr).toMatch(/note: chain intact; \d+ event\(s\) after the last checkpoint/);

    // With a 1 s checkpoint period the same tail is overdue (older than 2 s by the database's clock): 4.
    let overdue = await runLabCli(['audit', 'verify'], { ...env, POLYMORPH_AUDIT_CHECKPOINT_SECONDS: '1' });
    await waitFor('the tail to be overdue', HANG_GUARD_MS, async () => {
      if (overdue.code === 0)
        overdue = await runLabCli(['audit', 'verify'], { ...env, POLYMORPH_AUDIT_CHECKPOINT_SECONDS: '1' });
      return overdue.code !== 0;
    });
    expect(overdue.code, overdue.stderr).toBe(4);
    expect(JSON.parse(overdue.stdout)).toMatchObject({ status: 'unsealed', valid: true });
    expect(overdue.stderr).toMatch(/chain intact but UNSEALED/);

    // Restarted, the server signs nothing by itself: the gauges and the route report the same tail.
    const again = await start(env);
    const metrics = await (await fetch(`${again.baseUrl}/metrics`)).text();
    expect(gauge(metrics, 'polymorph_audit_unsealed_events')).toBe(unsealed);
    expect(gauge(metrics, 'polymorph_audit_unsealed_age_seconds')).toBeGreaterThan(0);
    expect(gauge(metrics, 'polymorph_audit_chain_valid')).toBe(1);
    const auth = await login(again);
    const route = await fetch(`${again.baseUrl}/api/compliance/audit/verify`, { headers: auth });
    expect(await route.json()).toMatchObject({
      valid: true,
      status: 'valid',
      unsealed: { count: unsealed + 1, first_seq: 1 },
      missing_checkpoints: null,
    });
    const after = await (await fetch(`${again.baseUrl}/metrics`)).text();
    expect(gauge(after, 'polymorph_audit_chain_valid')).toBe(1);
    again.child.kill('SIGKILL');
    await again.exited;

    // An edited event is a broken chain: exit 1, whatever the tail.
    const owner = await openAsOwner();
    try {
      await owner.withSession(async (s) => {
        await s.exec('ALTER TABLE audit_events DISABLE TRIGGER USER');
        await s.exec(`UPDATE audit_events SET actor = 'mallory' WHERE seq = 2`);
        await s.exec('ALTER TABLE audit_events ENABLE TRIGGER USER');
      });
    } finally {
      await owner.close();
    }
    const broken = await runLabCli(['audit', 'verify'], env);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({
      status: 'broken',
      valid: false,
      first_invalid_seq: 2,
      reason: 'hash_mismatch',
      unsealed: null,
    });
  });
});
