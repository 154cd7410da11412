import { createHash, randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_SECONDS = 12 * 60 * 60;
/** HS256 needs a key at least as long as its 256-bit output (RFC 7518 §3.2). */
export const MIN_TOKEN_KEY_BYTES = 32;

/** Values that appear in examples and .env templates; a server in production must not run with them. */
export const KNOWN_DEFAULT_TOKEN_SECRETS: readonly string[] = [
  'change-me',
  'changeme',
  'secret',
  'dev-secret',
  'development-secret-change-me',
  'polymorph-dev-secret-change-me-please-000000',
  'your-secret-key',
  'your-256-bit-secret',
];

export class TokenKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenKeyError';
  }
}

/**
 * Turns the configured secret into the HS256 key. In production a missing, known-default, short or
 * low-variety secret stops the server (throws). In development a missing secret gives a random key for
 * this process only (`ephemeral: true`): tokens then die with the process, which is fine for a laptop.
 */
export function resolveTokenSigningKey(input: {
  secret: string | undefined;
  production: boolean;
  knownDefaults?: readonly string[];
}): { key: Uint8Array; ephemeral: boolean } {
  const secret = input.secret?.trim() ?? '';
  if (secret === '') {
    if (input.production) {
      throw new TokenKeyError(
        `token signing key is missing: set it to at least ${MIN_TOKEN_KEY_BYTES} random bytes (for example: openssl rand -base64 48)`,
      );
    }
    return { key: new Uint8Array(randomBytes(MIN_TOKEN_KEY_BYTES)), ephemeral: true };
  }
  const defaults = [...KNOWN_DEFAULT_TOKEN_SECRETS, ...(input.knownDefaults ?? [])];
  if (input.production && defaults.some((d) => d.toLowerCase() === secret.toLowerCase())) {
    throw new TokenKeyError('token signing key is a published default value; generate a random one');
  }
  const key = new TextEncoder().encode(secret);
  if (key.length < MIN_TOKEN_KEY_BYTES) {
    throw new TokenKeyError(
      `token signing key is too short: ${key.length} bytes, at least ${MIN_TOKEN_KEY_BYTES} are required`,
    );
  }
  if (input.production && new Set(secret).size < 8) {
    throw new TokenKeyError('token signing key has fewer than 8 distinct characters; generate a random one');
  }
  return { key, ephemeral: false };
}

export interface AccessTokenConfig {
  key: Uint8Array;
  issuer: string;
  audience: string;
  ttlSeconds?: number;
}

export interface AccessTokenClaims {
  /** The user's email (the unique login). */
  email: string;
  roles: string[];
  sessionId: string;
}

export interface IssuedAccessToken {
  token: string;
  tokenId: string;
  expiresIn: number;
  expiresAt: Date;
}

/** `now` comes from the caller (the database clock in the server), so expiry is testable without sleeping. */
export async function signAccessToken(
  claims: AccessTokenClaims,
  config: AccessTokenConfig,
  now: Date,
): Promise<IssuedAccessToken> {
  const ttl = config.ttlSeconds ?? ACCESS_TOKEN_TTL_SECONDS;
  const iat = Math.floor(now.getTime() / 1000);
  const tokenId = randomUUID();
  const token = await new SignJWT({ roles: [...claims.roles], sid: claims.sessionId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.email)
    .setIssuer(config.issuer)
    .setAudience(config.audience)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + ttl)
    .setJti(tokenId)
    .sign(await hmacKey(config.key));
  return { token, tokenId, expiresIn: ttl, expiresAt: new Date((iat + ttl) * 1000) };
}

export type AccessTokenErrorKind =
  /** Past `exp`: the client should refresh. */
  | 'expired'
  /** Before `nbf`. */
  | 'not_yet_valid'
  /** Wrong key, tampered content, or an algorithm other than HS256 (including `none`). */
  | 'invalid_signature'
  /** Not a JWS compact token at all. */
  | 'malformed'
  /** Signed by us but with the wrong issuer or audience, or missing sub/roles/sid. */
  | 'invalid_claims';

/** The claims of a token that verified. */
export type VerifiedAccessClaims = AccessTokenClaims & { tokenId: string; expiresAt: Date };

export type AccessTokenVerification =
  | { ok: true; claims: VerifiedAccessClaims }
  | { ok: false; kind: AccessTokenErrorKind; detail: string };

// jose imports raw key bytes into WebCrypto on every call; import each key once instead.
const importedKeys = new WeakMap<Uint8Array, Promise<webcrypto.CryptoKey>>();
function hmacKey(raw: Uint8Array): Promise<webcrypto.CryptoKey> {
  let key = importedKeys.get(raw);
  if (!key) {
    key = webcrypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    importedKeys.set(raw, key);
  }
  return key;
}

/**
 * Tokens that verified, with their validity window, per key. WebCrypto's HMAC verify costs an async job
 * per call (~8% of the server's CPU under load); the same token string under the same key always verifies
 * the same way, so only the time window is checked again. Anything outside the window goes back through
 * jose, which gives the exact error. Bounded: the oldest entry makes room.
 */
const VERIFIED_TOKENS_MAX = 10_000;
type VerifiedToken = { claims: VerifiedAccessClaims; nbfMs: number };
const verifiedTokens = new WeakMap<Uint8Array, Map<string, VerifiedToken>>();

export async function verifyAccessToken(
  token: string,
  config: AccessTokenConfig,
  now: Date,
): Promise<AccessTokenVerification> {
  let cache = verifiedTokens.get(config.key);
  if (!cache) {
    cache = new Map();
    verifiedTokens.set(config.key, cache);
  }
  const nowMs = now.getTime();
  const hit = cache.get(token);
  // jose's rules: expired when exp <= now, not yet valid when nbf > now.
  if (hit && hit.nbfMs <= nowMs && nowMs < hit.claims.expiresAt.getTime())
    return { ok: true, claims: hit.claims };
  if (hit) cache.delete(token);
  const verification = await verifyWithJose(token, config, now);
  if (!verification.ok) return verification;
  if (cache.size >= VERIFIED_TOKENS_MAX) cache.delete(cache.keys().next().value!);
  cache.set(token, { claims: verification.claims, nbfMs: verification.nbfMs });
  return { ok: true, claims: verification.claims };
}

async function verifyWithJose(
  token: string,
  config: AccessTokenConfig,
  now: Date,
): Promise<
  | { ok: true; claims: VerifiedAccessClaims; nbfMs: number }
  | { ok: false; kind: AccessTokenErrorKind; detail: string }
> {
  try {
    const { payload } = await jwtVerify(token, await hmacKey(config.key), {
      algorithms: ['HS256'],
      issuer: config.issuer,
      audience: config.audience,
      currentDate: now,
      requiredClaims: ['sub', 'exp', 'iat', 'jti'],
    });
    const roles = payload['roles'];
    const sid = payload['sid'];
    if (
      typeof payload.sub !== 'string' ||
      typeof sid !== 'string' ||
      !Array.isArray(roles) ||
      !roles.every((r): r is string => typeof r === 'string') ||
      typeof payload.jti !== 'string' ||
      typeof payload.exp !== 'number'
    ) {
      return { ok: false, kind: 'invalid_claims', detail: 'sub, roles, sid and jti are required' };
    }
    return {
      ok: true,
      claims: {
        email: payload.sub,
        roles,
        sessionId: sid,
        tokenId: payload.jti,
        expiresAt: new Date(payload.exp * 1000),
      },
      nbfMs: typeof payload.nbf === 'number' ? payload.nbf * 1000 : Number.NEGATIVE_INFINITY,
    };
  } catch (error) {
    return { ok: false, ...classifyJoseError(error) };
  }
}

function classifyJoseError(error: unknown): { kind: AccessTokenErrorKind; detail: string } {
  if (error instanceof errors.JWTExpired) return { kind: 'expired', detail: error.message };
  if (error instanceof errors.JWTClaimValidationFailed) {
    return { kind: error.claim === 'nbf' ? 'not_yet_valid' : 'invalid_claims', detail: error.message };
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed) {
    return { kind: 'invalid_signature', detail: error.message };
  }
  if (error instanceof errors.JOSEError) return { kind: 'malformed', detail: error.message };
  return { kind: 'malformed', detail: error instanceof Error ? error.message : String(error) };
}

// ---------------------------------------------------------------------------------------------------------
// Refresh tokens: opaque, random, stored only as SHA-256, rotated on every use, grouped in a family so
// that the reuse of an already-rotated token (a sign that it was stolen) revokes every token of the login.

export interface IssuedRefreshToken {
  /** Give this to the client once; never store it. */
  token: string;
  /** Store this. */
  hash: string;
  familyId: string;
}

/** A login's absolute end: rotation never extends a session beyond it. */
export const REFRESH_FAMILY_MAX_AGE_SECONDS = REFRESH_TOKEN_TTL_SECONDS;

/** SHA-256 is enough for a 256-bit random token: there is nothing to guess, so no slow hash is needed. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * A new refresh token: without `familyId` it starts a new family (a login), with it it is the rotation
 * successor. Its end is not computed here: the database stores it from its own now() (the clock it is
 * compared with), as `REFRESH_TOKEN_TTL_SECONDS` from now, never beyond the family's end.
 */
export function newRefreshToken(familyId?: string): IssuedRefreshToken {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token), familyId: familyId ?? randomUUID() };
}

export interface StoredRefreshToken {
  hash: string;
  familyId: string;
  expiresAt: Date;
  /** Set when the token was rotated (exchanged for a successor). */
  usedAt: Date | null;
  /** Set when the token or its whole family was revoked (logout, password change, reuse). */
  revokedAt: Date | null;
}

export type RefreshDecision =
  | { action: 'rotate'; familyId: string }
  | { action: 'reject'; reason: 'unknown' | 'expired' | 'revoked' }
  | { action: 'revoke_family'; reason: 'reuse'; familyId: string };

/**
 * What to do with a presented refresh token, looked up by `hashRefreshToken`. The store must mark the
 * token used atomically (`UPDATE ... SET used_at = now() WHERE hash = $1 AND used_at IS NULL`), so two
 * concurrent uses cannot both rotate; the loser is then seen here as reuse.
 */
export function decideRefresh(stored: StoredRefreshToken | null | undefined, now: Date): RefreshDecision {
  if (!stored) return { action: 'reject', reason: 'unknown' };
  if (stored.revokedAt !== null) return { action: 'reject', reason: 'revoked' };
  if (stored.usedAt !== null) return { action: 'revoke_family', reason: 'reuse', familyId: stored.familyId };
  if (stored.expiresAt.getTime() <= now.getTime()) return { action: 'reject', reason: 'expired' };
  return { action: 'rotate', familyId: stored.familyId };
}
