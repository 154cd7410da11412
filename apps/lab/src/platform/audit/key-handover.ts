import type { KeyObject } from 'node:crypto';
import {
  keyIdOf,
  loadPublicKey,
  publicKeyPemOf,
  type ServerKeyPair,
  signPayload,
  verifyPayload,
} from '../signatures/server-key.ts';
import { canonicalJson, GENESIS_HASH, isHashHex } from './canonical-hash.ts';

/**
 * A key rotation is an audit event with this action; its `after` is the signed hand-over. Being in the
 * chain, it is hashed, exported and verified like every other event, and needs no table of its own.
 */
export const KEY_ROTATION_ACTION = 'audit.signing_key_rotated';

const PURPOSE = 'polymorph.signing-key-handover.v1';

/** "Key `from` hands over to key `to` after the chain head (seq, hash)": both keys sign it. */
export interface KeyHandoverPayload {
  from_key_id: string;
  from_public_key_pem: string;
  to_key_id: string;
  to_public_key_pem: string;
  /** The head the hand-over follows (seq 0 and the genesis hash for an empty trail). */
  seq: number;
  hash: string;
}

export interface SignedKeyHandover extends KeyHandoverPayload {
  /** By the old key: it vouches for its successor. */
  from_signature: string;
  /** By the new key: proof that the successor's holder took part, and a link back to the old key. */
  to_signature: string;
}

function payloadOf(h: KeyHandoverPayload): KeyHandoverPayload {
  return {
    from_key_id: h.from_key_id,
    from_public_key_pem: h.from_public_key_pem,
    to_key_id: h.to_key_id,
    to_public_key_pem: h.to_public_key_pem,
    seq: h.seq,
    hash: h.hash,
  };
}

export function signKeyHandover(
  head: { seq: number; hash: string },
  from: ServerKeyPair,
  to: ServerKeyPair,
): SignedKeyHandover {
  if (from.keyId === to.keyId) throw new Error('the new signing key is the current one');
  const payload = payloadOf({
    from_key_id: from.keyId,
    from_public_key_pem: publicKeyPemOf(from.publicKey),
    to_key_id: to.keyId,
    to_public_key_pem: publicKeyPemOf(to.publicKey),
    seq: head.seq,
    hash: head.hash,
  });
  return {
    ...payload,
    from_signature: signPayload(PURPOSE, payload, from.privateKey),
    to_signature: signPayload(PURPOSE, payload, to.privateKey),
  };
}

export type HandoverCheck =
  | { ok: true; handover: SignedKeyHandover; from: KeyObject; to: KeyObject }
  | { ok: false; reason: string };

/** Parses a hand-over from an event's `after` and checks both signatures and that the key ids match the keys. */
export function checkKeyHandover(value: unknown): HandoverCheck {
  if (typeof value !== 'object' || value === null) return { ok: false, reason: 'not a key hand-over' };
  const h = value as Record<string, unknown>;
  const strings = [
    'from_key_id',
    'from_public_key_pem',
    'to_key_id',
    'to_public_key_pem',
    'hash',
    'from_signature',
    'to_signature',
  ];
  if (strings.some((k) => typeof h[k] !== 'string') || !Number.isSafeInteger(h['seq']))
    return { ok: false, reason: 'key hand-over fields missing or of the wrong type' };
  const handover = value as SignedKeyHandover;
  if (handover.seq < 0 || !isHashHex(handover.hash))
    return { ok: false, reason: 'key hand-over names no chain head' };
  let from: KeyObject;
  let to: KeyObject;
  try {
    from = loadPublicKey(handover.from_public_key_pem);
    to = loadPublicKey(handover.to_public_key_pem);
  } catch (err) {
    return { ok: false, reason: `key hand-over carries an unusable key (${(err as Error).message})` };
  }
  if (keyIdOf(from) !== handover.from_key_id || keyIdOf(to) !== handover.to_key_id)
    return { ok: false, reason: 'key hand-over key ids do not match its keys' };
  const payload = payloadOf(handover);
  if (!verifyPayload(PURPOSE, payload, handover.from_signature, from))
    return { ok: false, reason: `the old key ${handover.from_key_id} did not sign the hand-over` };
  if (!verifyPayload(PURPOSE, payload, handover.to_signature, to))
    return { ok: false, reason: `the new key ${handover.to_key_id} did not sign the hand-over` };
  return { ok: true, handover, from, to };
}

/** A rotation event as the verifier needs it before streaming the chain. */
export interface RotationEvent {
  /** seq of the rotation event itself. */
  seq: number;
  after: unknown;
}

/** Which key signs the checkpoints from `fromSeq` on (until the next segment). */
export interface KeySegment {
  fromSeq: number;
  keyId: string;
  publicKey: KeyObject;
}

export type KeySchedule =
  | { ok: true; segments: KeySegment[]; keys: Map<string, KeyObject> }
  | { ok: false; seq: number | null; reason: string };

/**
 * The keys of the chain, oldest first, linked by their hand-overs, and anchored on the trusted key: the
 * trusted key must be one of them, and every link is signed by both of its keys, so trust flows from the
 * trusted key forwards and backwards, and a key that no link from it reaches is never accepted.
 * A rotation event at seq R moves checkpoint signing to the new key from seq R on.
 */
export function keySchedule(rotations: readonly RotationEvent[], trusted: KeyObject): KeySchedule {
  const sorted = [...rotations].sort((a, b) => a.seq - b.seq);
  const trustedId = keyIdOf(trusted);
  if (sorted.length === 0) {
    return {
      ok: true,
      segments: [{ fromSeq: 1, keyId: trustedId, publicKey: trusted }],
      keys: new Map([[trustedId, trusted]]),
    };
  }
  const segments: KeySegment[] = [];
  for (const rotation of sorted) {
    const check = checkKeyHandover(rotation.after);
    if (!check.ok) return { ok: false, seq: rotation.seq, reason: check.reason };
    const previous = segments[segments.length - 1];
    if (previous && previous.keyId !== check.handover.from_key_id) {
      return {
        ok: false,
        seq: rotation.seq,
        reason: `hand-over from key ${check.handover.from_key_id}, but key ${previous.keyId} was signing`,
      };
    }
    if (!previous) segments.push({ fromSeq: 1, keyId: check.handover.from_key_id, publicKey: check.from });
    segments.push({ fromSeq: rotation.seq, keyId: check.handover.to_key_id, publicKey: check.to });
  }
  const keys = new Map(segments.map((s) => [s.keyId, s.publicKey]));
  const anchored = keys.get(trustedId);
  if (!anchored || keyIdOf(anchored) !== trustedId || !anchored.equals(trusted)) {
    return {
      ok: false,
      seq: null,
      reason: `the trusted key ${trustedId} is not among the chain's keys (${[...keys.keys()].join(', ')})`,
    };
  }
  return { ok: true, segments, keys };
}

/** The segment whose key must have signed a checkpoint at `seq`. */
export function segmentAt(segments: readonly KeySegment[], seq: number): KeySegment {
  let found = segments[0]!;
  for (const s of segments) if (s.fromSeq <= seq) found = s;
  return found;
}

/** True when a rotation event's hand-over follows the event just before it (binds it to its place). */
export function handoverFollows(after: unknown, previous: { seq: number; hash: string }): boolean {
  const h = after as Partial<KeyHandoverPayload> | null;
  const hash = previous.seq === 0 ? GENESIS_HASH : previous.hash;
  return !!h && h.seq === previous.seq && h.hash === hash;
}

/** Same content, whatever the key order: used to match the pre-collected rotations with the stream. */
export function sameJson(a: unknown, b: unknown): boolean {
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch {
    return false;
  }
}
