import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../platform/audit/audit-trail.ts';
import { type AuditEvent, GENESIS_HASH, sealAuditEvent } from '../../platform/audit/canonical-hash.ts';
import { type SignedCheckpoint, signCheckpoint } from '../../platform/audit/checkpoints.ts';
import {
  exportServerKeyPair,
  generateServerKeyPair,
  keyFingerprintOf,
  publicKeyPemOf,
  type ServerKeyPair,
} from '../../platform/signatures/server-key.ts';
import { runLabCli } from '../../testing/lab-process.ts';
import { migratedDatabase } from '../../testing/test-database.ts';
import { ExportKeyMismatchError, verifyAuditExport, writeAuditExport } from './audit-export.ts';

const ctx = { actor: 'qa@lab.test', requestId: null, ip: null };
const serverKey = generateServerKeyPair();
const nextKey = generateServerKeyPair();
const mallory = generateServerKeyPair();
let dir: string;
/** An honest export: 7 events, a checkpoint every 3 and one on the head. */
let honest: string;
/** An honest export of a chain whose key was rotated from serverKey to nextKey. */
let rotatedFile: string;

type Line = { kind: string } & Record<string, unknown>;
const readLines = async (file: string): Promise<Line[]> =>
  (await readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
const writeLines = (file: string, lines: Line[]) =>
  writeFile(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);

async function exportOf(trail: AuditTrail, key: ServerKeyPair, out: string) {
  await trail.checkpointNow();
  await writeAuditExport(out, {
    publicKeyPem: publicKeyPemOf(key.publicKey),
    keyId: key.keyId,
    checkpointInterval: 3,
    events: trail.events(),
    checkpoints: await trail.checkpoints(),
    signatures: [],
  });
}

async function write(trail: AuditTrail, n: number) {
  for (let i = 0; i < n; i++)
    await trail.transaction(async (_tx, audit) =>
      audit(ctx, { action: 'lot.adjusted', entityType: 'lot', entityId: `L-${i}`, after: { qty: i } }),
    );
}

/**
 * What the reviewer did: edit an event, recompute every hash after it, re-sign the checkpoints with a key
 * of one's own and put that key in the header. Nothing in the file can tell this from an honest export.
 */
async function forge(from: string, to: string, header: (h: Line) => Line = (h) => h): Promise<void> {
  const lines = await readLines(from);
  let prev = GENESIS_HASH;
  const events: AuditEvent[] = [];
  for (const line of lines.filter((l) => l.kind === 'event')) {
    const { kind: _k, prev_hash: _p, hash: _h, ...fields } = line;
    if (fields['seq'] === 2) fields['after'] = { qty: 1_000_000 };
    const sealed = sealAuditEvent(fields as unknown as AuditEvent, prev);
    events.push(sealed);
    prev = sealed.hash;
  }
  const checkpoints: SignedCheckpoint[] = lines
    .filter((l) => l.kind === 'checkpoint')
    .map((cp) => {
      const event = events.find((e) => e.seq === cp['seq'])!;
      return signCheckpoint(
        { seq: event.seq, hash: event.hash, ts: event.ts },
        mallory.privateKey,
        mallory.keyId,
      );
    });
  const head = header({
    ...lines[0]!,
    public_key_pem: publicKeyPemOf(mallory.publicKey),
    key_id: mallory.keyId,
    key_fingerprint: keyFingerprintOf(mallory.publicKey),
  });
  await writeLines(to, [
    head,
    ...events.map((e) => ({ kind: 'event', ...e })),
    ...checkpoints.map((c) => ({ kind: 'checkpoint', ...c })),
  ]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-export-'));
  const one = await migratedDatabase();
  try {
    const trail = new AuditTrail(one.database, serverKey, 3);
    await write(trail, 7);
    honest = join(dir, 'honest.jsonl');
    await exportOf(trail, serverKey, honest);
  } finally {
    await one.cleanup();
  }
  const two = await migratedDatabase();
  try {
    const before = new AuditTrail(two.database, serverKey, 3);
    await write(before, 4);
    await before.rotateSigningKey(ctx, nextKey);
    const after = new AuditTrail(two.database, nextKey, 3);
    await write(after, 3);
    rotatedFile = join(dir, 'rotated.jsonl');
    await exportOf(after, nextKey, rotatedFile);
  } finally {
    await two.cleanup();
  }
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('offline verification takes the trusted key from outside the file', () => {
  it('an honest export verifies with the server key or its fingerprint', async () => {
    const byKey = await verifyAuditExport(honest, { publicKey: serverKey.publicKey });
    expect(byKey).toMatchObject({
      valid: true,
      key: { authenticated: true, trusted_key_id: serverKey.keyId },
    });
    expect(byKey.chain.checked).toBe(7);
    const byFingerprint = await verifyAuditExport(honest, {
      fingerprint: keyFingerprintOf(serverKey.publicKey),
    });
    expect(byFingerprint.valid).toBe(true);
  });

  it('an edited export re-signed with another key is refused: its key is not the trusted one', async () => {
    const forged = join(dir, 'forged.jsonl');
    await forge(honest, forged);
    // Against its own key the forgery is consistent: that is all an integrity check can say.
    const selfCheck = await verifyAuditExport(forged, { integrityOnly: true });
    expect(selfCheck).toMatchObject({
      valid: true,
      key: { authenticated: false, file_key_id: mallory.keyId },
    });
    await expect(verifyAuditExport(forged, { publicKey: serverKey.publicKey })).rejects.toThrow(
      ExportKeyMismatchError,
    );
    await expect(
      verifyAuditExport(forged, { fingerprint: keyFingerprintOf(serverKey.publicKey) }),
    ).rejects.toThrow(/no key in it has the trusted fingerprint/);
  });

  it('a header that claims the server key id, or keeps the server key, does not help the forgery', async () => {
    const claimsId = join(dir, 'claims-id.jsonl');
    await forge(honest, claimsId, (h) => ({ ...h, key_id: serverKey.keyId }));
    await expect(verifyAuditExport(claimsId, { publicKey: serverKey.publicKey })).rejects.toThrow(
      ExportKeyMismatchError,
    );
    const keepsKey = join(dir, 'keeps-key.jsonl');
    await forge(honest, keepsKey, (h) => ({
      ...h,
      public_key_pem: publicKeyPemOf(serverKey.publicKey),
      key_id: serverKey.keyId,
    }));
    const r = await verifyAuditExport(keepsKey, { publicKey: serverKey.publicKey });
    expect(r.valid).toBe(false);
    expect(r.chain).toMatchObject({ reason: 'checkpoint_signature_invalid', actual: mallory.keyId });
  });

  it('an edited export with its checkpoints dropped fails: the head must be signed', async () => {
    const lines = await readLines(honest);
    const edited = lines
      .filter((l) => l.kind !== 'checkpoint')
      .map((l) => (l.kind === 'header' ? { ...l, checkpoint_interval: 0 } : l));
    const stripped = join(dir, 'stripped.jsonl');
    await writeLines(stripped, edited);
    const r = await verifyAuditExport(stripped, { publicKey: serverKey.publicKey });
    expect(r.valid).toBe(false);
    expect(r.chain.reason).toBe('head_not_signed');
  });

  it('after a key rotation the export verifies from the old key and from the new one', async () => {
    for (const key of [serverKey, nextKey]) {
      const r = await verifyAuditExport(rotatedFile, { fingerprint: keyFingerprintOf(key.publicKey) });
      expect(r, key.keyId).toMatchObject({ valid: true, key: { authenticated: true } });
      expect(r.chain.checked).toBe(8);
    }
    await expect(verifyAuditExport(rotatedFile, { publicKey: mallory.publicKey })).rejects.toThrow(
      ExportKeyMismatchError,
    );
  });

  it('the CLI refuses without a trusted key (2), fails a forgery (1), and flags integrity-only (3)', async () => {
    const forged = join(dir, 'forged-cli.jsonl');
    await forge(honest, forged);
    const env = { DATABASE_URL: '', POLYMORPH_DATA_DIR: '/nonexistent' };
    const fingerprint = keyFingerprintOf(serverKey.publicKey);

    const untrusted = await runLabCli(['audit', 'verify', '--file', forged], env);
    expect(untrusted.code).toBe(2);
    expect(untrusted.stderr).toMatch(/trusted key from outside the file/);

    const byFingerprint = await runLabCli(
      ['audit', 'verify', '--file', forged, '--key-fingerprint', fingerprint],
      env,
    );
    expect(byFingerprint.code).toBe(1);
    expect(JSON.parse(byFingerprint.stdout)).toEqual({ valid: false, reason: 'untrusted_key' });
    expect(byFingerprint.stderr).toMatch(/no key in it has the trusted fingerprint/);

    const pub = join(dir, 'server.pub.pem');
    await writeFile(pub, exportServerKeyPair(serverKey).publicKeyPem);
    expect((await runLabCli(['audit', 'verify', '--file', forged, '--trusted-key', pub], env)).code).toBe(1);
    expect((await runLabCli(['audit', 'verify', '--file', honest, '--trusted-key', pub], env)).code).toBe(0);

    const integrity = await runLabCli(['audit', 'verify', '--file', forged, '--integrity-only'], env);
    expect(integrity.code).toBe(3);
    expect(integrity.stderr).toMatch(/^WARNING: authenticity NOT checked/);
  });
});
