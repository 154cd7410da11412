import type { KeyObject } from 'node:crypto';
import { type AuditEvent, GENESIS_HASH, hashAuditEvent } from './canonical-hash.ts';
import { type SignedCheckpoint, verifyCheckpointSignature } from './checkpoints.ts';
import {
  handoverFollows,
  KEY_ROTATION_ACTION,
  type KeySegment,
  keySchedule,
  type RotationEvent,
  sameJson,
  segmentAt,
} from './key-handover.ts';

export type ChainFailureReason =
  /** The stored hash is not the hash of the stored fields: the event was edited. */
  | 'hash_mismatch'
  /** prev_hash is not the previous event's hash: an event was inserted, removed or moved. */
  | 'prev_mismatch'
  /** seq is not the previous seq + 1: an event is missing, duplicated or out of order. */
  | 'sequence_gap'
  /** A row could not be hashed (missing field, wrong type). */
  | 'malformed_event'
  /**
   * A checkpoint's signature does not verify with the key that the trusted key's hand-overs assign to its
   * seq: it was forged, altered, or signed by another key (then `expected`/`actual` are the key ids).
   */
  | 'checkpoint_signature_invalid'
  /** The event at a checkpoint's seq has another hash: the chain was recomputed after the checkpoint. */
  | 'checkpoint_mismatch'
  /** A checkpoint names a seq beyond the last event: the tail was cut off. */
  | 'truncated'
  /** A key rotation is not signed by both keys, does not link to the previous key, is not where it claims, or the trusted key is not among the chain's keys. */
  | 'key_handover_invalid'
  /** The last event has no checkpoint, so the tail is unauthenticated (checked when `requireSignedHead`). */
  | 'head_not_signed';

export interface ChainVerification {
  valid: boolean;
  /** Events examined, up to and including the first invalid one. */
  checked: number;
  first_invalid_seq: number | null;
  /** 0-based position in the stream of the first invalid event, null when not tied to one. */
  index: number | null;
  reason: ChainFailureReason | null;
  expected: string | null;
  actual: string | null;
  /** The last valid event (seq and hash), to compare with an external anchor. */
  head: { seq: number; hash: string } | null;
  /**
   * Events after the last checkpoint: their hashes chain, but no signature covers them yet. Normal between
   * two checkpoints, and what a stop before the next checkpoint leaves. Null when the head is signed, the
   * chain is empty, or the chain is broken.
   */
  unsealed: { count: number; first_seq: number; oldest_ts: string } | null;
  /**
   * Checkpoints the interval calls for that do not exist (a stop between an event's commit and its
   * checkpoint, or deleted). Not a break: a later checkpoint, if any, still covers those events. Null when
   * none are missing, no interval is given, or the chain is broken.
   */
  missing_checkpoints: { count: number; first_seq: number } | null;
}

export interface ChainVerifierOptions {
  /** Start after a known-good event instead of the genesis (verify a range); defaults to seq 0 / genesis. */
  after?: { seq: number; hash: string };
  checkpoints?: readonly SignedCheckpoint[];
  /**
   * The trusted key, taken from outside what is verified (configuration, an inspector's copy). Needed when
   * checkpoints or rotations are given: every checkpoint must verify with the key that the chain's
   * hand-overs, anchored on this key, assign to its seq.
   */
  publicKey?: KeyObject;
  /** The chain's key-rotation events (action `audit.signing_key_rotated`), collected before streaming. */
  rotations?: readonly RotationEvent[];
  /** Offline evidence: the last event must carry a checkpoint, so nothing in the file is unauthenticated. */
  requireSignedHead?: boolean;
  /** When set, the checkpoints absent at multiples of it up to the head are reported (`missing_checkpoints`). */
  checkpointInterval?: number;
}

/**
 * Walks the chain one event at a time in seq order and keeps only the previous hash and the checkpoint
 * index, so memory stays constant however many pages are pushed. Stops checking at the first failure.
 */
export class ChainVerifier {
  private prevSeq: number;
  private prevHash: string;
  private checked = 0;
  private failure: Pick<
    ChainVerification,
    'first_invalid_seq' | 'index' | 'reason' | 'expected' | 'actual'
  > | null = null;
  private readonly checkpointsBySeq = new Map<number, SignedCheckpoint>();
  private readonly checkpointInterval: number | undefined;
  private readonly requireSignedHead: boolean;
  /** Rotation events still to be met in the stream, by seq. */
  private readonly rotationsBySeq = new Map<number, RotationEvent>();
  private readonly authenticated: boolean;
  /** The first event after the last checkpoint met so far, and how many follow it. */
  private tail: { first_seq: number; oldest_ts: string; count: number } | null = null;

  constructor(options: ChainVerifierOptions = {}) {
    this.prevSeq = options.after?.seq ?? 0;
    this.prevHash = options.after?.hash ?? GENESIS_HASH;
    this.checkpointInterval = options.checkpointInterval;
    this.requireSignedHead = options.requireSignedHead ?? false;
    const sorted = [...(options.checkpoints ?? [])].sort((a, b) => a.seq - b.seq);
    const rotations = options.rotations ?? [];
    this.authenticated = options.publicKey !== undefined;
    if ((sorted.length > 0 || rotations.length > 0 || this.requireSignedHead) && !options.publicKey)
      throw new Error('checkpoints or rotations given without a trusted public key');
    let segments: KeySegment[] = [];
    if (options.publicKey) {
      const schedule = keySchedule(rotations, options.publicKey);
      if (!schedule.ok) {
        this.fail({
          seq: schedule.seq,
          index: null,
          reason: 'key_handover_invalid',
          expected: null,
          actual: schedule.reason,
        });
        return;
      }
      segments = schedule.segments;
      for (const r of rotations) if (r.seq > this.prevSeq) this.rotationsBySeq.set(r.seq, r);
    }
    for (const cp of sorted) {
      const segment = segmentAt(segments, cp.seq);
      if (cp.key_id !== segment.keyId) {
        this.fail({
          seq: cp.seq,
          index: null,
          reason: 'checkpoint_signature_invalid',
          expected: segment.keyId,
          actual: cp.key_id,
        });
        return;
      }
      if (!verifyCheckpointSignature(cp, segment.publicKey)) {
        this.fail({
          seq: cp.seq,
          index: null,
          reason: 'checkpoint_signature_invalid',
          expected: null,
          actual: cp.signature,
        });
        return;
      }
      this.checkpointsBySeq.set(cp.seq, cp);
    }
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  private fail(f: {
    seq: number | null;
    index: number | null;
    reason: ChainFailureReason;
    expected: string | null;
    actual: string | null;
  }): false {
    this.failure = {
      first_invalid_seq: f.seq,
      index: f.index,
      reason: f.reason,
      expected: f.expected,
      actual: f.actual,
    };
    return false;
  }

  /** Checks the next event; returns false once the chain is broken (later pushes are ignored). */
  push(event: AuditEvent): boolean {
    if (this.failure) return false;
    const index = this.checked;
    this.checked++;
    const expectedSeq = this.prevSeq + 1;
    if (typeof event.seq !== 'number') {
      // A driver that returns bigint columns as strings must convert them before verification.
      return this.fail({
        seq: null,
        index,
        reason: 'malformed_event',
        expected: 'seq as a number',
        actual: `${typeof event.seq} ${String(event.seq)}`,
      });
    }
    if (event.seq !== expectedSeq) {
      return this.fail({
        seq: event.seq,
        index,
        reason: 'sequence_gap',
        expected: String(expectedSeq),
        actual: String(event.seq),
      });
    }
    if (event.prev_hash !== this.prevHash) {
      return this.fail({
        seq: event.seq,
        index,
        reason: 'prev_mismatch',
        expected: this.prevHash,
        actual: event.prev_hash,
      });
    }
    let recomputed: string;
    try {
      recomputed = hashAuditEvent(event, event.prev_hash);
    } catch (error) {
      return this.fail({
        seq: event.seq,
        index,
        reason: 'malformed_event',
        expected: null,
        actual: error instanceof Error ? error.message : String(error),
      });
    }
    if (recomputed !== event.hash) {
      return this.fail({
        seq: event.seq,
        index,
        reason: 'hash_mismatch',
        expected: recomputed,
        actual: event.hash,
      });
    }
    if (this.authenticated && event.action === KEY_ROTATION_ACTION) {
      // The rotation the key schedule was built from must be this very event, right after its head.
      const expected = this.rotationsBySeq.get(event.seq);
      if (
        !expected ||
        !sameJson(expected.after, event.after) ||
        !handoverFollows(event.after, { seq: this.prevSeq, hash: this.prevHash })
      ) {
        return this.fail({
          seq: event.seq,
          index,
          reason: 'key_handover_invalid',
          expected: 'a hand-over signed by both keys, following the previous event',
          actual: event.action,
        });
      }
      this.rotationsBySeq.delete(event.seq);
    }
    const checkpoint = this.checkpointsBySeq.get(event.seq);
    if (checkpoint && checkpoint.hash !== event.hash) {
      return this.fail({
        seq: event.seq,
        index,
        reason: 'checkpoint_mismatch',
        expected: checkpoint.hash,
        actual: event.hash,
      });
    }
    this.prevSeq = event.seq;
    this.prevHash = event.hash;
    if (checkpoint) this.tail = null;
    else if (this.tail) this.tail.count++;
    else this.tail = { first_seq: event.seq, oldest_ts: event.ts, count: 1 };
    return true;
  }

  /** Multiples of the interval up to the head that have no checkpoint. */
  private missingCheckpoints(): ChainVerification['missing_checkpoints'] {
    const interval = this.checkpointInterval;
    if (!interval || interval <= 0) return null;
    let count = 0;
    let first: number | null = null;
    for (let seq = interval; seq <= this.prevSeq; seq += interval) {
      if (this.checkpointsBySeq.has(seq)) continue;
      count++;
      first ??= seq;
    }
    return first === null ? null : { count, first_seq: first };
  }

  /** The verdict after the last page; also checks the checkpoints against the end of the chain. */
  result(): ChainVerification {
    const head = this.prevSeq > 0 ? { seq: this.prevSeq, hash: this.prevHash } : null;
    if (!this.failure) {
      const beyond = [...this.checkpointsBySeq.values()].find((cp) => cp.seq > this.prevSeq);
      const unmet = [...this.rotationsBySeq.keys()].sort((a, b) => a - b)[0];
      if (unmet !== undefined) {
        this.fail({
          seq: unmet,
          index: null,
          reason: unmet > this.prevSeq ? 'truncated' : 'key_handover_invalid',
          expected: `the key rotation at seq ${unmet}`,
          actual: null,
        });
      } else if (beyond) {
        this.fail({
          seq: this.prevSeq + 1,
          index: null,
          reason: 'truncated',
          expected: `events up to seq ${beyond.seq}`,
          actual: `last seq ${this.prevSeq}`,
        });
      }
      if (!this.failure && this.requireSignedHead && head && !this.checkpointsBySeq.has(head.seq)) {
        this.fail({
          seq: head.seq,
          index: null,
          reason: 'head_not_signed',
          expected: `a checkpoint at the last event, seq ${head.seq}`,
          actual: null,
        });
      }
    }
    if (this.failure)
      return {
        valid: false,
        checked: this.checked,
        head,
        ...this.failure,
        unsealed: null,
        missing_checkpoints: null,
      };
    const tail = this.tail;
    return {
      valid: true,
      checked: this.checked,
      first_invalid_seq: null,
      index: null,
      reason: null,
      expected: null,
      actual: null,
      head,
      unsealed: tail && { count: tail.count, first_seq: tail.first_seq, oldest_ts: tail.oldest_ts },
      missing_checkpoints: this.missingCheckpoints(),
    };
  }
}

/** Verifies an ordered array, or a stream of pages flattened into an async iterable. */
export async function verifyChain(
  events: Iterable<AuditEvent> | AsyncIterable<AuditEvent>,
  options: ChainVerifierOptions = {},
): Promise<ChainVerification> {
  const verifier = new ChainVerifier(options);
  if (!verifier.failed) {
    for await (const event of events) {
      if (!verifier.push(event)) break;
    }
  }
  return verifier.result();
}

/**
 * Keyset pagination over the chain: calls `fetchPage(afterSeq)` (for example
 * `SELECT ... WHERE seq > $1 ORDER BY seq LIMIT 1000`) until a page comes back empty. Holds one page at
 * a time.
 */
export async function* eventsInPages(
  fetchPage: (afterSeq: number) => Promise<readonly AuditEvent[]>,
  startAfterSeq = 0,
): AsyncGenerator<AuditEvent> {
  let after = startAfterSeq;
  for (;;) {
    const page = await fetchPage(after);
    if (page.length === 0) return;
    for (const event of page) yield event;
    const last = page[page.length - 1]!.seq;
    // A page that does not move forward would loop for ever; the verifier has already reported why.
    if (!(last > after)) return;
    after = last;
  }
}
