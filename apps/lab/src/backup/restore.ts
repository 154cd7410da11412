import { cp, readdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { LabConfig } from '../config.ts';
import { openDatabase, queryRows } from '../db/client.ts';
import { acquireDataDirLock, LOCK_FILE_NAME } from '../db/data-dir-lock.ts';
import { readSignedHead, type SignedHead, SignedHeadFormatError } from '../platform/audit/signed-head.ts';
import {
  BackupError,
  type BackupManifest,
  checkRestored,
  moveEntries,
  type RestoreCheck,
  readManifest,
  removeEmptyDir,
} from './backup.ts';
import { runPgTool } from './pg-tools.ts';

export interface RestoreOptions {
  /** Accept a backup older than (or diverging from) the last signed head; the head file is set aside. */
  acceptOlder: boolean;
}

export interface RestoreOutcome {
  manifest: BackupManifest;
  check: RestoreCheck;
  /** The head the restored chain does not reach, when the operator accepted that (its file was renamed). */
  supersededHead: { head: SignedHead; keptAt: string } | null;
  /** Where the data directory's previous contents were moved (PGlite); null when it was empty. */
  previousData: string | null;
}

/** Refused before anything was replaced (PGlite), or after a restore into a fresh database (PostgreSQL). */
export class RestoreRefusedError extends BackupError {
  constructor(
    message: string,
    readonly check: RestoreCheck | null,
  ) {
    super(message);
  }
}

export async function restore(
  config: LabConfig,
  from: string,
  options: RestoreOptions,
): Promise<RestoreOutcome> {
  const manifest = await readManifest(from);
  const target = config.databaseUrl ? 'postgres' : 'pglite';
  if (manifest.database !== target)
    throw new BackupError(
      `${from} holds a ${manifest.database} backup, but the configured database is ${target}: set ${manifest.database === 'postgres' ? 'DATABASE_URL' : 'POLYMORPH_DATA_DIR and no DATABASE_URL'} to restore it`,
    );
  const head = await signedHead(config);
  refuseOlderManifest(manifest, head, options);
  const restored = config.databaseUrl
    ? { check: await restorePostgres(config, config.databaseUrl, from, head, options), previousData: null }
    : await restorePglite(config, from, head, options);
  let supersededHead: RestoreOutcome['supersededHead'] = null;
  if (head && restored.check.headProblem) {
    // Accepted: the file would flag every later verification; it is kept beside, renamed, as evidence.
    const keptAt = `${config.auditHeadFile}.superseded-${stamp()}`;
    await rename(config.auditHeadFile, keptAt);
    supersededHead = { head, keptAt };
  }
  return { manifest, ...restored, supersededHead };
}

async function signedHead(config: LabConfig): Promise<SignedHead | null> {
  try {
    return await readSignedHead(config.auditHeadFile);
  } catch (err) {
    if (err instanceof SignedHeadFormatError)
      throw new BackupError(`${err.message}: inspect it; move it away only if you know where it came from`);
    throw err;
  }
}

/** The manifest's word, checked before anything is touched; the restored chain itself is checked after. */
function refuseOlderManifest(
  manifest: BackupManifest,
  head: SignedHead | null,
  options: RestoreOptions,
): void {
  if (!head || options.acceptOlder) return;
  const lastSeq = manifest.audit_head?.seq ?? 0;
  if (lastSeq < head.seq)
    throw new RestoreRefusedError(
      `restore refused, nothing was changed: this backup (${manifest.created_at}) ends at audit seq ${lastSeq}, but seq ${head.seq} was already signed at ${head.ts}: restoring it would drop ${head.seq - lastSeq} signed audit event(s). Restore a newer backup, or rerun with --accept-older to accept the loss (it is recorded in the audit trail).`,
      null,
    );
}

/** Why the restored state is not accepted, or null. */
function refusal(check: RestoreCheck, options: RestoreOptions): string | null {
  if (!check.chain.valid)
    return `the backup's audit chain does not verify: seq ${check.chain.first_invalid_seq}, ${check.chain.reason}.`;
  if (!check.headProblem) return null;
  if (options.acceptOlder && (check.head.status === 'older' || check.head.status === 'diverged')) return null;
  return `${check.headProblem} Restore a newer backup${check.head.status === 'signature_invalid' ? '' : ', or rerun with --accept-older to accept this state (it is recorded in the audit trail)'}.`;
}

async function restorePglite(
  config: LabConfig,
  from: string,
  head: SignedHead | null,
  options: RestoreOptions,
): Promise<{ check: RestoreCheck; previousData: string | null }> {
  // A running server refuses the restore here (DataDirLockedError), before anything is touched.
  const lock = acquireDataDirLock(config.dataDir);
  const staging = `${config.dataDir}.restoring-${process.pid}`;
  try {
    await rm(staging, { recursive: true, force: true });
    await cp(join(from, 'data'), staging, {
      recursive: true,
      filter: (s) => !basename(s).startsWith(LOCK_FILE_NAME),
    });
    // Checked where it lies, with the keys it carries (development keeps them under the data directory).
    const staged = await openDatabase({ kind: 'pglite', dataDir: staging });
    let check: RestoreCheck;
    try {
      check = await checkRestored(staged, config, { ...config, dataDir: staging }, head);
    } finally {
      await staged.close();
    }
    const refused = refusal(check, options);
    if (refused) throw new RestoreRefusedError(`restore refused, nothing was changed: ${refused}`, check);
    // Nothing is deleted: the previous contents move aside (renames on one file system).
    const previous = `${config.dataDir}.before-restore-${stamp()}`;
    await moveEntries(config.dataDir, previous);
    await moveEntries(staging, config.dataDir);
    const kept = (await readdir(previous)).length > 0;
    if (!kept) await removeEmptyDir(previous);
    return { check, previousData: kept ? previous : null };
  } finally {
    await rm(staging, { recursive: true, force: true });
    lock.release();
  }
}

async function restorePostgres(
  config: LabConfig,
  url: string,
  from: string,
  head: SignedHead | null,
  options: RestoreOptions,
): Promise<RestoreCheck> {
  const database = await openDatabase({ kind: 'postgres', url, poolMax: 1 });
  try {
    const [row] = await queryRows<{ n: number }>(
      database.db,
      sql`SELECT count(*)::int AS n FROM information_schema.tables
           WHERE table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    if (row && row.n > 0)
      throw new BackupError(
        `restore writes into an empty database only, and the one at DATABASE_URL has ${row.n} table(s): create a fresh database (createdb NAME) and point DATABASE_URL at it`,
      );
    // Objects become the restoring role's; grants are made again with grant-app-role.
    await runPgTool('pg_restore', url, [
      '--no-owner',
      '--no-acl',
      '--exit-on-error',
      '--single-transaction',
      join(from, 'database.dump'),
    ]);
    // Certificates are content-addressed and secrets are created once: an existing file is kept.
    for (const name of await readdir(join(from, 'files')).catch(() => []))
      await cp(join(from, 'files', name), join(config.dataDir, name), { recursive: true, force: false });
    const check = await checkRestored(database, config, config, head);
    const refused = refusal(check, options);
    if (refused)
      throw new RestoreRefusedError(
        `restore refused: ${refused} The database at DATABASE_URL now holds this backup: do not start the server on it; drop it.`,
        check,
      );
    return check;
  } finally {
    await database.close();
  }
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}
