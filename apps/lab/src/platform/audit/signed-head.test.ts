import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../app.ts';
import { TEST_CONFIG } from '../../testing/lab-app.ts';
import { migratedDatabase } from '../../testing/test-database.ts';
import { generateServerKeyPair } from '../signatures/server-key.ts';
import type { AuditContext } from './audit-trail.ts';
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
let logs: string[];
let app: Awaited<ReturnType<typeof buildApp>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lab-head-'));
  db = await migratedDatabase();
  logs = [];
  const logStream = new PassThrough();
  logStream.on('data', (d) => logs.push(String(d)));
  app = await buildApp({
    config: { ...TEST_CONFIG, logLevel: 'error', auditCheckpointInterval: 2 },
    database: db.database,
    secrets: { tokenKey: new Uint8Array(randomBytes(32)), signingKey: key },
    auditHeadFile: join(dir, 'head.json'),
    logStream,
  });
});
afterAll(async () => {
  await app.close();
  await db.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const append = (n: number) =>
  app.lab.audit.transaction(async (_tx, audit) => {
    for (let i = 0; i < n; i++) audit(ctx, { action: 'test.event', entityType: 'test', entityId: String(i) });
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
    const [cp2, cp4] = await app.lab.audit.checkpoints();
    expect(head).toMatchObject({ seq: 4, hash: cp4!.hash, key_id: key.keyId, signature: cp4!.signature });
    await new SignedHeadFile(join(dir, 'head.json')).record(cp2!);
    expect((await readSignedHead(join(dir, 'head.json')))?.seq).toBe(4);
    await append(1);
    expect((await app.lab.audit.checkpointNow())?.seq).toBe(5);
    expect((await readSignedHead(join(dir, 'head.json')))?.seq).toBe(5);
  });

  it('tells a chain that holds the head from one that is older, diverged, or a forged file', async () => {
    const [cp] = (await app.lab.audit.checkpoints()).slice(-1);
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

  it('logs an error when the file cannot be written, and the write itself still succeeds', async () => {
    const logStream = new PassThrough();
    logStream.on('data', (d) => logs.push(String(d)));
    const broken = await buildApp({
      config: { ...TEST_CONFIG, logLevel: 'error', auditCheckpointInterval: 1 },
      database: db.database,
      secrets: { tokenKey: new Uint8Array(randomBytes(32)), signingKey: key },
      // A path under a regular file: every write fails with ENOTDIR.
      auditHeadFile: join(dir, 'head.json', 'nested.json'),
      logStream,
    });
    try {
      await broken.lab.audit.transaction(async (_tx, audit) =>
        audit(ctx, { action: 'test.event', entityType: 'test', entityId: 'x' }),
      );
      await vi.waitFor(() => expect(logs.join('')).toContain('could not write the signed audit head file'), {
        timeout: 30_000,
      });
    } finally {
      await broken.close();
    }
  });
});
