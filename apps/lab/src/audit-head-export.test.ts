import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { readSignedHead } from './platform/audit/signed-head.ts';
import { generateServerKeyPair } from './platform/signatures/server-key.ts';
import { TEST_CONFIG } from './testing/lab-app.ts';
import { migratedDatabase } from './testing/test-database.ts';
import { HANG_GUARD_MS, waitFor } from './testing/wait.ts';

// The app's wiring of the head file: written after each checkpoint, and a failure to write it is logged
// while the audited change itself succeeds (its checkpoint is committed either way).
let dir: string;
let db: Awaited<ReturnType<typeof migratedDatabase>>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lab-head-app-'));
  db = await migratedDatabase();
});
afterAll(async () => {
  await db.cleanup();
  await rm(dir, { recursive: true, force: true });
});

async function appWithHeadFile(auditHeadFile: string, logs: string[]) {
  const logStream = new PassThrough();
  logStream.on('data', (d) => logs.push(String(d)));
  return buildApp({
    config: { ...TEST_CONFIG, logLevel: 'error', auditCheckpointInterval: 1 },
    database: db.database,
    secrets: { tokenKey: new Uint8Array(randomBytes(32)), signingKey: generateServerKeyPair() },
    auditHeadFile,
    logStream,
  });
}

const ctx = { actor: 'system:test', requestId: null, ip: null };

describe('the signed head file in the app', () => {
  it('is written when a checkpoint is signed; a failed write is logged and the change still commits', async () => {
    const logs: string[] = [];
    const app = await appWithHeadFile(join(dir, 'head.json'), logs);
    try {
      await app.lab.audit.transaction(async (_tx, audit) =>
        audit(ctx, { action: 'test.event', entityType: 'test', entityId: '1' }),
      );
      expect((await readSignedHead(join(dir, 'head.json')))?.seq).toBe(1);
    } finally {
      await app.close();
    }
    // A path under a regular file: every write fails with ENOTDIR.
    await writeFile(join(dir, 'not-a-dir'), '');
    const broken = await appWithHeadFile(join(dir, 'not-a-dir', 'head.json'), logs);
    try {
      await broken.lab.audit.transaction(async (_tx, audit) =>
        audit(ctx, { action: 'test.event', entityType: 'test', entityId: '2' }),
      );
      expect((await broken.lab.audit.checkpoints()).map((c) => c.seq)).toEqual([1, 2]);
      await waitFor('the failed head write to be logged', HANG_GUARD_MS, () =>
        logs.join('').includes('could not write the signed audit head file'),
      );
    } finally {
      await broken.close();
    }
  });
});
