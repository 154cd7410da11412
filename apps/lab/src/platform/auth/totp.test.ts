import { createHmac } from 'node:crypto';
import jsQR from 'jsqr';
import { Secret } from 'otpauth';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  createTotpEnrollment,
  DEFAULT_TOTP_PARAMS,
  generateTotpCode,
  generateTotpSecret,
  type TotpParams,
  totpStep,
  verifyTotp,
} from './totp.ts';

/** An independent RFC 6238 implementation on node:crypto, so the library is checked, not trusted. */
function referenceTotp(
  key: Buffer,
  unixSeconds: number,
  digits = 6,
  period = 30,
  algorithm = 'sha1',
): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / period)));
  const mac = createHmac(algorithm, key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return binary.toString().padStart(digits, '0');
}

function base32ToBuffer(base32: string): Buffer {
  return Buffer.from(Secret.fromBase32(base32).bytes);
}

// RFC 6238 Appendix B: seeds are ASCII; SHA256 and SHA512 seeds are the SHA1 seed repeated to 32 and 64 bytes.
const seeds = {
  SHA1: '12345678901234567890',
  SHA256: '12345678901234567890123456789012',
  SHA512: '1234567890123456789012345678901234567890123456789012345678901234',
} as const;
const vectors: [number, Record<keyof typeof seeds, string>][] = [
  [59, { SHA1: '94287082', SHA256: '46119246', SHA512: '90693936' }],
  [1111111109, { SHA1: '07081804', SHA256: '68084774', SHA512: '25091201' }],
  [1111111111, { SHA1: '14050471', SHA256: '67062674', SHA512: '99943326' }],
  [1234567890, { SHA1: '89005924', SHA256: '91819424', SHA512: '93441116' }],
  [2000000000, { SHA1: '69279037', SHA256: '90698825', SHA512: '38618901' }],
  [20000000000, { SHA1: '65353130', SHA256: '77737706', SHA512: '47863826' }],
];

describe('TOTP (RFC 6238)', () => {
  for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
    it(`reproduces the RFC 6238 Appendix B vectors for ${algorithm}`, () => {
      const secret = Secret.fromLatin1(seeds[algorithm]).base32;
      const params: TotpParams = { algorithm, digits: 8, period: 30 };
      for (const [seconds, expected] of vectors) {
        expect(generateTotpCode(secret, seconds * 1000, params)).toBe(expected[algorithm]);
        expect(referenceTotp(Buffer.from(seeds[algorithm]), seconds, 8, 30, algorithm.toLowerCase())).toBe(
          expected[algorithm],
        );
        expect(verifyTotp({ secret, code: expected[algorithm], now: seconds * 1000, params }).ok).toBe(true);
      }
    });
  }

  it('generates 160-bit base32 secrets, different each time', () => {
    const a = generateTotpSecret();
    expect(base32ToBuffer(a)).toHaveLength(20);
    expect(a).not.toBe(generateTotpSecret());
  });

  it('accepts a code from an independent implementation within ±1 step and refuses one step beyond', () => {
    const secret = generateTotpSecret();
    const key = base32ToBuffer(secret);
    const now = Date.UTC(2026, 0, 15, 10, 0, 15);
    const nowSeconds = now / 1000;
    for (const offset of [-1, 0, 1]) {
      const code = referenceTotp(key, nowSeconds + offset * 30);
      const result = verifyTotp({ secret, code, now });
      expect(result).toEqual({ ok: true, step: totpStep(now) + offset });
    }
    for (const offset of [-2, 2]) {
      const code = referenceTotp(key, nowSeconds + offset * 30);
      expect(verifyTotp({ secret, code, now })).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('refuses a replayed code and any code from an earlier or the same step', () => {
    const secret = generateTotpSecret();
    const now = Date.UTC(2026, 0, 15, 10, 0, 0);
    const code = generateTotpCode(secret, now);
    const first = verifyTotp({ secret, code, now, lastUsedStep: null });
    expect(first.ok).toBe(true);
    const step = first.ok ? first.step : -1;
    expect(verifyTotp({ secret, code, now: now + 5_000, lastUsedStep: step })).toEqual({
      ok: false,
      reason: 'replayed',
    });
    // The previous step's code is still inside the window, but older than the last accepted one.
    const older = generateTotpCode(secret, now - 30_000);
    expect(verifyTotp({ secret, code: older, now, lastUsedStep: step })).toEqual({
      ok: false,
      reason: 'replayed',
    });
    // The next step's code is fine.
    const next = generateTotpCode(secret, now + 30_000);
    expect(verifyTotp({ secret, code: next, now: now + 30_000, lastUsedStep: step })).toEqual({
      ok: true,
      step: step + 1,
    });
  });

  it('refuses malformed codes without computing anything', () => {
    const secret = generateTotpSecret();
    for (const code of ['', '12345', '1234567', 'abcdef', '12 34 5x']) {
      expect(verifyTotp({ secret, code, now: 0 })).toEqual({ ok: false, reason: 'malformed' });
    }
    // Spaces that apps insert for readability are tolerated.
    const now = Date.UTC(2026, 0, 1);
    const code = generateTotpCode(secret, now);
    expect(verifyTotp({ secret, code: `${code.slice(0, 3)} ${code.slice(3)}`, now }).ok).toBe(true);
  });

  it('enrolment returns an otpauth URI and a QR code that decodes back to it', async () => {
    const enrollment = await createTotpEnrollment({
      issuer: 'POLYMORPH-LITE',
      accountName: 'jane@example.org',
    });
    const uri = new URL(enrollment.uri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/POLYMORPH-LITE:jane@example.org');
    expect(uri.searchParams.get('secret')).toBe(enrollment.secret);
    expect(uri.searchParams.get('issuer')).toBe('POLYMORPH-LITE');
    expect(uri.searchParams.get('algorithm')).toBe(DEFAULT_TOTP_PARAMS.algorithm);
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');

    const prefix = 'data:image/png;base64,';
    expect(enrollment.qrPngDataUrl.startsWith(prefix)).toBe(true);
    const png = PNG.sync.read(Buffer.from(enrollment.qrPngDataUrl.slice(prefix.length), 'base64'));
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(decoded?.data).toBe(enrollment.uri);
  });
});
