import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  consumeRecoveryCode,
  generateRecoveryCodes,
  hashRecoveryCode,
  normalizeRecoveryCode,
  RECOVERY_CODE_COUNT,
} from './recovery-codes.ts';

describe('recovery codes', () => {
  it('generates 10 distinct, readable codes and stores only their SHA-256', () => {
    const { codes, hashes } = generateRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(hashes).toHaveLength(RECOVERY_CODE_COUNT);
    for (const [i, hash] of hashes.entries()) {
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(hash).toBe(createHash('sha256').update(codes[i]!.replace(/-/g, '')).digest('hex'));
      expect(hashes.join()).not.toContain(codes[i]);
    }
  });

  it('draws characters uniformly from the 32-letter alphabet (80 bits per code)', () => {
    const counts = new Map<string, number>();
    const { codes } = generateRecoveryCodes(2_000);
    for (const code of codes)
      for (const ch of code.replace(/-/g, '')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(32);
    // 32,000 characters, 1,000 expected per letter; ±20% is > 6 standard deviations.
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(800);
      expect(count).toBeLessThan(1200);
    }
  });

  it('is single use: a consumed code fails the second time and the others still work', () => {
    const { codes, hashes } = generateRecoveryCodes();
    const first = consumeRecoveryCode(codes[3]!, hashes);
    expect(first.ok).toBe(true);
    expect(first.remainingHashes).toHaveLength(9);
    expect(first.remainingHashes).not.toContain(hashes[3]);
    const again = consumeRecoveryCode(codes[3]!, first.remainingHashes);
    expect(again.ok).toBe(false);
    expect(again.remainingHashes).toEqual(first.remainingHashes);
    const other = consumeRecoveryCode(codes[7]!, again.remainingHashes);
    expect(other.ok).toBe(true);
    expect(other.remainingHashes).toHaveLength(8);
  });

  it('accepts what people type: lower case, spaces, no dashes, O for 0 and I/L for 1', () => {
    const code = 'AB10-CD0E-FG1H-JK0M';
    expect(normalizeRecoveryCode('ab1o cdOe fgLh jk0m')).toBe('AB10CD0EFG1HJK0M');
    expect(hashRecoveryCode('abio-cd0e-fglh-jk0m')).toBe(hashRecoveryCode(code));
    const hashes = [hashRecoveryCode(code)!];
    expect(consumeRecoveryCode(' ab10cd0efg1hjk0m ', hashes)).toEqual({ ok: true, remainingHashes: [] });
  });

  it('refuses wrong and malformed input without consuming anything', () => {
    const { hashes } = generateRecoveryCodes();
    for (const input of ['', 'AAAA-AAAA-AAAA-AAAA', 'AAAA-AAAA-AAAA', 'UUUU-UUUU-UUUU-UUUU', '123456']) {
      const result = consumeRecoveryCode(input, hashes);
      expect(result.ok).toBe(false);
      expect(result.remainingHashes).toEqual(hashes);
    }
  });
});
