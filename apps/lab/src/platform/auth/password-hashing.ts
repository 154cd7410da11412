import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';

export interface Argon2Params {
  /** Memory in KiB. */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/**
 * OWASP Password Storage Cheat Sheet, "Argon2id": use a minimum configuration of 19 MiB of memory,
 * an iteration count of 2 and 1 degree of parallelism (m=19456 KiB, t=2, p=1).
 * https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html
 */
export const OWASP_ARGON2ID_PARAMS: Readonly<Argon2Params> = Object.freeze({
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

/**
 * NIST SP 800-63B asks verifiers to normalise Unicode passwords (NFKC or NFKD) before hashing, so that
 * the same password typed on two keyboards gives the same hash.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

export class PasswordHashFormatError extends Error {
  constructor(detail: string) {
    super(`stored password hash is not a valid argon2id hash: ${detail}`);
    this.name = 'PasswordHashFormatError';
  }
}

export async function hashPassword(
  password: string,
  params: Readonly<Argon2Params> = OWASP_ARGON2ID_PARAMS,
): Promise<string> {
  return argon2.hash(normalizePassword(password), {
    type: argon2.argon2id,
    memoryCost: params.memoryCost,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  });
}

/**
 * True when `password` matches `hash`. A malformed stored hash is a data-integrity problem, not a wrong
 * password, so it throws PasswordHashFormatError instead of returning false.
 */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  if (!hash.startsWith('$argon2id$')) throw new PasswordHashFormatError('expected the $argon2id$ prefix');
  try {
    return await argon2.verify(hash, normalizePassword(password));
  } catch (error) {
    throw new PasswordHashFormatError(error instanceof Error ? error.message : String(error));
  }
}

/** True when the hash was made with another algorithm or other parameters than `params`. */
export function needsRehash(hash: string, params: Readonly<Argon2Params> = OWASP_ARGON2ID_PARAMS): boolean {
  if (!hash.startsWith('$argon2id$')) return true;
  try {
    return argon2.needsRehash(hash, {
      memoryCost: params.memoryCost,
      timeCost: params.timeCost,
      parallelism: params.parallelism,
    });
  } catch {
    return true;
  }
}

const dummyHashes = new Map<string, Promise<string>>();

function dummyHashFor(params: Readonly<Argon2Params>): Promise<string> {
  const key = `${params.memoryCost}:${params.timeCost}:${params.parallelism}`;
  let hash = dummyHashes.get(key);
  if (!hash) {
    hash = hashPassword(randomBytes(32).toString('base64url'), params);
    dummyHashes.set(key, hash);
  }
  return hash;
}

/**
 * Spend the cost of one real verification, then fail. A login for an unknown email calls this, so that it
 * takes about as long as a login with a wrong password and the response time does not reveal whether the
 * email exists. Call `prepareDummyHash()` at start-up so the first unknown-email login is not slower.
 */
export async function verifyAgainstDummy(
  password: string,
  params: Readonly<Argon2Params> = OWASP_ARGON2ID_PARAMS,
): Promise<false> {
  const hash = await dummyHashFor(params);
  await argon2.verify(hash, normalizePassword(password));
  return false;
}

export async function prepareDummyHash(
  params: Readonly<Argon2Params> = OWASP_ARGON2ID_PARAMS,
): Promise<void> {
  await dummyHashFor(params);
}
