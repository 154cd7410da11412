import { sql } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.ts';
import { migratedDatabase, TEST_APP_ROLE } from '../../testing/test-database.ts';
import { HANG_GUARD_MS, waitFor } from '../../testing/wait.ts';
import { createLabMetrics } from '../lab-metrics.ts';
import { generateServerKeyPair } from '../signatures/server-key.ts';
import { AuditIntegrityError, AuditTrail, auditSealSource } from './audit-trail.ts';

let database: Database;
let superuser: Database;
let cleanup: () => Promise<void>;
const key = generateServerKeyPair();
const ctx = { actor: 'qa@lab.test', requestId: 'req-1', ip: '127.0.0.1' };

beforeEach(async () => {
  ({ database, superuser, cleanup } = await migratedDatabase());
});
afterEach(async () => cleanup());

async function writeEvents(trail: AuditTrail, n: number) {
  for (let i = 0; i < n; i++) {
    await trail.transaction(async (_tx, audit) =>
      audit(ctx, {
        action: 'sample.updated',
        entityType: 'sample',
        entityId: `S-${i}`,
        after: { i, note: 'é ✓' },
      }),
    );
  }
}

/** Tampering needs the triggers off: only a superuser (the test's connection) can do that. */
async function asSuperuserWithoutTriggers(statement: string) {
  await superuser.withSession(async (s) => {
    await s.exec('ALTER TABLE audit_events DISABLE TRIGGER USER');
    try {
      await s.exec(statement);
    } finally {
      await s.exec('ALTER TABLE audit_events ENABLE TRIGGER USER');
    }
  });
}

describe('audit trail on the real database', () => {
  it('an intact chain verifies, and events carry the database time', async () => {
    const trail = new AuditTrail(database, key, 4);
    await writeEvents(trail, 10);
    const result = await trail.verify();
    expect(result).toMatchObject({ valid: true, checked: 10, first_invalid_seq: null, reason: null });
    expect((await trail.checkpoints()).map((c) => c.seq)).toEqual([4, 8]);
    const first = (await trail.events().next()).value;
    expect(first?.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('200 concurrent audited writes leave a valid chain with gapless seq', async () => {
    const trail = new AuditTrail(database, key, 50);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        trail.transaction(async (_tx, audit) =>
          audit(ctx, { action: 'sample.created', entityType: 'sample', entityId: `S-${i}`, after: { i } }),
        ),
      ),
    );
    const seqs: number[] = [];
    for await (const e of trail.events(64)) seqs.push(e.seq);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(await trail.verify()).toMatchObject({ valid: true, checked: 200 });
  });

  it('a change and its audit event commit together or not at all', async () => {
    const trail = new AuditTrail(database, key, 1000);
    await database.db.execute(
      sql`INSERT INTO users (email, name, password_hash) VALUES ('a@lab.test', 'A', 'x')`,
    );
    await expect(
      trail.transaction(async (tx, audit) => {
        await tx.execute(sql`UPDATE users SET name = 'B' WHERE email = 'a@lab.test'`);
        audit(ctx, { action: 'user.updated', entityType: 'user', entityId: 'a@lab.test' });
        throw new Error('business rule failed after the audit append');
      }),
    ).rejects.toThrow('business rule');
    const res = (await database.db.execute(sql`SELECT name FROM users`)) as unknown as {
      rows: { name: string }[];
    };
    expect(res.rows[0]?.name).toBe('A');
    expect(await trail.verify()).toMatchObject({ valid: true, checked: 0 });
  });

  async function deleteCheckpointsAsSuperuser(where: string) {
    await superuser.withSession(async (s) => {
      await s.exec('ALTER TABLE audit_checkpoints DISABLE TRIGGER USER');
      try {
        await s.exec(`DELETE FROM audit_checkpoints WHERE ${where}`);
      } finally {
        await s.exec('ALTER TABLE audit_checkpoints ENABLE TRIGGER USER');
      }
    });
  }

  it('a checkpoint missing after a stop makes the chain unsealed, not broken, and is signed late only on request, with an audit event', async () => {
    const registry = new Registry();
    const trail = new AuditTrail(database, key, 4);
    createLabMetrics(registry, undefined, auditSealSource(database.db, 4));
    await writeEvents(trail, 9);
    await deleteCheckpointsAsSuperuser('seq = 4'); // what a stop between event 4's commit and its checkpoint leaves
    expect(await trail.verify()).toMatchObject({
      valid: true,
      status: 'unsealed',
      reason: null,
      missing_checkpoints: { count: 1, first_seq: 4 },
      unsealed: { count: 1, first_seq: 9 },
    });
    const gauges = await registry.metrics();
    expect(gauges).toMatch(/^polymorph_audit_checkpoints_missing 1$/m);
    expect(gauges).toMatch(/^polymorph_audit_unsealed_events 1$/m);
    expect((await trail.missingCheckpoints()).map((e) => e.seq)).toEqual([4]);
    const admin = { ...ctx, actor: 'admin@lab.test' };
    expect(await trail.signMissingCheckpoints(admin)).toEqual({ signed: [4] });
    expect(await trail.signMissingCheckpoints(admin)).toEqual({ signed: [] });
    expect((await trail.checkpoints()).map((c) => c.seq)).toEqual([4, 8]);
    const events = [];
    for await (const e of trail.events()) events.push(e);
    expect(events.at(-1)).toMatchObject({
      seq: 10,
      actor: 'admin@lab.test',
      action: 'audit.checkpoints_signed_late',
      after: { seqs: [4] },
    });
    expect(await trail.verify()).toMatchObject({
      valid: true,
      status: 'valid',
      checked: 10,
      missing_checkpoints: null,
    });
    expect(await registry.metrics()).toMatch(/^polymorph_audit_checkpoints_missing 0$/m);
  });

  it('events appended with their checkpoint not yet signed are an unsealed tail, overdue after two checkpoint periods; an edit is broken', async () => {
    const registry = new Registry();
    const metrics = createLabMetrics(registry, undefined, auditSealSource(database.db, 1000));
    // The writer's time bound is not reached: like a process stopped before its next checkpoint.
    const writer = new AuditTrail(database, key, 1000, metrics, { checkpointSeconds: 3600 });
    await writeEvents(writer, 3);
    writer.stop();
    expect(await writer.verify()).toMatchObject({
      status: 'valid',
      valid: true,
      unsealed: { count: 3, first_seq: 1, age_seconds: expect.any(Number) },
      missing_checkpoints: null,
    });
    expect(await registry.metrics()).toMatch(/^polymorph_audit_unsealed_events 3$/m);
    // A verifier whose checkpoint period is 0.1 s finds the same tail overdue once it is 0.2 s old.
    const strict = new AuditTrail(database, key, 1000, metrics, { checkpointSeconds: 0.1 });
    let verdict = await strict.verify();
    await waitFor('the tail to be overdue', HANG_GUARD_MS, async () => {
      verdict = await strict.verify();
      return verdict.status !== 'valid';
    });
    expect(verdict).toMatchObject({ status: 'unsealed', valid: true, unsealed: { count: 3 } });
    expect(verdict.unsealed!.age_seconds).toBeGreaterThan(0.2);
    const age = Number(/^polymorph_audit_unsealed_age_seconds (\S+)$/m.exec(await registry.metrics())?.[1]);
    expect(age).toBeGreaterThan(0.2);
    expect(await registry.metrics()).toMatch(/^polymorph_audit_chain_valid 1$/m);

    await asSuperuserWithoutTriggers(`UPDATE audit_events SET actor = 'mallory' WHERE seq = 2`);
    expect(await strict.verify()).toMatchObject({
      status: 'broken',
      valid: false,
      reason: 'hash_mismatch',
      first_invalid_seq: 2,
      unsealed: null,
    });
    expect(await registry.metrics()).toMatch(/^polymorph_audit_chain_valid 0$/m);
    strict.stop();
  });

  it('refuses to sign missing checkpoints over a chain that does not verify', async () => {
    const trail = new AuditTrail(database, key, 4);
    await writeEvents(trail, 9);
    await deleteCheckpointsAsSuperuser('seq = 4');
    await asSuperuserWithoutTriggers(`UPDATE audit_events SET actor = 'mallory' WHERE seq = 2`);
    const outcome = await trail.signMissingCheckpoints(ctx);
    expect(outcome).toMatchObject({ refused: { valid: false, first_invalid_seq: 2 } });
    expect((await trail.checkpoints()).map((c) => c.seq)).toEqual([8]);
  });

  it('a database that hashes differently from the verifier fails the request and drops the chain-valid gauge', async () => {
    const registry = new Registry();
    const metrics = createLabMetrics(registry);
    const trail = new AuditTrail(database, key, 1000, metrics);
    metrics.auditChainValid.set(1);
    // A broken audit_append: the same function, but the hash it stores is reversed.
    await superuser.withSession(async (s) => {
      const [fn] = await s.query<{ def: string }>(
        "SELECT pg_get_functiondef('audit_append'::regproc) AS def",
      );
      const broken = fn!.def
        .replace('v_hash := encode(', 'v_hash := reverse(encode(')
        .replace("'hex');", "'hex'));");
      expect(broken).not.toBe(fn!.def);
      await s.exec(broken);
    });
    await expect(writeEvents(trail, 1)).rejects.toThrow(AuditIntegrityError);
    expect((await registry.getSingleMetric('polymorph_audit_chain_valid')?.get())?.values[0]?.value).toBe(0);
    expect(await trail.verify()).toMatchObject({ valid: false, first_invalid_seq: 1 });
  });

  it.skipIf(!TEST_APP_ROLE)(
    'the application role cannot UPDATE, DELETE, TRUNCATE or disable triggers on audit_events',
    async () => {
      const trail = new AuditTrail(database, key, 1000);
      await writeEvents(trail, 2);
      for (const statement of [
        "UPDATE audit_events SET actor = 'mallory' WHERE seq = 1",
        'DELETE FROM audit_events WHERE seq = 2',
        'TRUNCATE audit_events',
        'ALTER TABLE audit_events DISABLE TRIGGER USER',
      ]) {
        await expect(
          database.withSession((s) => s.exec(statement)),
          statement,
        ).rejects.toThrow(/permission denied|must be owner/);
      }
      expect(await trail.verify()).toMatchObject({ valid: true, checked: 2 });
    },
  );

  it('rejects UPDATE, DELETE and TRUNCATE on audit_events', async () => {
    const trail = new AuditTrail(database, key, 1000);
    await writeEvents(trail, 2);
    for (const statement of [
      "UPDATE audit_events SET actor = 'mallory' WHERE seq = 1",
      'DELETE FROM audit_events WHERE seq = 2',
      'TRUNCATE audit_events CASCADE',
    ]) {
      // Even the owner is stopped by the triggers.
      await expect(superuser.withSession((s) => s.exec(statement))).rejects.toThrow(/append-only/);
    }
    expect(await trail.verify()).toMatchObject({ valid: true, checked: 2 });
  });

  it('a raw edit of one payload (triggers disabled by a superuser) is named by first_invalid_seq', async () => {
    const trail = new AuditTrail(database, key, 1000);
    await writeEvents(trail, 6);
    await asSuperuserWithoutTriggers(`UPDATE audit_events SET after = '{"i": 99}' WHERE seq = 4`);
    expect(await trail.verify()).toMatchObject({
      valid: false,
      first_invalid_seq: 4,
      reason: 'hash_mismatch',
    });
  });

  it('a deleted middle event is detected as a gap', async () => {
    const trail = new AuditTrail(database, key, 1000);
    await writeEvents(trail, 6);
    await asSuperuserWithoutTriggers('DELETE FROM audit_events WHERE seq = 3');
    expect(await trail.verify()).toMatchObject({
      valid: false,
      first_invalid_seq: 4,
      reason: 'sequence_gap',
    });
  });

  it('an inserted forged event is detected', async () => {
    const trail = new AuditTrail(database, key, 1000);
    await writeEvents(trail, 3);
    await asSuperuserWithoutTriggers(
      `INSERT INTO audit_events (seq, actor, action, entity_type, prev_hash, hash)
       SELECT 4, 'mallory', 'user.role_added', 'user', hash, repeat('a', 64) FROM audit_events WHERE seq = 3`,
    );
    expect(await trail.verify()).toMatchObject({
      valid: false,
      first_invalid_seq: 4,
      reason: 'hash_mismatch',
    });
  });

  it('reordered events are detected', async () => {
    const trail = new AuditTrail(database, key, 1000);
    await writeEvents(trail, 4);
    // Swap events 2 and 3 (through negative seqs, as the primary key forbids a direct swap).
    await asSuperuserWithoutTriggers(
      'UPDATE audit_events SET seq = -seq WHERE seq IN (2, 3); UPDATE audit_events SET seq = 5 + seq WHERE seq < 0',
    );
    const result = await trail.verify();
    expect(result.valid).toBe(false);
    expect(result.first_invalid_seq).toBe(2);
  });

  it('a truncated tail is detected through the checkpoints', async () => {
    const trail = new AuditTrail(database, key, 5);
    await writeEvents(trail, 10);
    await superuser.withSession(async (s) => {
      await s.exec('ALTER TABLE audit_checkpoints DISABLE TRIGGER USER');
      await s.exec('ALTER TABLE audit_events DISABLE TRIGGER USER');
      // The attacker drops the last events but cannot drop the checkpoint rows' evidence without the key:
      // here they keep the checkpoint at 10 by detaching its foreign key first.
      await s.exec('ALTER TABLE audit_checkpoints DROP CONSTRAINT audit_checkpoints_seq_audit_events_seq_fk');
      await s.exec('DELETE FROM audit_events WHERE seq > 7');
      await s.exec('ALTER TABLE audit_events ENABLE TRIGGER USER');
      await s.exec('ALTER TABLE audit_checkpoints ENABLE TRIGGER USER');
    });
    expect(await trail.verify()).toMatchObject({ valid: false, reason: 'truncated' });
  });

  it('a chain recomputed wholesale with consistent hashes is caught by the checkpoint signatures', async () => {
    const trail = new AuditTrail(database, key, 3);
    await writeEvents(trail, 6);
    // The attacker rewrites history from scratch with their own key: every hash is consistent...
    const forger = new AuditTrail(database, generateServerKeyPair(), 3);
    await superuser.withSession(async (s) => {
      await s.exec('ALTER TABLE audit_events DISABLE TRIGGER USER');
      await s.exec('ALTER TABLE audit_checkpoints DISABLE TRIGGER USER');
      await s.exec('DELETE FROM audit_checkpoints');
      await s.exec('DELETE FROM audit_events');
    });
    await writeEvents(forger, 6);
    await superuser.withSession(async (s) => {
      await s.exec('ALTER TABLE audit_events ENABLE TRIGGER USER');
      await s.exec('ALTER TABLE audit_checkpoints ENABLE TRIGGER USER');
    });
    // ...but the checkpoints are not signed by the server's key.
    expect(await trail.verify()).toMatchObject({ valid: false, reason: 'checkpoint_signature_invalid' });
  });
});
