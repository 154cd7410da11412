import { dictionary } from '@zxcvbn-ts/language-common';
import { normalizePassword, verifyPassword } from './password-hashing.ts';

export type PasswordViolationCode =
  | 'too_short'
  | 'too_long'
  | 'common_password'
  | 'contains_email_local_part'
  | 'reused_password';

export interface PasswordViolation {
  /** Stable machine-readable code; clients and tests match on this, never on the message. */
  code: PasswordViolationCode;
  message: string;
}

export interface PasswordPolicy {
  minLength: number;
  /** argon2 pre-hashes any length, but an upper bound keeps a login request from buying unbounded CPU. */
  maxLength: number;
  /** How many previous passwords (the current one included) may not be reused. */
  historyDepth: number;
  /** Days after which a password must be changed; null disables expiry. */
  maxAgeDays: number | null;
  /** Email local parts shorter than this are not checked: a one-letter local part would ban most passwords. */
  minLocalPartLengthToCheck: number;
}

export const DEFAULT_PASSWORD_POLICY: Readonly<PasswordPolicy> = Object.freeze({
  minLength: 12,
  maxLength: 256,
  historyDepth: 5,
  maxAgeDays: null,
  minLocalPartLengthToCheck: 3,
});

/**
 * The common-password list of zxcvbn-ts (`@zxcvbn-ts/language-common`, about 49,000 entries drawn from
 * leaked-password corpora), matched case-insensitively. Built once, on first use.
 */
let commonPasswords: Set<string> | undefined;

function commonPasswordSet(): Set<string> {
  if (!commonPasswords) {
    commonPasswords = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  }
  return commonPasswords;
}

export function commonPasswordCount(): number {
  return commonPasswordSet().size;
}

export function isCommonPassword(password: string): boolean {
  return commonPasswordSet().has(normalizePassword(password).toLowerCase());
}

function codePointLength(s: string): number {
  return [...s].length;
}

/** The parts of an email's local part that a password must not contain: `jane.doe+lab` gives both forms. */
function localPartCandidates(email: string, minLength: number): string[] {
  const at = email.lastIndexOf('@');
  const local = (at >= 0 ? email.slice(0, at) : email).normalize('NFKC').toLowerCase();
  const withoutTag = local.split('+')[0] ?? local;
  return [...new Set([local, withoutTag])].filter((part) => codePointLength(part) >= minLength);
}

/**
 * The rules that need no stored state: length, common list, email local part. Synchronous and cheap, so a
 * route can run it before spending argon2 time on the history check.
 */
export function checkPasswordRules(
  password: string,
  context: { email: string },
  policy: Readonly<PasswordPolicy> = DEFAULT_PASSWORD_POLICY,
): PasswordViolation[] {
  const violations: PasswordViolation[] = [];
  const normalized = normalizePassword(password);
  const length = codePointLength(normalized);
  if (length < policy.minLength) {
    violations.push({
      code: 'too_short',
      message: `The password must be at least ${policy.minLength} characters long (it has ${length}).`,
    });
  }
  if (length > policy.maxLength) {
    violations.push({
      code: 'too_long',
      message: `The password must be at most ${policy.maxLength} characters long.`,
    });
  }
  if (isCommonPassword(normalized)) {
    violations.push({
      code: 'common_password',
      message: 'The password is on the list of commonly used passwords; choose another.',
    });
  }
  const lowered = normalized.toLowerCase();
  if (localPartCandidates(context.email, policy.minLocalPartLengthToCheck).some((p) => lowered.includes(p))) {
    violations.push({
      code: 'contains_email_local_part',
      message: 'The password must not contain the part of your email address before the @.',
    });
  }
  return violations;
}

/**
 * Compares the candidate with the most recent `policy.historyDepth` hashes, newest first (pass the current
 * hash first). Each comparison is a full argon2 verification, so this is the slow part of the policy.
 */
export async function checkPasswordHistory(
  password: string,
  previousHashesNewestFirst: readonly string[],
  policy: Readonly<PasswordPolicy> = DEFAULT_PASSWORD_POLICY,
): Promise<PasswordViolation[]> {
  const recent = previousHashesNewestFirst.slice(0, policy.historyDepth);
  for (const hash of recent) {
    if (await verifyPassword(hash, password)) {
      return [
        {
          code: 'reused_password',
          message: `The password must differ from your last ${policy.historyDepth} passwords.`,
        },
      ];
    }
  }
  return [];
}

/** All rules; an empty list means the password is acceptable. */
export async function validateNewPassword(
  password: string,
  context: { email: string; previousHashesNewestFirst: readonly string[] },
  policy: Readonly<PasswordPolicy> = DEFAULT_PASSWORD_POLICY,
): Promise<PasswordViolation[]> {
  const violations = checkPasswordRules(password, context, policy);
  // Skip the argon2 work for inputs that are already refused for their size.
  if (violations.some((v) => v.code === 'too_long')) return violations;
  return [
    ...violations,
    ...(await checkPasswordHistory(password, context.previousHashesNewestFirst, policy)),
  ];
}

/** True when the password was set more than `maxAgeDays` ago; always false when expiry is disabled. */
export function isPasswordExpired(
  passwordChangedAt: Date,
  now: Date,
  policy: Readonly<PasswordPolicy> = DEFAULT_PASSWORD_POLICY,
): boolean {
  if (policy.maxAgeDays === null) return false;
  return now.getTime() - passwordChangedAt.getTime() > policy.maxAgeDays * 86_400_000;
}
