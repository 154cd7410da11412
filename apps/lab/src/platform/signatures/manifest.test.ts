import { describe, expect, it } from 'vitest';
import {
  buildSignatureManifest,
  checkSegregationOfDuties,
  formatManifestation,
  isSignatureCurrent,
  recordHash,
  SIGNATURE_MEANINGS,
  SignatureManifestError,
  signManifest,
  verifyManifestSignature,
} from './manifest.ts';
import { generateServerKeyPair } from './server-key.ts';

const batch = {
  batch_id: 'B-2026-0007',
  project: 'P-12',
  status: 'active',
  created_by: 'sci@example.org',
  samples: ['S-1', 'S-2'],
  metadata: { temperature_c: 4, notes: 'stored cold' },
};
const signedAt = new Date('2026-03-01T14:05:09.123Z');

function manifest(overrides: Partial<Parameters<typeof buildSignatureManifest>[0]> = {}) {
  return buildSignatureManifest({
    recordType: 'batch',
    recordId: batch.batch_id,
    record: batch,
    signerEmail: 'QA.Lead@Example.org',
    signerName: 'Quinn Avery',
    meaning: 'approved',
    reason: '  Release after QC review  ',
    signedAt,
    ...overrides,
  });
}

describe('signature manifest (11.50)', () => {
  it('holds printed name, UTC date and time, meaning, reason and the record hash', () => {
    const m = manifest();
    expect(m).toEqual({
      record_type: 'batch',
      record_id: 'B-2026-0007',
      record_hash: recordHash(batch),
      signer_email: 'qa.lead@example.org',
      signer_name: 'Quinn Avery',
      meaning: 'approved',
      reason: 'Release after QC review',
      signed_at: '2026-03-01T14:05:09.123Z',
    });
    expect(m.record_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(formatManifestation(m)).toBe(
      'Approved by Quinn Avery (qa.lead@example.org) on 2026-03-01 14:05:09 UTC. Reason: Release after QC review',
    );
    expect(formatManifestation(manifest({ meaning: 'audit_trail_reviewed', reason: null }))).toBe(
      'Audit trail reviewed by Quinn Avery (qa.lead@example.org) on 2026-03-01 14:05:09 UTC.',
    );
  });

  it('accepts exactly the six meanings and refuses anything else', () => {
    for (const meaning of SIGNATURE_MEANINGS) expect(manifest({ meaning }).meaning).toBe(meaning);
    for (const meaning of ['Approved', 'approve', 'true', '']) {
      expect(() => manifest({ meaning })).toThrow(SignatureManifestError);
    }
  });

  it('refuses a blank printed name, email, record id or an invalid time', () => {
    expect(() => manifest({ signerName: '  ' })).toThrow(/signer name/);
    expect(() => manifest({ signerEmail: '' })).toThrow(/signer email/);
    expect(() => manifest({ recordId: '' })).toThrow(/record id/);
    expect(() => manifest({ signedAt: new Date('nope') })).toThrow(/signedAt/);
  });
});

describe('record binding (11.70)', () => {
  it('stays current while the record is unchanged, whatever the key order', () => {
    const m = manifest();
    const sameContentOtherOrder = Object.fromEntries(Object.entries(batch).reverse());
    expect(isSignatureCurrent(m, sameContentOtherOrder)).toBe(true);
  });

  it('is no longer current after any change to the record', () => {
    const m = manifest();
    expect(isSignatureCurrent(m, { ...batch, status: 'released' })).toBe(false);
    expect(isSignatureCurrent(m, { ...batch, metadata: { ...batch.metadata, temperature_c: 5 } })).toBe(
      false,
    );
    expect(isSignatureCurrent(m, { ...batch, samples: ['S-2', 'S-1'] })).toBe(false);
    expect(isSignatureCurrent(m, { ...batch, extra: null })).toBe(false);
  });

  it('carries a server signature that verifies offline and breaks if any field is changed', () => {
    const key = generateServerKeyPair();
    const signed = signManifest(manifest(), key.privateKey, key.keyId);
    expect(signed.key_id).toBe(key.keyId);
    expect(verifyManifestSignature(signed, key.publicKey)).toBe(true);
    // Copying the signature onto another record, another signer, meaning or time fails.
    const transplants = [
      { record_id: 'B-2026-0008' },
      { record_hash: recordHash({ ...batch, status: 'released' }) },
      { signer_name: 'Someone Else' },
      { signer_email: 'other@example.org' },
      { meaning: 'rejected' as const },
      { reason: null },
      { signed_at: '2026-03-02T14:05:09.123Z' },
    ];
    for (const change of transplants)
      expect(verifyManifestSignature({ ...signed, ...change }, key.publicKey)).toBe(false);
    expect(verifyManifestSignature(signed, generateServerKeyPair().publicKey)).toBe(false);
  });
});

describe('segregation of duties', () => {
  const authors = ['sci@example.org'];
  it('forbids the author to review, approve, verify or reject their own record (any case)', () => {
    for (const meaning of SIGNATURE_MEANINGS.filter((m) => m !== 'authored')) {
      const r = checkSegregationOfDuties({ meaning, signerEmail: 'SCI@example.org', authorEmails: authors });
      expect(r).toMatchObject({ ok: false, code: 'self_review' });
    }
  });
  it('lets the author sign as author, and others sign as anything', () => {
    expect(
      checkSegregationOfDuties({
        meaning: 'authored',
        signerEmail: 'sci@example.org',
        authorEmails: authors,
      }),
    ).toEqual({
      ok: true,
    });
    expect(
      checkSegregationOfDuties({ meaning: 'approved', signerEmail: 'qa@example.org', authorEmails: authors }),
    ).toEqual({
      ok: true,
    });
  });
});
