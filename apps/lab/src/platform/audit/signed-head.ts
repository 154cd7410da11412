import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sql } from 'drizzle-orm';
import { type Database, queryRows } from '../../db/client.ts';
import { keyIdOf, loadPublicKey } from '../signatures/server-key.ts';
import { isHashHex } from './canonical-hash.ts';
import { type SignedCheckpoint, verifyCheckpointSignature } from './checkpoints.ts';

/**
 * The last signed head, kept in a file outside the database. The checkpoints inside the database catch a
 * tail cut off or rewritten behind them, but not the whole database put back to an older state (a restored
 * backup, a rolled-back volume): its checkpoints are older too and all verify. This file remembers the
 * newest head this host ever signed, so a chain that no longer reaches it is noticed.
 */
export interface SignedHead extends SignedCheckpoint {
  format: typeof FORMAT;
  written_at: string;
}

const FORMAT = 'polymorph.audit-signed-head.v1';

export class SignedHeadFormatError extends Error {
  override readonly name = 'SignedHeadFormatError';
}

/** Writes the head file after each checkpoint; writes are serialised and never move the head back. */
export class SignedHeadFile {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  record(cp: SignedCheckpoint): Promise<void> {
    const run = this.queue.then(() => this.write(cp));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(cp: SignedCheckpoint): Promise<void> {
    const current = await readSignedHead(this.path).catch(() => null);
    if (current && current.seq >= cp.seq) return;
    const head: SignedHead = {
      format: FORMAT,
      seq: cp.seq,
      hash: cp.hash,
      ts: cp.ts,
      key_id: cp.key_id,
      signature: cp.signature,
      written_at: new Date().toISOString(),
    };
    await writeFileAtomically(this.path, `${JSON.stringify(head, null, 2)}\n`);
  }
}

/** Temp file, fsync, rename: a crash leaves the old file or the new one, never half of one. */
export async function writeFileAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'w', 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** The head file, or null when there is none yet. */
export async function readSignedHead(path: string): Promise<SignedHead | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let h: Partial<SignedHead>;
  try {
    h = JSON.parse(text) as Partial<SignedHead>;
  } catch {
    throw new SignedHeadFormatError(`${path} is not JSON`);
  }
  const { seq, hash, ts, key_id, signature } = h;
  if (
    h.format !== FORMAT ||
    typeof seq !== 'number' ||
    !Number.isSafeInteger(seq) ||
    typeof hash !== 'string' ||
    !isHashHex(hash) ||
    typeof ts !== 'string' ||
    typeof key_id !== 'string' ||
    typeof signature !== 'string'
  )
    throw new SignedHeadFormatError(`${path} is not a signed audit head (${FORMAT})`);
  return { format: FORMAT, seq, hash, ts, key_id, signature, written_at: String(h.written_at ?? '') };
}

export type HeadComparison =
  /** No head file: nothing was signed on this host yet (or the file was removed). */
  | { status: 'absent' }
  /** The chain holds the signed head: same event, same hash (it may have grown since). */
  | { status: 'contains'; head: SignedHead; chain_last_seq: number }
  /** The chain ends before the signed head: events that were signed are missing (an older backup). */
  | { status: 'older'; head: SignedHead; chain_last_seq: number; missing_events: number }
  /** The event at the head's seq has another hash: this is another history. */
  | { status: 'diverged'; head: SignedHead; chain_last_seq: number; chain_hash: string }
  /** The file's signature does not verify: the file cannot be trusted to say anything. */
  | { status: 'signature_invalid'; head: SignedHead };

/**
 * Compares the database's chain with the head file. `trustedKey` is the configured signing key; a head
 * signed by an earlier key is checked with that key's entry in `signing_keys`.
 */
export async function compareWithSignedHead(
  database: Database,
  head: SignedHead | null,
  trustedKey: KeyObject,
): Promise<HeadComparison> {
  if (!head) return { status: 'absent' };
  // The server compares before it migrates: a database without the table has an empty chain.
  const [tables] = await queryRows<{ present: boolean }>(
    database.db,
    sql`SELECT to_regclass('audit_events') IS NOT NULL AS present`,
  );
  const migrated = tables?.present === true;
  const key =
    head.key_id === keyIdOf(trustedKey)
      ? trustedKey
      : migrated
        ? await registeredKey(database, head.key_id)
        : null;
  if (!key || !verifyCheckpointSignature(head, key)) return { status: 'signature_invalid', head };
  const [last] = migrated
    ? await queryRows<{ seq: string | null }>(database.db, sql`SELECT max(seq) AS seq FROM audit_events`)
    : [];
  const chainLastSeq = Number(last?.seq ?? 0);
  if (chainLastSeq < head.seq)
    return { status: 'older', head, chain_last_seq: chainLastSeq, missing_events: head.seq - chainLastSeq };
  const [at] = await queryRows<{ hash: string }>(
    database.db,
    sql`SELECT hash FROM audit_events WHERE seq = ${head.seq}`,
  );
  if (at?.hash !== head.hash)
    return { status: 'diverged', head, chain_last_seq: chainLastSeq, chain_hash: at?.hash ?? '' };
  return { status: 'contains', head, chain_last_seq: chainLastSeq };
}

async function registeredKey(database: Database, keyId: string): Promise<KeyObject | null> {
  const [row] = await queryRows<{ public_key_pem: string }>(
    database.db,
    sql`SELECT public_key_pem FROM signing_keys WHERE key_id = ${keyId}`,
  );
  if (!row) return null;
  const key = loadPublicKey(row.public_key_pem);
  // The id is derived from the key: a row whose key does not hash to its id proves nothing.
  return keyIdOf(key) === keyId ? key : null;
}

/** One paragraph for the operator; null when the chain is consistent with the head file. */
export function describeHeadProblem(c: HeadComparison, file: string): string | null {
  switch (c.status) {
    case 'absent':
    case 'contains':
      return null;
    case 'older':
      return `the audit chain ends at seq ${c.chain_last_seq}, but seq ${c.head.seq} was already signed at ${c.head.ts} (${file}): ${c.missing_events} signed audit event(s) are not in this database. It holds an older state than this host has seen (an older backup, or a rolled-back disk).`;
    case 'diverged':
      return `the audit event at seq ${c.head.seq} has hash ${c.chain_hash || '(none)'}, but ${file} holds the hash ${c.head.hash} signed at ${c.head.ts}: this database holds another history than the one this host signed.`;
    case 'signature_invalid':
      return `${file} names seq ${c.head.seq} signed by key ${c.head.key_id}, but its signature does not verify with the configured key or that key's registered public key: the file cannot be trusted.`;
  }
}

/**
 * The head file a process may keep writing: none when the chain does not reach the head it holds. The file
 * is then evidence of what was signed before, and a process that wrote over it once the chain grew past
 * that seq would erase the evidence. `problem` says why, for the operator.
 */
export async function headFileToKeep(
  database: Database,
  file: string,
  trustedKey: KeyObject,
): Promise<{ file: string | undefined; problem: string | null }> {
  let comparison: HeadComparison;
  try {
    comparison = await compareWithSignedHead(database, await readSignedHead(file), trustedKey);
  } catch (err) {
    if (err instanceof SignedHeadFormatError) return { file: undefined, problem: err.message };
    throw err;
  }
  const problem = describeHeadProblem(comparison, file);
  return { file: problem ? undefined : file, problem };
}
