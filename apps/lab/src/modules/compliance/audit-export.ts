import type { KeyObject } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { AuditEvent } from '../../platform/audit/canonical-hash.ts';
import { type ChainVerification, verifyChain } from '../../platform/audit/chain-verification.ts';
import type { SignedCheckpoint } from '../../platform/audit/checkpoints.ts';
import { KEY_ROTATION_ACTION, keySchedule, type RotationEvent } from '../../platform/audit/key-handover.ts';
import { type SignedManifest, verifyManifestSignature } from '../../platform/signatures/manifest.ts';
import {
  keyFingerprintOf,
  keyIdOf,
  loadPublicKey,
  parseKeyFingerprint,
} from '../../platform/signatures/server-key.ts';

/**
 * The offline evidence file: JSON lines, one record each, self-describing by `kind`:
 *   {kind:"header", format:"polymorph-audit-export", version:1, public_key_pem, key_id, key_fingerprint,
 *    checkpoint_interval}
 *   {kind:"event", ...AuditEvent}          (seq order)
 *   {kind:"checkpoint", ...SignedCheckpoint}
 *   {kind:"signature", ...SignedManifest}
 * An inspector verifies it with `npm run lab -- audit verify --file F --key-fingerprint SHA256:...`, without
 * the database. The header's key is only a hint: the key that authenticates the file comes from outside it.
 * Key rotations travel as events (`audit.signing_key_rotated`), so the file carries its chain of keys.
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
      key_fingerprint: keyFingerprintOf(loadPublicKey(sources.publicKeyPem)),
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
  /** `authenticated` is false when the file was checked against its own key (integrity only). */
  key: { authenticated: boolean; trusted_key_id: string; file_key_id: string };
  valid: boolean;
}

/**
 * Where the trusted key comes from: a public key or its fingerprint, given out of band; or nobody, and then
 * only the file's integrity is checked, against the key the file itself names (proves nothing about who
 * wrote it: anyone can re-sign an edited file with a key of their own).
 */
export type ExportTrust = { publicKey: KeyObject } | { fingerprint: string } | { integrityOnly: true };

export class ExportFormatError extends Error {}

/** The file is not signed by the trusted key, nor by a key the trusted key handed over to or from. */
export class ExportKeyMismatchError extends Error {}

/** The keys a file names: its header's, and both keys of every rotation it carries. */
function keysNamed(headerPem: unknown, rotations: readonly RotationEvent[]): KeyObject[] {
  const pems = [headerPem];
  for (const r of rotations) {
    const after = r.after as Record<string, unknown> | null;
    pems.push(after?.['from_public_key_pem'], after?.['to_public_key_pem']);
  }
  const keys: KeyObject[] = [];
  for (const pem of pems) {
    if (typeof pem !== 'string') continue;
    try {
      keys.push(loadPublicKey(pem));
    } catch {
      // An unusable key is reported by the key schedule, if a rotation carries it.
    }
  }
  return keys;
}

/** Verifies an export file offline: the chain, its checkpoints and signatures, against the trusted key. */
export async function verifyAuditExport(file: string, trust: ExportTrust): Promise<OfflineVerification> {
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
  let fileKey: KeyObject;
  try {
    fileKey = loadPublicKey(String(header['public_key_pem']));
  } catch (err) {
    throw new ExportFormatError(`the header's public key is unusable (${(err as Error).message})`);
  }
  const strip = ({ kind: _kind, ...rest }: { kind: string } & Record<string, unknown>) => rest;
  const events = parsed.filter((r) => r.kind === 'event').map((r) => strip(r) as unknown as AuditEvent);
  const checkpoints = parsed
    .filter((r) => r.kind === 'checkpoint')
    .map((r) => strip(r) as unknown as SignedCheckpoint);
  const signatures = parsed
    .filter((r) => r.kind === 'signature')
    .map((r) => strip(r) as unknown as SignedManifest);
  const rotations = events
    .filter((e) => e.action === KEY_ROTATION_ACTION)
    .map((e) => ({ seq: e.seq, after: e.after }));
  const named = keysNamed(header['public_key_pem'], rotations);
  let trusted: KeyObject;
  if ('publicKey' in trust) {
    trusted = trust.publicKey;
    if (!named.some((k) => k.equals(trusted))) {
      throw new ExportKeyMismatchError(
        `the file is signed by key ${keyIdOf(fileKey)} (${keyFingerprintOf(fileKey)}), not by the trusted key ${keyIdOf(trusted)} (${keyFingerprintOf(trusted)}) nor by a key it handed over to`,
      );
    }
  } else if ('fingerprint' in trust) {
    const wanted = parseKeyFingerprint(trust.fingerprint);
    if (!wanted)
      throw new ExportFormatError(
        `"${trust.fingerprint}" is not a key fingerprint (SHA256: and 64 hex digits)`,
      );
    const match = named.find((k) => keyFingerprintOf(k) === wanted);
    if (!match) {
      throw new ExportKeyMismatchError(
        `the file is signed by key ${keyIdOf(fileKey)} (${keyFingerprintOf(fileKey)}); no key in it has the trusted fingerprint ${wanted}`,
      );
    }
    trusted = match;
  } else {
    trusted = fileKey;
  }
  // The checkpoint interval in the header is the file's word; the signed head makes it irrelevant.
  const chain = await verifyChain(events, {
    checkpoints,
    publicKey: trusted,
    rotations,
    requireSignedHead: true,
    checkpointInterval: Number(header['checkpoint_interval']) || undefined,
  });
  const schedule = keySchedule(rotations, trusted);
  const keys = schedule.ok ? schedule.keys : new Map<string, KeyObject>();
  const invalid = signatures
    .filter((s) => {
      const key = keys.get(s.key_id);
      return !key || !verifyManifestSignature(s, key);
    })
    .map((s) => `${s.record_type}/${s.record_id} ${s.meaning} by ${s.signer_email} at ${s.signed_at}`);
  return {
    chain,
    signatures: { checked: signatures.length, invalid },
    key: {
      authenticated: !('integrityOnly' in trust),
      trusted_key_id: keyIdOf(trusted),
      file_key_id: keyIdOf(fileKey),
    },
    valid: chain.valid && invalid.length === 0,
  };
}
