import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { canonicalJson } from '../audit/canonical-hash.ts';

/**
 * The server's Ed25519 key. It signs audit checkpoints and e-signature manifests, so both can be checked
 * offline with the public key alone. Each use signs a different `purpose`, so a signature made for one
 * kind of document can never be replayed as the other.
 */
export type SigningPurpose =
  | 'polymorph.audit-checkpoint.v1'
  | 'polymorph.esignature-manifest.v1'
  | 'polymorph.signing-key-handover.v1';

export interface ServerKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** First 16 hex digits of SHA-256 over the SPKI DER public key; recorded beside each signature. */
  keyId: string;
}

export function generateServerKeyPair(): ServerKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** Loads a PKCS#8 PEM private key (as written by `exportServerKeyPair`) and checks it is Ed25519. */
export function loadServerKeyPair(privateKeyPem: string): ServerKeyPair {
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`server signing key must be Ed25519, got ${privateKey.asymmetricKeyType ?? 'unknown'}`);
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

export function loadPublicKey(publicKeyPem: string): KeyObject {
  const publicKey = createPublicKey(publicKeyPem);
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`public key must be Ed25519, got ${publicKey.asymmetricKeyType ?? 'unknown'}`);
  }
  return publicKey;
}

export function exportServerKeyPair(pair: ServerKeyPair): { privateKeyPem: string; publicKeyPem: string } {
  return {
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/** The public key as SPKI PEM, as stored in `signing_keys` and carried by exports and key hand-overs. */
export function publicKeyPemOf(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/**
 * `SHA256:` and the 64 hex digits of SHA-256 over the SPKI DER public key: what an inspector is given, out
 * of band, to verify an export offline. The key id is its first 16 digits, too short to be trusted alone.
 */
export function keyFingerprintOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('hex')}`;
}

/** The fingerprint in its normal form (lower-case hex), or null when `text` is not one. */
export function parseKeyFingerprint(text: string): string | null {
  const match = /^SHA256:([0-9a-fA-F]{64})$/.exec(text.trim());
  return match ? `SHA256:${match[1]!.toLowerCase()}` : null;
}

function signedBytes(purpose: SigningPurpose, payload: unknown): Buffer {
  return Buffer.from(canonicalJson({ purpose, payload }), 'utf8');
}

/** Ed25519 signature (base64url) over the canonical JSON of `{purpose, payload}`. */
export function signPayload(purpose: SigningPurpose, payload: unknown, privateKey: KeyObject): string {
  return sign(null, signedBytes(purpose, payload), privateKey).toString('base64url');
}

export function verifyPayload(
  purpose: SigningPurpose,
  payload: unknown,
  signature: string,
  publicKey: KeyObject,
): boolean {
  const bytes = Buffer.from(signature, 'base64url');
  if (bytes.length !== 64) return false;
  try {
    return verify(null, signedBytes(purpose, payload), publicKey, bytes);
  } catch {
    return false;
  }
}
