import { randomBytes } from 'node:crypto';
import {
  linkSync,
  mkdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';

/**
 * PGlite runs PostgreSQL inside this process, with no server to arbitrate: a second process opening the
 * same directory writes over the first one's files, and what it wrote is lost (or the first one aborts).
 * So each opener first creates `<dataDir>/polymorph.lock`, naming itself; the file exists only while
 * some process has the directory open.
 *
 * Why not proper-lockfile: it judges a lock stale by an mtime the holder refreshes on a timer. PGlite's
 * queries run on the main thread, so a long migration or a busy event loop misses the refresh and the
 * lock is handed to a second process while the first is alive; it also records no pid to tell the user.
 * Here a lock is stale only when its holder is known to be gone: no process with that pid, or a process
 * with that pid that started at another time (the pid was reused, e.g. pid 1 in a restarted container).
 */
export const LOCK_FILE_NAME = 'polymorph.lock';

export interface LockHolder {
  pid: number;
  host: string;
  /** Start time of the process in clock ticks since boot (Linux /proc); null where unknown. */
  started: string | null;
  /** What the holder runs, e.g. "cli.ts start". */
  command: string;
  since: string;
  /** Tells this acquisition apart from an earlier one by the same pid. */
  token: string;
}

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
    readonly lockFile: string,
  ) {
    const where = holder.host === hostname() ? '' : ` on host ${holder.host}`;
    super(
      `the embedded database in ${dataDir} is in use by process ${holder.pid}${where} (${holder.command}, since ${holder.since}). ` +
        `PGlite allows one process at a time: stop that process first${where ? `; if it no longer exists there, delete ${lockFile}` : ''}`,
    );
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Deletes the lock file if it is still this acquisition's. Idempotent. */
  release(): void;
}

/** Lock files this process holds: a second open in the same process is refused too. */
const heldHere = new Set<string>();

/** Takes the directory's lock or throws DataDirLockedError naming the live holder. */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, LOCK_FILE_NAME);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    started: processStartTicks(process.pid),
    command: [basename(process.argv[1] ?? 'node'), process.argv[2]].filter(Boolean).join(' '),
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  for (let attempt = 0; attempt < 20; attempt++) {
    if (tryCreate(file, me)) return held(file, me);
    const current = readHolder(file);
    if (current === 'absent') continue;
    // The file is linked into place whole, so an unreadable one was not written by an opener: stale.
    if (current !== 'unreadable' && isAlive(current, file))
      throw new DataDirLockedError(dataDir, current, file);
    removeStale(file, current);
  }
  throw new Error(
    `could not take ${file}: another process keeps taking over a stale lock (if this persists, delete ${file}.takeover)`,
  );
}

/** Creates the lock file with its full content, or returns false if one exists (link never overwrites). */
function tryCreate(file: string, me: LockHolder): boolean {
  const temp = `${file}.${me.pid}.${me.token}.tmp`;
  writeFileSync(temp, `${JSON.stringify(me)}\n`, { mode: 0o644 });
  try {
    linkSync(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(temp, { force: true });
  }
}

function held(file: string, me: LockHolder): DataDirLock {
  heldHere.add(file);
  const release = () => {
    process.removeListener('exit', release);
    if (!heldHere.delete(file)) return;
    const current = readHolder(file);
    if (typeof current === 'object' && current.token === me.token) unlinkSync(file);
  };
  // process.exit() (a failed shutdown, a CLI error) skips the owner's close; a kill -9 leaves a stale file.
  process.on('exit', release);
  return { file, release };
}

function readHolder(file: string): LockHolder | 'absent' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw err;
  }
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.token === 'string')
      return {
        pid: h.pid,
        host: h.host,
        started: typeof h.started === 'string' ? h.started : null,
        command: String(h.command ?? 'unknown'),
        since: String(h.since ?? 'unknown'),
        token: h.token,
      };
  } catch {
    // fall through
  }
  return 'unreadable';
}

/** False only when the holder is known to be gone; a holder on another host cannot be checked. */
function isAlive(holder: LockHolder, file: string): boolean {
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return heldHere.has(file);
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const started = processStartTicks(holder.pid);
  return holder.started === null || started === null || started === holder.started;
}

const GUARD_STALE_MS = 10_000;

/**
 * Deletes a stale lock file. Two openers may both find it stale: the guard directory (mkdir is atomic)
 * lets one of them at a time check again that the file is still the stale one and delete it, so a fresh
 * lock taken by the other is never deleted.
 */
function removeStale(file: string, stale: LockHolder | 'unreadable'): void {
  const guard = `${file}.takeover`;
  try {
    mkdirSync(guard);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A guard left by an opener that died inside the few statements below.
    if (olderThan(guard, GUARD_STALE_MS)) rmSync(guard, { recursive: true, force: true });
    else sleepSync(50);
    return;
  }
  try {
    const current = readHolder(file);
    const same =
      typeof current === 'object' && typeof stale === 'object'
        ? current.token === stale.token
        : current === stale;
    if (same) unlinkSync(file);
  } finally {
    rmdirSync(guard);
  }
}

function olderThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > ms;
  } catch {
    return true;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command, which may hold spaces). */
function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
