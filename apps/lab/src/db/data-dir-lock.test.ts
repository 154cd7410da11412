import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError, LOCK_FILE_NAME, type LockHolder } from './data-dir-lock.ts';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'lab-dirlock-'));
  dirs.push(d);
  return d;
}

function holder(overrides: Partial<LockHolder>): LockHolder {
  return {
    pid: 1,
    host: hostname(),
    started: null,
    command: 'cli.ts start',
    since: '2026-01-01T00:00:00.000Z',
    token: 'feedfacefeedface',
    ...overrides,
  };
}

function writeLock(dir: string, h: LockHolder): void {
  writeFileSync(join(dir, LOCK_FILE_NAME), JSON.stringify(h));
}

/** A real process that lives until killed, with its start time as /proc shows it. */
async function liveProcess(): Promise<{ pid: number; started: string }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((r) => child.once('spawn', r));
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  return { pid: child.pid!, started: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]! };
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

const onLinux = existsSync('/proc/self/stat');

describe('data directory lock', () => {
  it('refuses a second open, in this process too, and is free again once released', async () => {
    const dir = await tempDir();
    const lock = acquireDataDirLock(dir);
    const holderFile = JSON.parse(readFileSync(lock.file, 'utf8'));
    expect(holderFile).toMatchObject({ pid: process.pid, host: hostname() });
    expect(() => acquireDataDirLock(dir)).toThrowError(
      expect.objectContaining({
        name: 'DataDirLockedError',
        message: expect.stringContaining(`in use by process ${process.pid}`),
      }),
    );
    lock.release();
    expect(existsSync(lock.file)).toBe(false);
    acquireDataDirLock(dir).release();
  });

  it.skipIf(!onLinux)('refuses while the holder lives', async () => {
    const dir = await tempDir();
    const live = await liveProcess();
    writeLock(dir, holder({ pid: live.pid, started: live.started }));
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirLockedError);
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(true);
  });

  it('takes over a lock whose holder is dead', async () => {
    const dir = await tempDir();
    writeLock(dir, holder({ pid: await deadPid() }));
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it.skipIf(!onLinux)('takes over a lock whose pid now belongs to another process', async () => {
    const dir = await tempDir();
    const live = await liveProcess();
    writeLock(dir, holder({ pid: live.pid, started: String(Number(live.started) + 12345) }));
    acquireDataDirLock(dir).release();
  });

  it('takes over a lock naming this very pid from an earlier life (a restarted container is pid 1 again)', async () => {
    const dir = await tempDir();
    writeLock(dir, holder({ pid: process.pid }));
    acquireDataDirLock(dir).release();
  });

  it('refuses a lock held on another host, and says which file to delete if that holder is gone', async () => {
    const dir = await tempDir();
    writeLock(dir, holder({ pid: 4242, host: 'elsewhere.example' }));
    expect(() => acquireDataDirLock(dir)).toThrowError(
      expect.objectContaining({
        message: expect.stringMatching(/process 4242 on host elsewhere\.example.*delete .*polymorph\.lock/),
      }),
    );
  });

  it('takes over an unreadable lock file (openers link theirs into place whole)', async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, LOCK_FILE_NAME), '{"pid":');
    acquireDataDirLock(dir).release();
  });

  it('lets exactly one of several processes racing for a stale lock take it', async () => {
    const dir = await tempDir();
    writeLock(dir, holder({ pid: await deadPid() }));
    const module = fileURLToPath(new URL('./data-dir-lock.ts', import.meta.url));
    // Each contender loads, says so, waits for "go" so that all try at once, prints the outcome, and
    // holds what it took until its stdin closes.
    const script = `
      const { acquireDataDirLock } = await import(${JSON.stringify(module)});
      console.log('ready');
      process.stdin.once('data', () => {
        try { acquireDataDirLock(${JSON.stringify(dir)}); console.log('took'); }
        catch (err) { console.log(err.name); }
      });
      process.stdin.on('end', () => process.exit(0));`;
    const contenders = Array.from({ length: 6 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      children.push(child);
      const lines: string[] = [];
      const waiters: (() => void)[] = [];
      child.stdout.on('data', (d: Buffer) => {
        lines.push(...d.toString().split('\n').filter(Boolean));
        for (const w of waiters.splice(0)) w();
      });
      const line = async (n: number) => {
        while (lines.length < n) await new Promise<void>((r) => waiters.push(r));
        return lines[n - 1]!;
      };
      return { child, line };
    });
    for (const c of contenders) expect(await c.line(1)).toBe('ready');
    for (const c of contenders) c.child.stdin.write('go\n');
    const outcomes = await Promise.all(contenders.map((c) => c.line(2)));
    for (const c of contenders) c.child.stdin.end();
    expect(outcomes.filter((o) => o === 'took')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'DataDirLockedError')).toHaveLength(5);
  });
});
