import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * Recovery codes: 10 single-use codes of 16 Crockford base32 characters (80 random bits), shown once as
 * `XXXX-XXXX-XXXX-XXXX`.
 *
 * Why SHA-256 and not argon2id: a password needs a slow hash because people choose guessable ones. These
 * codes are 80 uniformly random bits, so an offline attacker holding the hashes must try ~2^79 SHA-256
 * values per code, which no hardware can; a slow hash would add nothing but login latency (10 argon2
 * verifications per attempt). Comparison is constant-time and walks every stored hash.
 */
export const RECOVERY_CODE_COUNT = 10;
const GROUPS = 4;
const GROUP_LENGTH = 4;
const CODE_LENGTH = GROUPS * GROUP_LENGTH;

// Crockford base32: no I, L, O or U, so nothing reads as 1, 0 or another letter.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export interface RecoveryCodeSet {
  /** Show these to the user once; never store them. */
  codes: string[];
  /** Store these (SHA-256 hex of the normalised code). */
  hashes: string[];
}

export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): RecoveryCodeSet {
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    let raw = '';
    for (let j = 0; j < CODE_LENGTH; j++) raw += ALPHABET[randomInt(ALPHABET.length)];
    codes.push(raw.match(new RegExp(`.{${GROUP_LENGTH}}`, 'g'))!.join('-'));
  }
  return { codes, hashes: codes.map((code) => hashRecoveryCode(code)!) };
}

/**
 * Accepts what a person types: any case, with or without dashes or spaces, and I/L for 1, O for 0 (as
 * Crockford decoding does). Returns null when it cannot be a recovery code.
 */
export function normalizeRecoveryCode(input: string): string | null {
  const cleaned = input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  if (cleaned.length !== CODE_LENGTH) return null;
  for (const ch of cleaned) if (!ALPHABET.includes(ch)) return null;
  return cleaned;
}

export function hashRecoveryCode(input: string): string | null {
  const normalized = normalizeRecoveryCode(input);
  if (normalized === null) return null;
  return createHash('sha256').update(normalized).digest('hex');
}

export type RecoveryCodeResult =
  | { ok: true; remainingHashes: string[] }
  | { ok: false; remainingHashes: string[] };

/**
 * Checks a typed code against the stored hashes. On success the matching hash is removed: persist
 * `remainingHashes` in the same transaction that accepts the login, so the code cannot be used twice.
 */
export function consumeRecoveryCode(input: string, storedHashes: readonly string[]): RecoveryCodeResult {
  const candidate = hashRecoveryCode(input);
  if (candidate === null) return { ok: false, remainingHashes: [...storedHashes] };
  const candidateBytes = Buffer.from(candidate, 'hex');
  let matchIndex = -1;
  // No early exit: every stored hash is compared, so timing does not reveal which one matched.
  storedHashes.forEach((stored, index) => {
    const storedBytes = Buffer.from(stored, 'hex');
    if (storedBytes.length === candidateBytes.length && timingSafeEqual(storedBytes, candidateBytes)) {
      if (matchIndex === -1) matchIndex = index;
    }
  });
  if (matchIndex === -1) return { ok: false, remainingHashes: [...storedHashes] };
  return { ok: true, remainingHashes: storedHashes.filter((_, index) => index !== matchIndex) };
}
