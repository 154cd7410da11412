import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.ts';
import { migratedDatabase } from '../../testing/test-database.ts';
import { generateServerKeyPair, type ServerKeyPair } from '../signatures/server-key.ts';
import { AuditTrail } from './audit-trail.ts';
import { KEY_ROTATION_ACTION, signKeyHandover } from './key-handover.ts';

let database: Database;
let cleanup: () => Promise<void>;
const ctx = { actor: 'qa@lab.test', requestId: null, ip: null };

beforeEach(async () => {
  ({ database, cleanup } = await migratedDatabase());
});
afterEach(async () => cleanup());

async function write(trail: AuditTrail, n: number) {
  for (let i = 0; i < n; i++)
    await trail.transaction(async (_tx, audit) =>
      audit(ctx, { action: 'sample.updated', entityType: 'sample', entityId: `S-${i}`, after: { i } }),
    );
}

const seqs = async (trail: AuditTrail) => (await trail.checkpoints()).map((c) => c.seq);

describe('checkpoints bounded in time as well as in events', () => {
  it('signs the head once the oldest unsigned event is T seconds old, on tick or on the next append', async () => {
    let now = Date.parse('2026-03-01T08:00:00Z');
    const trail = new AuditTrail(database, generateServerKeyPair(), 1000, undefined, {
      checkpointSeconds: 60,
      clock: () => now,
    });
    try {
      await write(trail, 3);
      expect(await trail.tick()).toBeNull();
      now += 59_999;
      expect(await trail.tick()).toBeNull();
      expect(await seqs(trail)).toEqual([]);
      now += 1;
      expect(await trail.tick()).toMatchObject({ seq: 3 });
      expect(await seqs(trail)).toEqual([3]);
      // Nothing new is unsigned: later ticks sign nothing.
      now += 600_000;
      expect(await trail.tick()).toBeNull();

      // Under steady traffic the append itself signs when the oldest unsigned event is due.
      await write(trail, 1);
      now += 30_000;
      await write(trail, 1);
      expect(await seqs(trail)).toEqual([3]);
      now += 30_000;
      await write(trail, 1);
      expect(await seqs(trail)).toEqual([3, 6]);
      expect((await trail.verify()).valid).toBe(true);
    } finally {
      trail.stop();
    }
  });

  it('whichever comes first: the event interval still signs, and resets the time bound', async () => {
    let now = 0;
    const trail = new AuditTrail(database, generateServerKeyPair(), 2, undefined, {
      checkpointSeconds: 60,
      clock: () => now,
    });
    try {
      await write(trail, 2);
      expect(await seqs(trail)).toEqual([2]);
      now += 120_000;
      expect(await trail.tick()).toBeNull();
      await write(trail, 1);
      now += 60_000;
      expect(await trail.tick()).toMatchObject({ seq: 3 });
    } finally {
      trail.stop();
    }
  });

  it('0 seconds turns the time bound off', async () => {
    let now = 0;
    const trail = new AuditTrail(database, generateServerKeyPair(), 1000, undefined, {
      checkpointSeconds: 0,
      clock: () => now,
    });
    await write(trail, 2);
    now += 10 ** 9;
    expect(await trail.tick()).toBeNull();
    expect(await seqs(trail)).toEqual([]);
  });
});

describe('signing-key rotation', () => {
  let oldKey: ServerKeyPair;
  let newKey: ServerKeyPair;
  beforeEach(() => {
    oldKey = generateServerKeyPair();
    newKey = generateServerKeyPair();
  });

  it('the old key hands over to the new one; the chain verifies from either key and from no other', async () => {
    const before = new AuditTrail(database, oldKey, 4);
    await write(before, 5);
    const rotated = await before.rotateSigningKey(ctx, newKey);
    expect(rotated.event).toMatchObject({ seq: 6, action: KEY_ROTATION_ACTION, entity_id: newKey.keyId });
    expect(rotated.handover).toMatchObject({ from_key_id: oldKey.keyId, to_key_id: newKey.keyId, seq: 5 });
    expect(rotated.checkpoint).toMatchObject({ seq: 6, key_id: newKey.keyId });

    const after = new AuditTrail(database, newKey, 4);
    await write(after, 3);
    const checkpoints = await after.checkpoints();
    expect(checkpoints.map((c) => [c.seq, c.key_id])).toEqual([
      [4, oldKey.keyId],
      [6, newKey.keyId],
      [8, newKey.keyId],
    ]);
    expect(await after.verify()).toMatchObject({ valid: true, checked: 9 });
    expect(await new AuditTrail(database, oldKey, 4).verify()).toMatchObject({ valid: true, checked: 9 });
    expect(await new AuditTrail(database, generateServerKeyPair(), 4).verify()).toMatchObject({
      valid: false,
      reason: 'key_handover_invalid',
    });
  });

  it('a checkpoint the old key signs after the hand-over is refused', async () => {
    const before = new AuditTrail(database, oldKey, 1000);
    await write(before, 2);
    await before.rotateSigningKey(ctx, newKey);
    // A server left running on the old key keeps writing and signing.
    await write(before, 1);
    await before.checkpointNow();
    expect(await new AuditTrail(database, newKey, 1000).verify()).toMatchObject({
      valid: false,
      first_invalid_seq: 4,
      reason: 'checkpoint_signature_invalid',
      expected: newKey.keyId,
      actual: oldKey.keyId,
    });
  });

  it("a hand-over forged without the old key's private half does not move trust", async () => {
    const trail = new AuditTrail(database, oldKey, 1000);
    await write(trail, 2);
    await trail.checkpointNow();
    const mallory = generateServerKeyPair();
    // Names the old key as the giver, but signs with Mallory's private key.
    const forged = signKeyHandover(
      { seq: 2, hash: (await trail.checkpoints())[0]!.hash },
      { ...oldKey, privateKey: mallory.privateKey },
      mallory,
    );
    const attacker = new AuditTrail(database, mallory, 1000);
    await attacker.transaction(async (_tx, audit) =>
      audit(ctx, {
        action: KEY_ROTATION_ACTION,
        entityType: 'signing_key',
        entityId: mallory.keyId,
        after: forged,
      }),
    );
    await attacker.checkpointNow();
    expect(await new AuditTrail(database, oldKey, 1000).verify()).toMatchObject({
      valid: false,
      reason: 'key_handover_invalid',
    });
    // Trusting Mallory's key does not help either: her link to the old key carries no signature of it.
    expect(await new AuditTrail(database, mallory, 1000).verify()).toMatchObject({
      valid: false,
      reason: 'key_handover_invalid',
    });
  });

  it('refuses to hand over to the current key', async () => {
    const trail = new AuditTrail(database, oldKey, 1000);
    await expect(trail.rotateSigningKey(ctx, oldKey)).rejects.toThrow(/is the current one/);
  });
});
