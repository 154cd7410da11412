import type { KeyObject } from 'node:crypto';
import { canonicalJson, sha256Hex } from '../audit/canonical-hash.ts';
import { signPayload, verifyPayload } from './server-key.ts';

/** 21 CFR 11.50(a)(3): the meaning associated with the signature. */
export const SIGNATURE_MEANINGS = [
  'authored',
  'reviewed',
  'approved',
  'verified',
  'rejected',
  'audit_trail_reviewed',
  'resumed',
  'made_effective',
] as const;
export type SignatureMeaning = (typeof SIGNATURE_MEANINGS)[number];

const MEANING_LABELS: Record<SignatureMeaning, string> = {
  authored: 'Authored',
  reviewed: 'Reviewed',
  approved: 'Approved',
  verified: 'Verified',
  rejected: 'Rejected',
  audit_trail_reviewed: 'Audit trail reviewed',
  resumed: 'Resumed',
  made_effective: 'Made effective',
};

export function isSignatureMeaning(value: unknown): value is SignatureMeaning {
  return typeof value === 'string' && (SIGNATURE_MEANINGS as readonly string[]).includes(value);
}

/**
 * SHA-256 hex of the record's RFC 8785 canonical JSON. Pass the record as stored, every regulated field:
 * any later change to it gives another hash, and the signature then shows as not current (11.70).
 */
export function recordHash(record: unknown): string {
  return sha256Hex(canonicalJson(record));
}

/** What is stored and shown for one signing (11.50(a): printed name, date and time, meaning). */
export interface SignatureManifest {
  record_type: string;
  record_id: string;
  record_hash: string;
  signer_email: string;
  /** The signer's full name at the time of signing (11.50(a)(1)). */
  signer_name: string;
  meaning: SignatureMeaning;
  reason: string | null;
  /** UTC, ISO 8601, taken from the database clock at signing (11.50(a)(2)). */
  signed_at: string;
}

export interface SignedManifest extends SignatureManifest {
  key_id: string;
  /** Ed25519 (base64url) by the server over the manifest, so it can be checked offline (11.70). */
  server_signature: string;
}

export class SignatureManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureManifestError';
  }
}

function required(name: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new SignatureManifestError(`${name} is required`);
  return trimmed;
}

export function buildSignatureManifest(input: {
  recordType: string;
  recordId: string;
  record: unknown;
  signerEmail: string;
  signerName: string;
  meaning: string;
  reason?: string | null;
  signedAt: Date;
}): SignatureManifest {
  if (!isSignatureMeaning(input.meaning)) {
    throw new SignatureManifestError(`meaning must be one of ${SIGNATURE_MEANINGS.join(', ')}`);
  }
  if (Number.isNaN(input.signedAt.getTime()))
    throw new SignatureManifestError('signedAt is not a valid time');
  const reason = input.reason?.trim() ? input.reason.trim() : null;
  return {
    record_type: required('record type', input.recordType),
    record_id: required('record id', input.recordId),
    record_hash: recordHash(input.record),
    signer_email: required('signer email', input.signerEmail).toLowerCase(),
    signer_name: required('signer name', input.signerName),
    meaning: input.meaning,
    reason,
    signed_at: input.signedAt.toISOString(),
  };
}

const PURPOSE = 'polymorph.esignature-manifest.v1';

function manifestOf(m: SignatureManifest): SignatureManifest {
  return {
    record_type: m.record_type,
    record_id: m.record_id,
    record_hash: m.record_hash,
    signer_email: m.signer_email,
    signer_name: m.signer_name,
    meaning: m.meaning,
    reason: m.reason,
    signed_at: m.signed_at,
  };
}

export function signManifest(
  manifest: SignatureManifest,
  privateKey: KeyObject,
  keyId: string,
): SignedManifest {
  const m = manifestOf(manifest);
  return { ...m, key_id: keyId, server_signature: signPayload(PURPOSE, m, privateKey) };
}

/** The manifest was issued by the server holding the key and not altered since (any field). */
export function verifyManifestSignature(signed: SignedManifest, publicKey: KeyObject): boolean {
  return verifyPayload(PURPOSE, manifestOf(signed), signed.server_signature, publicKey);
}

/** False once the record differs from what was signed (GET /api/signatures reports it as `current`). */
export function isSignatureCurrent(manifest: SignatureManifest, currentRecord: unknown): boolean {
  return recordHash(currentRecord) === manifest.record_hash;
}

/**
 * The human-readable manifestation that 11.50(b) requires wherever the signed record is displayed or
 * printed, e.g. "Approved by Jane Doe (jane@example.org) on 2026-03-01 14:05:09 UTC. Reason: ...".
 */
export function formatManifestation(manifest: SignatureManifest): string {
  const when = `${manifest.signed_at.slice(0, 10)} ${manifest.signed_at.slice(11, 19)} UTC`;
  const base = `${MEANING_LABELS[manifest.meaning]} by ${manifest.signer_name} (${manifest.signer_email}) on ${when}.`;
  return manifest.reason ? `${base} Reason: ${manifest.reason}` : base;
}

/**
 * Segregation of duties: nobody may review, approve, verify or reject (or review the audit trail of) a
 * record they authored. `authorEmails` are the record's creator and every `authored` signer.
 */
export function checkSegregationOfDuties(input: {
  meaning: SignatureMeaning;
  signerEmail: string;
  authorEmails: readonly string[];
}): { ok: true } | { ok: false; code: 'self_review'; message: string } {
  if (input.meaning === 'authored') return { ok: true };
  const signer = input.signerEmail.trim().toLowerCase();
  if (input.authorEmails.some((author) => author.trim().toLowerCase() === signer)) {
    return {
      ok: false,
      code: 'self_review',
      message: `A record's author cannot sign it as ${MEANING_LABELS[input.meaning].toLowerCase()}.`,
    };
  }
  return { ok: true };
}
