// A throw-away PostgreSQL cluster that a test owns, so it can restart it: initdb into a temporary
// directory, pg_ctl start on a free loopback port, and pg_ctl restart in fast or immediate mode.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../lab-process.ts';

const run = promisify(execFile);

/** The directory of initdb and pg_ctl (Debian's /usr/lib/postgresql/N/bin or PATH); undefined without them. */
export function findPgBin(): string | undefined {
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian) ? readdirSync(debian).sort((a, b) => Number(b) - Number(a)) : [];
  const candidates = [
    ...versions.map((v) => join(debian, v, 'bin')),
    ...(process.env['PATH'] ?? '').split(':'),
  ];
  return candidates.find((dir) => dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

export type ShutdownMode = 'fast' | 'immediate';

export interface ThrowawayCluster {
  /** postgres:// URL of the `lab` database, as the superuser `lab`. */
  url: string;
  /** `pg_ctl restart -m MODE`: returns once the server accepts connections again. */
  restart(mode: ShutdownMode): Promise<void>;
  stop(mode?: ShutdownMode): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its files. */
  destroy(): Promise<void>;
}

/** initdb refuses to run as root: as root, the cluster belongs to the `postgres` account. */
const asRoot = process.getuid?.() === 0;
const RUN_AS = 'postgres';

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

async function runPg(bin: string, tool: string, args: string[]): Promise<void> {
  const file = join(bin, tool);
  // Generous: an immediate restart replays WAL, and this machine may be busy.
  const options = { timeout: 120_000 };
  if (asRoot) await run('su', [RUN_AS, '-s', '/bin/sh', '-c', [file, ...args].map(quote).join(' ')], options);
  else await run(file, args, options);
}

/**
 * Starts a fresh cluster with fsync on (as production runs), a database `lab`, and a superuser `lab`
 * trusted on loopback. Fails if initdb is missing: call `findPgBin()` first to skip instead.
 */
export async function startThrowawayCluster(): Promise<ThrowawayCluster> {
  const bin = findPgBin();
  if (!bin) throw new Error('initdb and pg_ctl not found (install PostgreSQL)');
  const dir = await mkdtemp(join(tmpdir(), 'lab-fault-pg-'));
  if (asRoot) {
    const { uid, gid } = accountIds(RUN_AS);
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  await runPg(bin, 'initdb', ['-D', data, '-U', 'lab', '--auth=trust', '-E', 'UTF8']);
  const serverOptions = `-h 127.0.0.1 -p ${port} -k ${dir} -c max_connections=100`;
  const pgCtl = (...args: string[]) =>
    runPg(bin, 'pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '120', ...args]);
  await pgCtl('-o', serverOptions, 'start');
  const url = `postgres://lab@127.0.0.1:${port}/lab`;
  const admin = new pg.Client({ connectionString: `postgres://lab@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query('CREATE DATABASE lab');
  await admin.end();
  return {
    url,
    restart: (mode) => pgCtl('-m', mode, '-o', serverOptions, 'restart'),
    stop: (mode = 'fast') => pgCtl('-m', mode, 'stop'),
    start: () => pgCtl('-o', serverOptions, 'start'),
    destroy: async () => {
      await pgCtl('-m', 'immediate', 'stop').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** uid and gid of a local account, from /etc/passwd. */
function accountIds(user: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.split(':')[0] === user);
  if (!line) throw new Error(`no account ${user} to own the cluster`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
