import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  exportServerKeyPair,
  generateServerKeyPair,
  keyFingerprintOf,
  keyIdOf,
  loadPublicKey,
  loadServerKeyPair,
  parseKeyFingerprint,
  publicKeyPemOf,
  signPayload,
  verifyPayload,
} from './server-key.ts';

describe('server Ed25519 key', () => {
  it('round-trips through PEM and keeps its key id', () => {
    const pair = generateServerKeyPair();
    const { privateKeyPem, publicKeyPem } = exportServerKeyPair(pair);
    expect(privateKeyPem).toContain('BEGIN PRIVATE KEY');
    expect(publicKeyPem).toContain('BEGIN PUBLIC KEY');
    const loaded = loadServerKeyPair(privateKeyPem);
    expect(loaded.keyId).toBe(pair.keyId);
    expect(keyIdOf(loadPublicKey(publicKeyPem))).toBe(pair.keyId);
    const signature = signPayload('polymorph.audit-checkpoint.v1', { seq: 1 }, loaded.privateKey);
    expect(
      verifyPayload('polymorph.audit-checkpoint.v1', { seq: 1 }, signature, loadPublicKey(publicKeyPem)),
    ).toBe(true);
  });

  it('signs canonical JSON, so key order does not matter but content does', () => {
    const { privateKey, publicKey } = generateServerKeyPair();
    const signature = signPayload('polymorph.esignature-manifest.v1', { a: 1, b: [1, 2] }, privateKey);
    expect(verifyPayload('polymorph.esignature-manifest.v1', { b: [1, 2], a: 1 }, signature, publicKey)).toBe(
      true,
    );
    expect(verifyPayload('polymorph.esignature-manifest.v1', { b: [2, 1], a: 1 }, signature, publicKey)).toBe(
      false,
    );
  });

  it('separates purposes: a checkpoint signature is not a manifest signature', () => {
    const { privateKey, publicKey } = generateServerKeyPair();
    const payload = { seq: 5, hash: 'a'.repeat(64), ts: 't' };
    const signature = signPayload('polymorph.audit-checkpoint.v1', payload, privateKey);
    expect(verifyPayload('polymorph.esignature-manifest.v1', payload, signature, publicKey)).toBe(false);
  });

  it('refuses keys that are not Ed25519 and garbage signatures', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() =>
      loadServerKeyPair(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    ).toThrow(/Ed25519/);
    expect(() => loadPublicKey(rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString())).toThrow(
      /Ed25519/,
    );
    const { publicKey } = generateServerKeyPair();
    expect(verifyPayload('polymorph.audit-checkpoint.v1', {}, '', publicKey)).toBe(false);
    expect(verifyPayload('polymorph.audit-checkpoint.v1', {}, 'x'.repeat(86), publicKey)).toBe(false);
  });

  it('a fingerprint is the full SHA-256 of the public key, the key id its first 16 digits', () => {
    const pair = generateServerKeyPair();
    const fingerprint = keyFingerprintOf(pair.publicKey);
    expect(fingerprint).toMatch(/^SHA256:[0-9a-f]{64}$/);
    expect(fingerprint.slice(7, 23)).toBe(pair.keyId);
    expect(keyFingerprintOf(loadPublicKey(publicKeyPemOf(pair.publicKey)))).toBe(fingerprint);
    expect(keyFingerprintOf(generateServerKeyPair().publicKey)).not.toBe(fingerprint);
    expect(parseKeyFingerprint(` ${fingerprint.toUpperCase()} `)).toBe(fingerprint);
    expect(parseKeyFingerprint(pair.keyId)).toBeNull();
    expect(parseKeyFingerprint(`SHA256:${pair.keyId}`)).toBeNull();
    expect(parseKeyFingerprint(`MD5:${'a'.repeat(64)}`)).toBeNull();
  });
});
