import { createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { AuditEvent } from '../../platform/audit/canonical-hash.ts';
import { type ChainVerification, verifyChain } from '../../platform/audit/chain-verification.ts';
import type { SignedCheckpoint } from '../../platform/audit/checkpoints.ts';
import { type SignedManifest, verifyManifestSignature } from '../../platform/signatures/manifest.ts';
import { loadPublicKey } from '../../platform/signatures/server-key.ts';

/**
 * The offline evidence file: JSON lines, one record each, self-describing by `kind`:
 *   {kind:"header", format:"polymorph-audit-export", version:1, public_key_pem, key_id, checkpoint_interval}
 *   {kind:"event", ...AuditEvent}          (seq order)
 *   {kind:"checkpoint", ...SignedCheckpoint}
 *   {kind:"signature", ...SignedManifest}
 * An inspector verifies it with `npm run lab -- audit verify --file F`, without the database.
 */
export const EXPORT_FORMAT = 'polymorph-audit-export';

export interface ExportSources {
  publicKeyPem: string;
  keyId: string;
  checkpointInterval: number;
  events: AsyncIterable<AuditEvent>;
  checkpoints: SignedCheckpoint[];
  signatures: SignedManifest[];
}

/** Writes to `<out>.tmp` and renames, so a failed export never leaves a truncated file under the name. */
export async function writeAuditExport(out: string, sources: ExportSources): Promise<{ events: number }> {
  const tmp = `${out}.${process.pid}.tmp`;
  const stream = createWriteStream(tmp, { mode: 0o600 });
  const write = (record: object): Promise<void> =>
    stream.write(`${JSON.stringify(record)}\n`)
      ? Promise.resolve()
      : new Promise((resolve) => stream.once('drain', () => resolve()));
  let events = 0;
  try {
    await write({
      kind: 'header',
      format: EXPORT_FORMAT,
      version: 1,
      public_key_pem: sources.publicKeyPem,
      key_id: sources.keyId,
      checkpoint_interval: sources.checkpointInterval,
    });
    for await (const event of sources.events) {
      await write({ kind: 'event', ...event });
      events++;
    }
    for (const cp of sources.checkpoints) await write({ kind: 'checkpoint', ...cp });
    for (const s of sources.signatures) await write({ kind: 'signature', ...s });
    stream.end();
    await finished(stream);
    await rename(tmp, out);
    return { events };
  } catch (err) {
    stream.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
}

export interface OfflineVerification {
  chain: ChainVerification;
  signatures: { checked: number; invalid: string[] };
  valid: boolean;
}

export class ExportFormatError extends Error {}

/** Verifies an export file with nothing but its contents and the public key it carries. */
export async function verifyAuditExport(file: string, expectedKeyId?: string): Promise<OfflineVerification> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  const parsed = lines.map((line, i) => {
    try {
      return JSON.parse(line) as { kind: string } & Record<string, unknown>;
    } catch {
      throw new ExportFormatError(`line ${i + 1} is not JSON`);
    }
  });
  const header = parsed[0];
  if (header?.kind !== 'header' || header['format'] !== EXPORT_FORMAT || header['version'] !== 1) {
    throw new ExportFormatError(`not a ${EXPORT_FORMAT} v1 file`);
  }
  if (expectedKeyId && header['key_id'] !== expectedKeyId) {
    throw new ExportFormatError(
      `file was signed by key ${String(header['key_id'])}, expected ${expectedKeyId}`,
    );
  }
  const publicKey = loadPublicKey(String(header['public_key_pem']));
  const strip = ({ kind: _kind, ...rest }: { kind: string } & Record<string, unknown>) => rest;
  const events = parsed.filter((r) => r.kind === 'event').map((r) => strip(r) as unknown as AuditEvent);
  const checkpoints = parsed
    .filter((r) => r.kind === 'checkpoint')
    .map((r) => strip(r) as unknown as SignedCheckpoint);
  const signatures = parsed
    .filter((r) => r.kind === 'signature')
    .map((r) => strip(r) as unknown as SignedManifest);
  const chain = await verifyChain(events, {
    checkpoints,
    publicKey,
    checkpointInterval: Number(header['checkpoint_interval']) || undefined,
  });
  const invalid = signatures
    .filter((s) => !verifyManifestSignature(s, publicKey))
    .map((s) => `${s.record_type}/${s.record_id} ${s.meaning} by ${s.signer_email} at ${s.signed_at}`);
  return {
    chain,
    signatures: { checked: signatures.length, invalid },
    valid: chain.valid && invalid.length === 0,
  };
}
