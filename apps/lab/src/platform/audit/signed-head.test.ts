import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../testing/test-database.ts';
import { generateServerKeyPair } from '../signatures/server-key.ts';
import { type AuditContext, AuditTrail } from './audit-trail.ts';
import { signCheckpoint } from './checkpoints.ts';
import {
  compareWithSignedHead,
  headFileToKeep,
  readSignedHead,
  type SignedHead,
  SignedHeadFile,
  writeFileAtomically,
} from './signed-head.ts';

const ctx: AuditContext = { actor: 'system:test', requestId: null, ip: null };
const key = generateServerKeyPair();
let dir: string;
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let audit: AuditTrail;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lab-head-'));
  db = await migratedDatabase();
  const file = new SignedHeadFile(join(dir, 'head.json'));
  audit = new AuditTrail(db.database, key, 2, undefined, { onCheckpointSigned: (cp) => file.record(cp) });
});
afterAll(async () => {
  audit.stop();
  await db.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const append = (n: number) =>
  audit.transaction(async (_tx, append) => {
    for (let i = 0; i < n; i++)
      append(ctx, { action: 'test.event', entityType: 'test', entityId: String(i) });
  });

function headAt(seq: number, hash: string, signer = key): SignedHead {
  const cp = signCheckpoint(
    { seq, hash, ts: '2026-12-05T00:00:00.000000Z' },
    signer.privateKey,
    signer.keyId,
  );
  return { format: 'polymorph.audit-signed-head.v1', ...cp, written_at: '' };
}

describe('the last signed head, kept outside the database', () => {
  it('is written each time a checkpoint is signed, and never moves back', async () => {
    await append(4);
    const head = await readSignedHead(join(dir, 'head.json'));
    const [cp2, cp4] = await audit.checkpoints();
    expect(head).toMatchObject({ seq: 4, hash: cp4!.hash, key_id: key.keyId, signature: cp4!.signature });
    await new SignedHeadFile(join(dir, 'head.json')).record(cp2!);
    expect((await readSignedHead(join(dir, 'head.json')))?.seq).toBe(4);
    await append(1);
    expect((await audit.checkpointNow())?.seq).toBe(5);
    expect((await readSignedHead(join(dir, 'head.json')))?.seq).toBe(5);
  });

  it('tells a chain that holds the head from one that is older, diverged, or a forged file', async () => {
    const [cp] = (await audit.checkpoints()).slice(-1);
    const compare = (h: SignedHead) => compareWithSignedHead(db.database, h, key.publicKey);
    expect((await compare(headAt(cp!.seq, cp!.hash))).status).toBe('contains');
    expect(await compare(headAt(cp!.seq + 7, cp!.hash))).toMatchObject({
      status: 'older',
      chain_last_seq: cp!.seq,
      missing_events: 7,
    });
    expect((await compare(headAt(cp!.seq, 'ab'.repeat(32)))).status).toBe('diverged');
    const forged = { ...headAt(cp!.seq + 7, cp!.hash), key_id: key.keyId };
    forged.signature = headAt(cp!.seq, cp!.hash).signature;
    expect((await compare(forged)).status).toBe('signature_invalid');
    expect((await compare(headAt(cp!.seq, cp!.hash, generateServerKeyPair()))).status).toBe(
      'signature_invalid',
    );
    expect((await compareWithSignedHead(db.database, null, key.publicKey)).status).toBe('absent');
  });

  it('is left alone by a process whose chain does not reach it, so the evidence survives', async () => {
    const file = join(dir, 'ahead.json');
    const ahead = headAt(1000, 'cd'.repeat(32));
    await rm(file, { force: true });
    await writeFileAtomically(file, JSON.stringify(ahead));
    const kept = await headFileToKeep(db.database, file, key.publicKey);
    expect(kept.file).toBeUndefined();
    expect(kept.problem).toContain('seq 1000 was already signed');
    expect(JSON.parse(await readFile(file, 'utf8')).seq).toBe(1000);
    expect(await headFileToKeep(db.database, join(dir, 'head.json'), key.publicKey)).toEqual({
      file: join(dir, 'head.json'),
      problem: null,
    });
  });
});
