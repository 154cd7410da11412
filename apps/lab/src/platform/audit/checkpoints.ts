import type { KeyObject } from 'node:crypto';
import { signPayload, verifyPayload } from '../signatures/server-key.ts';
import { isHashHex } from './canonical-hash.ts';

/**
 * A signed statement "the chain had this head": seq and hash of an event, and when the checkpoint was
 * made. Someone who can rewrite the audit table but does not hold the server's private key can neither
 * forge a checkpoint nor move one, so a truncated tail or a chain recomputed from some event onwards no
 * longer matches the checkpoints taken before the attack.
 */
export interface CheckpointPayload {
  seq: number;
  hash: string;
  ts: string;
}

export interface SignedCheckpoint extends CheckpointPayload {
  key_id: string;
  /** Ed25519, base64url. */
  signature: string;
}

const PURPOSE = 'polymorph.audit-checkpoint.v1';

function payloadOf(cp: CheckpointPayload): CheckpointPayload {
  return { seq: cp.seq, hash: cp.hash, ts: cp.ts };
}

export function signCheckpoint(
  head: CheckpointPayload,
  privateKey: KeyObject,
  keyId: string,
): SignedCheckpoint {
  if (!Number.isSafeInteger(head.seq) || head.seq < 1) throw new TypeError('checkpoint seq must be positive');
  if (!isHashHex(head.hash)) throw new TypeError('checkpoint hash must be 64 lower-case hex digits');
  const payload = payloadOf(head);
  return { ...payload, key_id: keyId, signature: signPayload(PURPOSE, payload, privateKey) };
}

export function verifyCheckpointSignature(checkpoint: SignedCheckpoint, publicKey: KeyObject): boolean {
  return verifyPayload(PURPOSE, payloadOf(checkpoint), checkpoint.signature, publicKey);
}

/** True when a checkpoint is due after appending event `seq` (every `interval` events). */
export function isCheckpointDue(seq: number, interval: number): boolean {
  return interval > 0 && seq % interval === 0;
}
