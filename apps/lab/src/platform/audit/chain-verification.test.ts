import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { generateServerKeyPair } from '../signatures/server-key.ts';
import { type AuditEvent, type AuditEventFields, GENESIS_HASH, sealAuditEvent } from './canonical-hash.ts';
import { ChainVerifier, eventsInPages, verifyChain } from './chain-verification.ts';
import {
  isCheckpointDue,
  type SignedCheckpoint,
  signCheckpoint,
  verifyCheckpointSignature,
} from './checkpoints.ts';

function fields(seq: number): AuditEventFields {
  return {
    seq,
    ts: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString().replace('Z', '000Z'),
    actor: seq % 2 ? 'sci@example.org' : 'tech@example.org',
    action: 'sample.update',
    entity_type: 'sample',
    entity_id: `S-${seq % 7}`,
    before: { status: 'active', n: seq },
    after: { status: 'quarantined', n: seq },
    reason: 'routine',
    request_id: `req-${seq}`,
    ip: '127.0.0.1',
  };
}

/** Builds a valid chain, or re-seals an edited one as an attacker with table access would. */
function seal(all: AuditEventFields[]): AuditEvent[] {
  let prev = GENESIS_HASH;
  return all.map((f) => {
    const e = sealAuditEvent(f, prev);
    prev = e.hash;
    return e;
  });
}

function chain(n: number): AuditEvent[] {
  return seal(Array.from({ length: n }, (_, i) => fields(i + 1)));
}

const keys = generateServerKeyPair();
function checkpointsFor(events: AuditEvent[], every: number, key = keys): SignedCheckpoint[] {
  return events
    .filter((e) => isCheckpointDue(e.seq, every))
    .map((e) => signCheckpoint({ seq: e.seq, hash: e.hash, ts: e.ts }, key.privateKey, key.keyId));
}

describe('audit chain verification: tamper cases', () => {
  it('1. an intact chain verifies, and reports its head', async () => {
    const events = chain(50);
    const r = await verifyChain(events);
    expect(r).toEqual({
      valid: true,
      checked: 50,
      first_invalid_seq: null,
      index: null,
      reason: null,
      expected: null,
      actual: null,
      head: { seq: 50, hash: events[49]!.hash },
      // No checkpoint covers any of it.
      unsealed: { count: 50, first_seq: 1, oldest_ts: events[0]!.ts },
      missing_checkpoints: null,
    });
    expect(await verifyChain([])).toMatchObject({ valid: true, checked: 0, head: null, unsealed: null });
  });

  it('2. an edited payload is named by its seq (hash mismatch)', async () => {
    const events = chain(20);
    events[11] = { ...events[11]!, after: { status: 'released', n: 12 } };
    const r = await verifyChain(events);
    expect(r).toMatchObject({
      valid: false,
      first_invalid_seq: 12,
      index: 11,
      reason: 'hash_mismatch',
      checked: 12,
    });
    expect(r.actual).toBe(events[11]!.hash);
    expect(r.head).toEqual({ seq: 11, hash: events[10]!.hash });
  });

  it('2b. an edited timestamp or actor is detected the same way', async () => {
    for (const change of [{ ts: '2030-01-01T00:00:00.000000Z' }, { actor: 'someone-else@example.org' }]) {
      const events = chain(5);
      events[2] = { ...events[2]!, ...change };
      expect(await verifyChain(events)).toMatchObject({ first_invalid_seq: 3, reason: 'hash_mismatch' });
    }
  });

  it('3. a deleted middle event is a sequence gap; a deleted first event too', async () => {
    const events = chain(10);
    const withoutMiddle = [...events.slice(0, 4), ...events.slice(5)];
    expect(await verifyChain(withoutMiddle)).toMatchObject({
      valid: false,
      first_invalid_seq: 6,
      reason: 'sequence_gap',
      expected: '5',
      actual: '6',
    });
    expect(await verifyChain(events.slice(1))).toMatchObject({
      first_invalid_seq: 2,
      reason: 'sequence_gap',
    });
  });

  it('3b. a deleted event with the later seqs renumbered breaks the prev link', async () => {
    const events = chain(10);
    const renumbered = [...events.slice(0, 4), ...events.slice(5).map((e) => ({ ...e, seq: e.seq - 1 }))];
    expect(await verifyChain(renumbered)).toMatchObject({ first_invalid_seq: 5, reason: 'prev_mismatch' });
  });

  it('4. reordered events and an inserted forged event are detected', async () => {
    const events = chain(10);
    const swapped = [...events];
    [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
    expect(await verifyChain(swapped)).toMatchObject({
      first_invalid_seq: 5,
      index: 3,
      reason: 'sequence_gap',
    });

    // Swapped rows that keep their positions' seq numbers: the links no longer match.
    const swappedRenumbered = swapped.map((e, i) => ({ ...e, seq: i + 1 }));
    expect(await verifyChain(swappedRenumbered)).toMatchObject({
      first_invalid_seq: 4,
      reason: 'prev_mismatch',
    });

    // A forged event correctly chained onto event 5, and the rest renumbered after it.
    const forged = sealAuditEvent({ ...fields(6), actor: 'mallory@example.org' }, events[4]!.hash);
    const inserted = [
      ...events.slice(0, 5),
      forged,
      ...events.slice(5).map((e) => ({ ...e, seq: e.seq + 1 })),
    ];
    expect(await verifyChain(inserted)).toMatchObject({ first_invalid_seq: 7, reason: 'prev_mismatch' });
  });

  it('5. a truncated tail verifies on its own, but not against the checkpoints', async () => {
    const events = chain(25);
    const checkpoints = checkpointsFor(events, 10);
    expect(checkpoints.map((c) => c.seq)).toEqual([10, 20]);
    const truncated = events.slice(0, 15);
    expect((await verifyChain(truncated)).valid).toBe(true);
    expect(await verifyChain(truncated, { checkpoints, publicKey: keys.publicKey })).toMatchObject({
      valid: false,
      first_invalid_seq: 16,
      reason: 'truncated',
      head: { seq: 15 },
    });
    expect((await verifyChain(events, { checkpoints, publicKey: keys.publicKey })).valid).toBe(true);
  });

  it('6. a chain recomputed wholesale is caught by the checkpoints, and forged checkpoints by their signature', async () => {
    const events = chain(30);
    const checkpoints = checkpointsFor(events, 10);
    const edited = events.map(({ prev_hash: _p, hash: _h, ...f }) => f);
    edited[4] = { ...edited[4]!, after: { status: 'released', n: 5 } };
    const recomputed = seal(edited);
    // The hashes are consistent: without checkpoints nothing shows.
    expect((await verifyChain(recomputed)).valid).toBe(true);
    expect(await verifyChain(recomputed, { checkpoints, publicKey: keys.publicKey })).toMatchObject({
      valid: false,
      first_invalid_seq: 10,
      reason: 'checkpoint_mismatch',
      expected: checkpoints[0]!.hash,
      actual: recomputed[9]!.hash,
    });

    // The attacker re-signs the checkpoints with a key of their own: the server's public key refuses them.
    const attackerKey = generateServerKeyPair();
    const forged = checkpointsFor(recomputed, 10, { ...attackerKey, keyId: keys.keyId });
    expect(await verifyChain(recomputed, { checkpoints: forged, publicKey: keys.publicKey })).toMatchObject({
      valid: false,
      first_invalid_seq: 10,
      reason: 'checkpoint_signature_invalid',
    });

    // Or edits a checkpoint's hash in place.
    const altered = checkpoints.map((c, i) => (i === 1 ? { ...c, hash: recomputed[19]!.hash } : c));
    expect(await verifyChain(recomputed, { checkpoints: altered, publicKey: keys.publicKey })).toMatchObject({
      reason: 'checkpoint_signature_invalid',
      first_invalid_seq: 20,
    });
  });

  it('7. a deleted checkpoint is reported when the interval is known; alone it is not a break, a rewrite under it is', async () => {
    const events = chain(30);
    const checkpoints = checkpointsFor(events, 10).filter((c) => c.seq !== 20);
    const opts = { checkpoints, publicKey: keys.publicKey };
    expect(await verifyChain(events, opts)).toMatchObject({ valid: true, missing_checkpoints: null });
    // The events up to 30 are still covered by checkpoint 30: reported, for a person to sign late.
    expect(await verifyChain(events, { ...opts, checkpointInterval: 10 })).toMatchObject({
      valid: true,
      reason: null,
      unsealed: null,
      missing_checkpoints: { count: 1, first_seq: 20 },
    });
    // Rewriting events under the deleted checkpoint still breaks the one after it.
    const rewritten = seal(
      Array.from({ length: 30 }, (_, i) => (i === 14 ? { ...fields(15), actor: 'mallory' } : fields(i + 1))),
    );
    expect(await verifyChain(rewritten, { ...opts, checkpointInterval: 10 })).toMatchObject({
      valid: false,
      reason: 'checkpoint_mismatch',
      first_invalid_seq: 30,
      missing_checkpoints: null,
    });
  });

  it('events after the last checkpoint are an unsealed tail: counted, with the oldest timestamp; not a break', async () => {
    const events = chain(25);
    const checkpoints = checkpointsFor(events, 10);
    const result = await verifyChain(events, {
      checkpoints,
      publicKey: keys.publicKey,
      checkpointInterval: 10,
    });
    expect(result).toMatchObject({
      valid: true,
      head: { seq: 25 },
      unsealed: { count: 5, first_seq: 21, oldest_ts: events[20]!.ts },
      missing_checkpoints: null,
    });
    // A stop between event 20's commit and its checkpoint: the tail starts after 10, and 20 is missing.
    const stopped = await verifyChain(events, {
      checkpoints: checkpoints.filter((c) => c.seq !== 20),
      publicKey: keys.publicKey,
      checkpointInterval: 10,
    });
    expect(stopped).toMatchObject({
      valid: true,
      unsealed: { count: 15, first_seq: 11 },
      missing_checkpoints: { count: 1, first_seq: 20 },
    });
    // A signed head leaves no tail.
    expect(
      (await verifyChain(events.slice(0, 20), { checkpoints, publicKey: keys.publicKey })).unsealed,
    ).toBe(null);
  });

  it('reports a row that cannot be hashed instead of throwing', async () => {
    const events = chain(3);
    const broken = { ...events[1]!, entity_type: undefined } as unknown as AuditEvent;
    expect(await verifyChain([events[0]!, broken, events[2]!])).toMatchObject({
      first_invalid_seq: 2,
      reason: 'malformed_event',
    });
    const stringSeq = { ...events[0]!, seq: '1' } as unknown as AuditEvent;
    expect(await verifyChain([stringSeq])).toMatchObject({
      reason: 'malformed_event',
      first_invalid_seq: null,
    });
  });

  it('verifies a range after a known-good event', async () => {
    const events = chain(10);
    const anchor = { seq: 4, hash: events[3]!.hash };
    expect(await verifyChain(events.slice(4), { after: anchor })).toMatchObject({ valid: true, checked: 6 });
    expect(await verifyChain(events.slice(5), { after: anchor })).toMatchObject({ reason: 'sequence_gap' });
  });
});

describe('checkpoints', () => {
  it('sign and verify {seq, hash, ts}; any change breaks the signature', () => {
    const cp = signCheckpoint(
      { seq: 1000, hash: 'a'.repeat(64), ts: '2026-01-01T00:00:00Z' },
      keys.privateKey,
      keys.keyId,
    );
    expect(cp.key_id).toBe(keys.keyId);
    expect(verifyCheckpointSignature(cp, keys.publicKey)).toBe(true);
    expect(verifyCheckpointSignature({ ...cp, seq: 999 }, keys.publicKey)).toBe(false);
    expect(verifyCheckpointSignature({ ...cp, hash: 'b'.repeat(64) }, keys.publicKey)).toBe(false);
    expect(verifyCheckpointSignature({ ...cp, ts: '2026-01-01T00:00:01Z' }, keys.publicKey)).toBe(false);
    expect(verifyCheckpointSignature({ ...cp, signature: 'AAAA' }, keys.publicKey)).toBe(false);
    expect(verifyCheckpointSignature(cp, generateServerKeyPair().publicKey)).toBe(false);
  });

  it('are due every N events', () => {
    expect([999, 1000, 1001, 2000].map((s) => isCheckpointDue(s, 1000))).toEqual([false, true, false, true]);
    expect(isCheckpointDue(5, 0)).toBe(false);
  });
});

describe('streaming verification', () => {
  it('walks 20,000 events in pages of 1,000 without holding them, and finds a late edit', async () => {
    const total = 20_000;
    // Events are generated page by page, as a keyset query would return them; only hashes at page ends are kept.
    const pageEnds = new Map<number, string>([[0, GENESIS_HASH]]);
    let requestedPages = 0;
    const fetchPage = async (afterSeq: number, tamperSeq?: number): Promise<AuditEvent[]> => {
      requestedPages++;
      const page: AuditEvent[] = [];
      let prev = pageEnds.get(afterSeq)!;
      for (let seq = afterSeq + 1; seq <= Math.min(afterSeq + 1000, total); seq++) {
        const e = sealAuditEvent(fields(seq), prev);
        prev = e.hash;
        page.push(seq === tamperSeq ? { ...e, reason: 'edited later' } : e);
      }
      if (page.length) pageEnds.set(page[page.length - 1]!.seq, prev);
      return page;
    };
    const started = performance.now();
    const r = await verifyChain(eventsInPages((after) => fetchPage(after)));
    const ms = performance.now() - started;
    console.log(`chain of ${total} events: generated and verified in ${ms.toFixed(0)} ms`);
    expect(r).toMatchObject({ valid: true, checked: total, head: { seq: total } });
    expect(requestedPages).toBe(21);

    requestedPages = 0;
    const bad = await verifyChain(eventsInPages((after) => fetchPage(after, 15_123)));
    expect(bad).toMatchObject({ valid: false, first_invalid_seq: 15_123, reason: 'hash_mismatch' });
    expect(requestedPages).toBe(16);
  });

  it('ChainVerifier can be fed page by page by hand', () => {
    const events = chain(7);
    const v = new ChainVerifier();
    for (const e of events.slice(0, 3)) expect(v.push(e)).toBe(true);
    for (const e of events.slice(3)) expect(v.push(e)).toBe(true);
    expect(v.result()).toMatchObject({ valid: true, checked: 7 });
  });
});
