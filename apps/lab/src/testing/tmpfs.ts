// A small real filesystem for tests of a full disk: a tmpfs mounted on a directory, filled on purpose.
// Mounting needs root (CI and the development machine run as root); elsewhere the tests that use it are
// skipped and say why, except under CI, where they fail.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs a command; undefined when it succeeds, else what it said. */
function run(command: string, args: string[]): string | undefined {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return r.status === 0
    ? undefined
    : `${command} ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`;
}

/** Why a tmpfs cannot be mounted here, or undefined when it can (tried once on a scratch directory). */
function mountRefusal(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root, and mounting a tmpfs needs root';
  const probe = mkdtempSync(join(tmpdir(), 'polymorph-mount-probe-'));
  try {
    return run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]) ?? run('umount', [probe]);
  } finally {
    rmdirSync(probe);
  }
}

/**
 * Undefined when this machine can mount a tmpfs; otherwise the reason, printed once. Under CI a
 * refusal throws: CI runs as root and can mount, so there it is a broken machine, not a reason to skip.
 */
export function tmpfsRefusal(what: string): string | undefined {
  const refusal = mountRefusal();
  if (refusal && process.env['CI']) throw new Error(`${what} need a tmpfs: ${refusal}`);
  if (refusal) console.warn(`SKIPPED: ${what} cannot mount a tmpfs (${refusal})`);
  return refusal;
}

export interface Tmpfs {
  readonly dir: string;
  /** Fills the filesystem with a filler file until less than `room` bytes are free. */
  fillLeaving(room: number): Promise<void>;
  /** Removes the filler file. */
  free(): Promise<void>;
  /** Unmounts (lazily, so that a file a failed test left open cannot keep it mounted). */
  unmount(): void;
}

/** Mounts a tmpfs of `bytes` on the existing directory `dir`. */
export function mountTmpfs(dir: string, bytes: number): Tmpfs {
  const refused = run('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0750`, 'tmpfs', dir]);
  if (refused) throw new Error(refused);
  const filler = join(dir, 'filler');
  const free = () => rm(filler, { force: true });
  return {
    dir,
    free,
    async fillLeaving(room) {
      await free();
      const { bavail, bsize } = await statfs(dir);
      await writeFile(filler, Buffer.alloc(Math.max(0, bavail * bsize - room), 0x41));
      const after = await statfs(dir);
      if (after.bavail * after.bsize >= room + bsize)
        throw new Error(`${dir} still has ${after.bavail * after.bsize} bytes free`);
    },
    unmount() {
      const refused = run('umount', ['--lazy', dir]);
      if (refused) throw new Error(refused);
    },
  };
}
