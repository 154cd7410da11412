import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportServerKeyPair, generateServerKeyPair } from './platform/signatures/server-key.ts';
import { runLabCli } from './testing/lab-process.ts';

describe('npm run lab -- <command>', () => {
  it('--help lists the commands', async () => {
    const r = await runLabCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/migrate/);
    expect(r.stdout).toMatch(/start/);
  });

  it('every command has --help', async () => {
    for (const cmd of ['start', 'migrate']) {
      const r = await runLabCli([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Usage: npm run lab -- ${cmd}`));
    }
  });

  it('an unknown command exits 2 with a clear message', async () => {
    const r = await runLabCli(['migrat']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: unknown command "migrat"/);
  });

  it('an unexpected argument exits 2', async () => {
    const r = await runLabCli(['migrate', 'now']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: migrate: Unexpected argument 'now'/);
  });

  it('a bad environment value prints one line naming the variable and exits non-zero', async () => {
    const r = await runLabCli(['start'], { POLYMORPH_PORT: 'eighty' });
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([
      'configuration error: POLYMORPH_PORT: must be an integer (got "eighty")',
    ]);
  });

  it('migrate applies pending migrations on the embedded database, then reports up to date', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lab-migrate-'));
    try {
      const env = { POLYMORPH_DATA_DIR: dir, DATABASE_URL: '' };
      const first = await runLabCli(['migrate'], env);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/applied: 0000_/);
      const second = await runLabCli(['migrate'], env);
      expect(second.stdout).toMatch(/up to date/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('create-admin creates the first administrator once, then says "exists"; export and offline verify catch tampering', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lab-admin-'));
    try {
      const env = {
        POLYMORPH_DATA_DIR: dir,
        DATABASE_URL: '',
        POLYMORPH_ADMIN_PASSWORD: 'Violet-Harbor-Engine-42',
      };
      const weak = await runLabCli(['create-admin', '--email', 'qa.lead@lab.test', '--name', 'QA Lead'], {
        ...env,
        POLYMORPH_ADMIN_PASSWORD: 'password',
      });
      expect(weak.code).toBe(2);
      expect(weak.stderr).toMatch(/at least 12 characters/);
      const first = await runLabCli(
        ['create-admin', '--email', 'qa.lead@lab.test', '--name', 'QA Lead'],
        env,
      );
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('created administrator qa.lead@lab.test');
      const again = await runLabCli(
        ['create-admin', '--email', 'qa.lead@lab.test', '--name', 'QA Lead'],
        env,
      );
      expect(again.stdout.trim()).toBe('exists');
      expect(again.code).toBe(0);

      const verify = await runLabCli(['audit', 'verify'], env);
      expect(verify.code, verify.stderr).toBe(0);
      expect(JSON.parse(verify.stdout)).toMatchObject({ valid: true, first_invalid_seq: null });

      const file = join(dir, 'evidence.jsonl');
      expect((await runLabCli(['audit', 'export', '--out', file], env)).code).toBe(0);
      const fingerprint = (await runLabCli(['audit', 'fingerprint'], env)).stdout.trim();
      const offline = await runLabCli(['audit', 'verify', '--file', file, '--key-fingerprint', fingerprint], {
        DATABASE_URL: '',
        POLYMORPH_DATA_DIR: '/nonexistent',
      });
      expect(offline.code, offline.stdout + offline.stderr).toBe(0);
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.replace('"actor":"system:cli"', '"actor":"mallory"'));
      const tampered = await runLabCli(
        ['audit', 'verify', '--file', file, '--key-fingerprint', fingerprint],
        env,
      );
      expect(tampered.code).toBe(1);
      expect(JSON.parse(tampered.stdout)).toMatchObject({ valid: false, reason: 'hash_mismatch' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('audit rotate-key hands over to a new key; the database and exports verify from the old fingerprint and the new', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lab-rotate-'));
    try {
      const env = {
        POLYMORPH_DATA_DIR: dir,
        DATABASE_URL: '',
        POLYMORPH_ADMIN_PASSWORD: 'Violet-Harbor-Engine-42',
      };
      const created = await runLabCli(['create-admin', '--email', 'qa.lead@lab.test', '--name', 'QA'], env);
      expect(created.code, created.stderr).toBe(0);
      const oldFingerprint = (await runLabCli(['audit', 'fingerprint'], env)).stdout.trim();
      const newKeyFile = join(dir, 'next-signing-key.pem');
      await writeFile(newKeyFile, exportServerKeyPair(generateServerKeyPair()).privateKeyPem);

      const rotated = await runLabCli(['audit', 'rotate-key', '--new-key-file', newKeyFile], env);
      expect(rotated.code, rotated.stderr).toBe(0);
      const handover = JSON.parse(rotated.stdout);
      expect(handover.to_key_fingerprint).not.toBe(oldFingerprint);
      expect(rotated.stderr).toContain(`POLYMORPH_SIGNING_KEY_FILE=${newKeyFile}`);

      const rekeyed = { ...env, POLYMORPH_SIGNING_KEY_FILE: newKeyFile };
      const verify = await runLabCli(['audit', 'verify'], rekeyed);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      const file = join(dir, 'evidence.jsonl');
      expect((await runLabCli(['audit', 'export', '--out', file], rekeyed)).code).toBe(0);
      for (const fingerprint of [oldFingerprint, handover.to_key_fingerprint]) {
        const offline = await runLabCli(
          ['audit', 'verify', '--file', file, '--key-fingerprint', fingerprint],
          {
            DATABASE_URL: '',
            POLYMORPH_DATA_DIR: '/nonexistent',
          },
        );
        expect(offline.code, offline.stdout + offline.stderr).toBe(0);
      }
      const again = await runLabCli(['audit', 'rotate-key', '--new-key-file', newKeyFile], rekeyed);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/is the current one/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('create-admin without --email exits 2', async () => {
    const r = await runLabCli(['create-admin', '--name', 'X']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--email is required');
  });
});
