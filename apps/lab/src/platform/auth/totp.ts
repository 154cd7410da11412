import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

/**
 * RFC 6238 parameters. SHA1, 6 digits and 30 s are what every authenticator app supports; other values
 * are accepted by many apps only partially, so they exist here for the RFC test vectors.
 */
export interface TotpParams {
  algorithm: 'SHA1' | 'SHA256' | 'SHA512';
  digits: number;
  period: number;
}

export const DEFAULT_TOTP_PARAMS: Readonly<TotpParams> = Object.freeze({
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
});

/** Steps accepted on either side of the current one: ±1 tolerates 30 s of clock drift. */
export const DEFAULT_TOTP_WINDOW = 1;

/** 160-bit secret, the HMAC-SHA1 output size that RFC 4226 §4 recommends; returned as base32. */
export function generateTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secretBase32: string, params: Readonly<TotpParams>, label = '', issuer = ''): TOTP {
  return new TOTP({
    issuer,
    label,
    issuerInLabel: issuer !== '',
    secret: Secret.fromBase32(secretBase32),
    algorithm: params.algorithm,
    digits: params.digits,
    period: params.period,
  });
}

export interface TotpEnrollment {
  /** Base32 secret, to store (encrypted at rest is the deployment's choice) until MFA is confirmed. */
  secret: string;
  /** `otpauth://totp/...` URI that authenticator apps import. */
  uri: string;
  /** The URI as a QR code, `data:image/png;base64,...`, ready for an <img src>. */
  qrPngDataUrl: string;
}

export async function createTotpEnrollment(input: {
  issuer: string;
  accountName: string;
  secret?: string;
  params?: Readonly<TotpParams>;
}): Promise<TotpEnrollment> {
  const secret = input.secret ?? generateTotpSecret();
  const uri = totpFor(
    secret,
    input.params ?? DEFAULT_TOTP_PARAMS,
    input.accountName,
    input.issuer,
  ).toString();
  const qrPngDataUrl = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, scale: 6 });
  return { secret, uri, qrPngDataUrl };
}

/** The RFC 6238 time step (T) for a moment in time. */
export function totpStep(at: Date | number, period = DEFAULT_TOTP_PARAMS.period): number {
  const ms = typeof at === 'number' ? at : at.getTime();
  return Math.floor(ms / 1000 / period);
}

/** The code for a moment in time; the server needs it only in tests and tools. */
export function generateTotpCode(
  secretBase32: string,
  at: Date | number,
  params: Readonly<TotpParams> = DEFAULT_TOTP_PARAMS,
): string {
  const timestamp = typeof at === 'number' ? at : at.getTime();
  return totpFor(secretBase32, params).generate({ timestamp });
}

export type TotpVerification =
  | { ok: true; step: number }
  | { ok: false; reason: 'malformed' | 'invalid' | 'replayed' };

/**
 * Checks a code at `now` within ±`window` steps. `lastUsedStep` is the step of the last code this user had
 * accepted: a code whose step is not later is refused as a replay (RFC 6238 §5.2), so store the returned
 * `step` after every success.
 */
export function verifyTotp(input: {
  secret: string;
  code: string;
  now: Date | number;
  lastUsedStep?: number | null;
  window?: number;
  params?: Readonly<TotpParams>;
}): TotpVerification {
  const params = input.params ?? DEFAULT_TOTP_PARAMS;
  const code = input.code.replace(/\s+/g, '');
  if (!new RegExp(`^\\d{${params.digits}}$`).test(code)) return { ok: false, reason: 'malformed' };
  const timestamp = typeof input.now === 'number' ? input.now : input.now.getTime();
  const delta = totpFor(input.secret, params).validate({
    token: code,
    timestamp,
    window: input.window ?? DEFAULT_TOTP_WINDOW,
  });
  if (delta === null) return { ok: false, reason: 'invalid' };
  const step = totpStep(timestamp, params.period) + delta;
  if (input.lastUsedStep !== undefined && input.lastUsedStep !== null && step <= input.lastUsedStep) {
    return { ok: false, reason: 'replayed' };
  }
  return { ok: true, step };
}
