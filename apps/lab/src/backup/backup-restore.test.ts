import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../cli.ts';
import { acquireDataDirLock } from '../db/data-dir-lock.ts';
import { freshDatabase, onPostgres, type TestDatabase } from '../testing/test-database.ts';

// The CLI in this process, on the suite's database: PGlite in a temporary directory, or fresh
// PostgreSQL databases (DATABASE_URL of the owner, as an operator runs backup and restore).
let root: string;
const databases: TestDatabase[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lab-backup-'));
  vi.stubEnv('POLYMORPH_DATA_DIR', join(root, 'data'));
  vi.stubEnv('POLYMORPH_AUDIT_HEAD_FILE', join(root, 'state', 'audit-head.json'));
  // Every event is signed at once, so the head file follows the chain event by event.
  vi.stubEnv('POLYMORPH_AUDIT_CHECKPOINT_INTERVAL', '1');
  vi.stubEnv('POLYMORPH_ADMIN_PASSWORD', 'Quartz-Lantern-backup-91c2');
  vi.stubEnv('POLYMORPH_LOG_LEVEL', 'silent');
  vi.stubEnv('DATABASE_URL', onPostgres ? await newDatabase() : '');
});

afterAll(async () => {
  vi.unstubAllEnvs();
  for (const d of databases) await d.drop();
  await rm(root, { recursive: true, force: true });
});

async function newDatabase(): Promise<string> {
  const db = await freshDatabase();
  databases.push(db);
  return db.url!;
}

async function lab(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    const code = await runCli(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

async function verify(): Promise<{ code: number; result: Record<string, unknown>; err: string }> {
  const r = await lab('audit', 'verify');
  return { code: r.code, result: JSON.parse(r.out.split('\n').pop()!), err: r.err };
}

const admin = (n: number) => lab('create-admin', '--email', `admin${n}@lab.test`, '--name', `Admin ${n}`);
const headFile = () => join(root, 'state', 'audit-head.json');
const headSeq = async () => JSON.parse(await readFile(headFile(), 'utf8')).seq as number;

describe(`backup and restore (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('restores a backup whose chain verifies, and catches an older one by the head signed since', async () => {
    expect((await admin(1)).code).toBe(0);
    const signedAtBackup = await headSeq();
    const old = join(root, 'backup-1');
    const backedUp = await lab('backup', '--out', old);
    expect(backedUp.code, backedUp.err).toBe(0);
    expect(JSON.parse(await readFile(join(old, 'backup.json'), 'utf8')).audit_head.seq).toBe(signedAtBackup);

    // More history, signed: the head file moves on.
    expect((await admin(2)).code).toBe(0);
    const signedLater = await headSeq();
    expect(signedLater).toBeGreaterThan(signedAtBackup);

    // Restoring the older backup is refused and changes nothing.
    if (onPostgres) vi.stubEnv('DATABASE_URL', await newDatabase());
    const refused = await lab('restore', '--from', old);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`seq ${signedLater} was already signed`);
    expect(refused.err).toContain('--accept-older');
    if (!onPostgres) expect((await verify()).result).toMatchObject({ valid: true, signed_head: 'contains' });

    // Accepted on purpose: restored, verified, recorded in the trail, and the old head kept aside.
    const accepted = await lab('restore', '--from', old, '--accept-older');
    expect(accepted.code, accepted.err).toBe(0);
    expect(accepted.err).toContain('accepted an older state');
    expect(
      (await readdir(join(root, 'state'))).some((f) => f.startsWith('audit-head.json.superseded-')),
    ).toBe(true);
    const restored = await verify();
    expect(restored).toMatchObject({ code: 0, result: { valid: true, signed_head: 'contains' } });
    expect(await headSeq()).toBe(signedAtBackup + 1); // the audit.backup_restored event, signed
    // Admin 2 went with the newer history: it is created again.
    expect((await admin(2)).out).toBe('created administrator admin2@lab.test');
  });

  it('restores the newest backup with no complaint', async () => {
    const latest = join(root, 'backup-2');
    expect((await lab('backup', '--out', latest)).code).toBe(0);
    const seq = await headSeq();
    if (onPostgres) vi.stubEnv('DATABASE_URL', await newDatabase());
    const restored = await lab('restore', '--from', latest);
    expect(restored.code, restored.err).toBe(0);
    expect(restored.err).toBe('');
    expect(await verify()).toMatchObject({ code: 0, result: { valid: true, signed_head: 'contains' } });
    expect(await headSeq()).toBe(seq + 1);
    expect((await admin(2)).out).toBe('exists');
  });

  it.skipIf(onPostgres)(
    'audit verify reports a data directory rolled back behind the lab’s back',
    async () => {
      const dir = join(root, 'data');
      const before = await headSeq();
      await rm(dir, { recursive: true });
      await cp(join(root, 'backup-1', 'data'), dir, { recursive: true });
      const rolledBack = await verify();
      expect(rolledBack.code).toBe(1);
      expect(rolledBack.result).toMatchObject({ valid: true, signed_head: 'older' });
      expect(rolledBack.err).toContain(`seq ${before} was already signed`);
      // New events on the rolled-back chain do not overwrite the evidence of what was signed before.
      expect((await admin(9)).code).toBe(0);
      expect(await headSeq()).toBe(before);
    },
    300_000,
  );

  it.skipIf(onPostgres)('will not copy a data directory another process holds', async () => {
    const lock = acquireDataDirLock(join(root, 'data'));
    try {
      const r = await lab('backup', '--out', join(root, 'backup-3'));
      expect(r.code).toBe(1);
      expect(r.err).toContain(`in use by process ${process.pid}`);
      expect(r.err).toContain('stop it for the backup');
    } finally {
      lock.release();
    }
  });

  it('refuses to write over an existing backup and to read something that is not one', async () => {
    expect((await lab('backup', '--out', join(root, 'backup-1'))).err).toContain('exists');
    expect((await lab('restore', '--from', root)).err).toContain('is not a lab backup');
  });
});
