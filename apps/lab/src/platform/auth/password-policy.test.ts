import { describe, expect, it } from 'vitest';
import { type Argon2Params, hashPassword } from './password-hashing.ts';
import {
  checkPasswordHistory,
  checkPasswordRules,
  commonPasswordCount,
  DEFAULT_PASSWORD_POLICY,
  isCommonPassword,
  isPasswordExpired,
  validateNewPassword,
} from './password-policy.ts';

const CHEAP: Argon2Params = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const email = 'jane.doe+lab@example.org';

function codes(violations: { code: string }[]): string[] {
  return violations.map((v) => v.code).sort();
}

describe('password rules', () => {
  it('accepts a long, uncommon password that does not contain the email', () => {
    expect(checkPasswordRules('violet-Anvil-42-orbit', { email })).toEqual([]);
  });

  it('refuses a password shorter than 12 characters, counting code points', () => {
    const v = checkPasswordRules('Tr0ub4dor&3', { email });
    expect(codes(v)).toEqual(['too_short']);
    expect(v[0]!.message).toContain('at least 12');
    // Twelve astral-plane characters are 24 UTF-16 units but 12 characters: accepted.
    expect(checkPasswordRules('🔒'.repeat(12), { email })).toEqual([]);
    expect(codes(checkPasswordRules('🔒'.repeat(11), { email }))).toEqual(['too_short']);
  });

  it('refuses an overlong password', () => {
    expect(codes(checkPasswordRules('x7!'.repeat(100), { email }))).toEqual(['too_long']);
  });

  it('refuses common passwords from the bundled list, case-insensitively', () => {
    expect(commonPasswordCount()).toBeGreaterThan(10_000);
    expect(isCommonPassword('password')).toBe(true);
    expect(isCommonPassword('qwertyuiop')).toBe(true);
    expect(codes(checkPasswordRules('1qaz2wsx3edc', { email }))).toEqual(['common_password']);
    expect(codes(checkPasswordRules('LeaveMeAlone', { email }))).toEqual(['common_password']);
    expect(isCommonPassword('violet-Anvil-42-orbit')).toBe(false);
  });

  it('reports every violation at once, with stable codes', () => {
    expect(codes(checkPasswordRules('password', { email }))).toEqual(['common_password', 'too_short']);
  });

  it('refuses a password containing the email local part, in any case, with or without the +tag', () => {
    expect(codes(checkPasswordRules('my-JANE.DOE-secret-99', { email }))).toEqual([
      'contains_email_local_part',
    ]);
    expect(codes(checkPasswordRules('xxJane.Doe+Lab-2026xx', { email }))).toEqual([
      'contains_email_local_part',
    ]);
    expect(checkPasswordRules('jane-doe-is-fine-here', { email })).toEqual([]);
  });

  it('does not apply the local-part rule to one- or two-letter local parts', () => {
    expect(checkPasswordRules('a-perfectly-fine-pass', { email: 'a@example.org' })).toEqual([]);
    expect(codes(checkPasswordRules('bob-is-the-builder-1', { email: 'bob@example.org' }))).toEqual([
      'contains_email_local_part',
    ]);
  });
});

describe('password history', () => {
  it('refuses any of the last 5 passwords and allows the 6th-oldest', async () => {
    const passwords = Array.from({ length: 6 }, (_, i) => `history-password-${i}-xyz`);
    // Newest first: index 0 is the current password.
    const hashes = await Promise.all(passwords.map((p) => hashPassword(p, CHEAP)));
    for (let i = 0; i < 5; i++) {
      expect(codes(await checkPasswordHistory(passwords[i]!, hashes))).toEqual(['reused_password']);
    }
    expect(await checkPasswordHistory(passwords[5]!, hashes)).toEqual([]);
    expect(await checkPasswordHistory('never-used-before-123', hashes)).toEqual([]);
  });

  it('validateNewPassword combines the rules and the history', async () => {
    const current = await hashPassword('current-Password-2026', CHEAP);
    const v = await validateNewPassword('current-Password-2026', {
      email,
      previousHashesNewestFirst: [current],
    });
    expect(codes(v)).toEqual(['reused_password']);
    const w = await validateNewPassword('Zq9!xw-k', { email, previousHashesNewestFirst: [current] });
    expect(codes(w)).toEqual(['too_short']);
    expect(
      await validateNewPassword('brand-new-Passphrase-7', { email, previousHashesNewestFirst: [current] }),
    ).toEqual([]);
  });
});

describe('password age', () => {
  const changed = new Date('2026-01-01T00:00:00Z');
  it('never expires when max age is disabled (the default)', () => {
    expect(isPasswordExpired(changed, new Date('2036-01-01T00:00:00Z'))).toBe(false);
  });
  it('expires after maxAgeDays', () => {
    const policy = { ...DEFAULT_PASSWORD_POLICY, maxAgeDays: 90 };
    expect(isPasswordExpired(changed, new Date('2026-03-31T00:00:00Z'), policy)).toBe(false);
    expect(isPasswordExpired(changed, new Date('2026-04-01T00:00:01Z'), policy)).toBe(true);
  });
});
