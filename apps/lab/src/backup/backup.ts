import { cp, mkdir, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { LabConfig } from '../config.ts';
import { type Database, openDatabase, queryRows } from '../db/client.ts';
import { acquireDataDirLock, LOCK_FILE_NAME } from '../db/data-dir-lock.ts';
import { AuditTrail } from '../platform/audit/audit-trail.ts';
import type { ChainVerification } from '../platform/audit/chain-verification.ts';
import {
  compareWithSignedHead,
  describeHeadProblem,
  type HeadComparison,
  type SignedHead,
  writeFileAtomically,
} from '../platform/audit/signed-head.ts';
import { loadServerSecrets } from '../secrets.ts';
import { runPgTool } from './pg-tools.ts';

/**
 * A backup is a directory: backup.json (what it holds), then either data/ (a copy of the PGlite data
 * directory, taken under its lock) or database.dump (pg_dump, custom format) and files/ (the
 * certificates and development secrets that live under the data directory, outside PostgreSQL).
 */
export interface BackupManifest {
  format: typeof FORMAT;
  database: 'pglite' | 'postgres';
  created_at: string;
  /** The chain's last event when the backup was taken (on PostgreSQL, read just before pg_dump). */
  audit_head: { seq: number; hash: string } | null;
}

const FORMAT = 'polymorph.lab-backup.v1';
const MANIFEST = 'backup.json';
/** What lives under the data directory besides PGlite's own files. */
const DATA_DIR_FILES = ['certificates', 'secrets'];

/** The operator must act: the message says what happened and what to do. CLI exit code 1. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}

export async function backup(config: LabConfig, out: string): Promise<BackupManifest> {
  if (await exists(out)) throw new BackupError(`${out} exists: give a new directory to write the backup to`);
  const staging = `${out}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  // It may hold the development secrets: readable by its owner only.
  await mkdir(staging, { recursive: true, mode: 0o700 });
  try {
    const manifest = config.databaseUrl
      ? await backupPostgres(config, config.databaseUrl, staging)
      : await backupPglite(config, staging);
    await writeFileAtomically(join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(staging, out);
    return manifest;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

async function backupPglite(config: LabConfig, staging: string): Promise<BackupManifest> {
  // A server holding the directory refuses the copy (DataDirLockedError): a copy taken while PGlite
  // writes could be torn. Under the lock nothing writes, and WAL replay on open completes the copy.
  const lock = acquireDataDirLock(config.dataDir);
  try {
    await cp(config.dataDir, join(staging, 'data'), { recursive: true, filter: notLockFile });
  } finally {
    lock.release();
  }
  // Opening the copy proves it is a database, and reads what it holds.
  const copy = await openDatabase({ kind: 'pglite', dataDir: join(staging, 'data') });
  try {
    return manifestOf('pglite', await auditHead(copy));
  } finally {
    await copy.close();
  }
}

async function backupPostgres(config: LabConfig, url: string, staging: string): Promise<BackupManifest> {
  const database = await openDatabase({ kind: 'postgres', url, poolMax: 1 });
  let head: BackupManifest['audit_head'];
  try {
    head = await auditHead(database);
  } finally {
    await database.close();
  }
  await runPgTool('pg_dump', url, ['--format=custom', `--file=${join(staging, 'database.dump')}`]);
  for (const name of DATA_DIR_FILES) {
    const source = join(config.dataDir, name);
    if (await exists(source)) await cp(source, join(staging, 'files', name), { recursive: true });
  }
  return manifestOf('postgres', head);
}

function manifestOf(
  database: BackupManifest['database'],
  head: BackupManifest['audit_head'],
): BackupManifest {
  return { format: FORMAT, database, created_at: new Date().toISOString(), audit_head: head };
}

async function auditHead(database: Database): Promise<BackupManifest['audit_head']> {
  const [row] = await queryRows<{ seq: string; hash: string }>(
    database.db,
    sql`SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`,
  );
  return row ? { seq: Number(row.seq), hash: row.hash } : null;
}

function notLockFile(source: string): boolean {
  return !basename(source).startsWith(LOCK_FILE_NAME);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function readManifest(from: string): Promise<BackupManifest> {
  let parsed: Partial<BackupManifest>;
  try {
    parsed = JSON.parse(await readFile(join(from, MANIFEST), 'utf8')) as Partial<BackupManifest>;
  } catch (err) {
    throw new BackupError(`${from} is not a lab backup: cannot read ${MANIFEST} (${(err as Error).message})`);
  }
  const { database, created_at, audit_head } = parsed;
  if (parsed.format !== FORMAT || (database !== 'pglite' && database !== 'postgres') || !created_at)
    throw new BackupError(`${join(from, MANIFEST)} is not a ${FORMAT} manifest`);
  return { format: FORMAT, database, created_at, audit_head: audit_head ?? null };
}

export interface RestoreCheck {
  chain: ChainVerification;
  head: HeadComparison;
  /** The head-file problem in words; null when the chain reaches the last signed head. */
  headProblem: string | null;
}

/** Verifies a restored (or about to be restored) database: its chain, and the last signed head. */
export async function checkRestored(
  database: Database,
  config: LabConfig,
  secretsConfig: LabConfig,
  head: SignedHead | null,
): Promise<RestoreCheck> {
  const { signingKey } = await loadServerSecrets(secretsConfig);
  const chain = await new AuditTrail(database, signingKey, config.auditCheckpointInterval).verify();
  const comparison = await compareWithSignedHead(database, head, signingKey.publicKey);
  return { chain, head: comparison, headProblem: describeHeadProblem(comparison, config.auditHeadFile) };
}

/** Moves every entry of `from` into `to` (same file system: renames), except the lock file. */
export async function moveEntries(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const name of await readdir(from)) {
    if (name.startsWith(LOCK_FILE_NAME)) continue;
    await rename(join(from, name), join(to, name));
  }
}

export async function removeEmptyDir(dir: string): Promise<void> {
  await rmdir(dir).catch(() => undefined);
}
