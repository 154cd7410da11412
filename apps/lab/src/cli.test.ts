import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
});
