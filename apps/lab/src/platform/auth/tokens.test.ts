import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  type AccessTokenConfig,
  decideRefresh,
  hashRefreshToken,
  newRefreshToken,
  REFRESH_TOKEN_TTL_SECONDS,
  resolveTokenSigningKey,
  type StoredRefreshToken,
  signAccessToken,
  TokenKeyError,
  verifyAccessToken,
} from './tokens.ts';

const config: AccessTokenConfig = {
  key: new Uint8Array(randomBytes(32)),
  issuer: 'polymorph-lite',
  audience: 'polymorph-lite-api',
};
const claims = { email: 'jane@example.org', roles: ['scientist'], sessionId: 'session-1' };
const t0 = new Date('2026-03-01T08:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

describe('access tokens (JWT, HS256)', () => {
  it('round-trips email, roles and session id and expires after 15 minutes', async () => {
    const issued = await signAccessToken(claims, config, t0);
    expect(issued.expiresIn).toBe(ACCESS_TOKEN_TTL_SECONDS);
    expect(issued.expiresAt.toISOString()).toBe('2026-03-01T08:15:00.000Z');
    const ok = await verifyAccessToken(issued.token, config, at(ACCESS_TOKEN_TTL_SECONDS - 1));
    expect(ok).toEqual({
      ok: true,
      claims: { ...claims, tokenId: issued.tokenId, expiresAt: issued.expiresAt },
    });
    const late = await verifyAccessToken(issued.token, config, at(ACCESS_TOKEN_TTL_SECONDS));
    expect(late.ok === false && late.kind).toBe('expired');
  });

  it('is not valid before it was issued', async () => {
    const issued = await signAccessToken(claims, config, t0);
    const early = await verifyAccessToken(issued.token, config, at(-60));
    expect(early.ok === false && early.kind).toBe('not_yet_valid');
  });

  it('refuses another key, tampered content and the none algorithm as invalid_signature', async () => {
    const issued = await signAccessToken(claims, config, t0);
    const otherKey = { ...config, key: new Uint8Array(randomBytes(32)) };
    const wrongKey = await verifyAccessToken(issued.token, otherKey, t0);
    expect(wrongKey.ok === false && wrongKey.kind).toBe('invalid_signature');

    const [header, payload, signature] = issued.token.split('.');
    const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    forged.roles = ['admin'];
    const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
    const tamperedResult = await verifyAccessToken(tampered, config, t0);
    expect(tamperedResult.ok === false && tamperedResult.kind).toBe('invalid_signature');

    const unsigned = new UnsecuredJWT({ roles: ['admin'], sid: 's' })
      .setSubject('eve@example.org')
      .setIssuer(config.issuer)
      .setAudience(config.audience)
      .setIssuedAt(t0)
      .setExpirationTime(at(600))
      .setJti('x')
      .encode();
    const none = await verifyAccessToken(unsigned, config, t0);
    expect(none.ok === false && none.kind).toBe('invalid_signature');
  });

  it('a token verified once is still checked for its time window and its key on every later call', async () => {
    const issued = await signAccessToken(claims, config, t0);
    expect((await verifyAccessToken(issued.token, config, at(60))).ok).toBe(true);
    expect((await verifyAccessToken(issued.token, config, at(61))).ok).toBe(true);
    const early = await verifyAccessToken(issued.token, config, at(-1));
    expect(early.ok === false && early.kind).toBe('not_yet_valid');
    const otherKey = { ...config, key: new Uint8Array(randomBytes(32)) };
    const forged = await verifyAccessToken(issued.token, otherKey, at(60));
    expect(forged.ok === false && forged.kind).toBe('invalid_signature');
    const late = await verifyAccessToken(issued.token, config, at(ACCESS_TOKEN_TTL_SECONDS));
    expect(late.ok === false && late.kind).toBe('expired');
    expect((await verifyAccessToken(issued.token, config, at(62))).ok).toBe(true);
  });

  it('refuses the wrong issuer or audience, and tokens missing our claims', async () => {
    const otherAudience = await signAccessToken(claims, { ...config, audience: 'someone-else' }, t0);
    const a = await verifyAccessToken(otherAudience.token, config, t0);
    expect(a.ok === false && a.kind).toBe('invalid_claims');
    const otherIssuer = await signAccessToken(claims, { ...config, issuer: 'someone-else' }, t0);
    const b = await verifyAccessToken(otherIssuer.token, config, t0);
    expect(b.ok === false && b.kind).toBe('invalid_claims');
    const noRoles = await new SignJWT({ sid: 's' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('jane@example.org')
      .setIssuer(config.issuer)
      .setAudience(config.audience)
      .setIssuedAt(t0)
      .setExpirationTime(at(600))
      .setJti('x')
      .sign(config.key);
    const c = await verifyAccessToken(noRoles, config, t0);
    expect(c.ok === false && c.kind).toBe('invalid_claims');
  });

  it('reports garbage as malformed', async () => {
    for (const token of ['', 'abc', 'a.b.c', 'not a token at all']) {
      const r = await verifyAccessToken(token, config, t0);
      expect(r.ok === false && r.kind).toBe('malformed');
    }
  });
});

describe('token signing key from configuration', () => {
  const strong = randomBytes(48).toString('base64');

  it('refuses a missing key in production, and makes an ephemeral one in development', () => {
    expect(() => resolveTokenSigningKey({ secret: undefined, production: true })).toThrow(TokenKeyError);
    expect(() => resolveTokenSigningKey({ secret: '   ', production: true })).toThrow(/missing/);
    const dev = resolveTokenSigningKey({ secret: undefined, production: false });
    expect(dev.ephemeral).toBe(true);
    expect(dev.key).toHaveLength(32);
  });

  it('refuses published defaults in production (but allows them in development)', () => {
    const def = 'polymorph-dev-secret-change-me-please-000000';
    expect(() => resolveTokenSigningKey({ secret: def, production: true })).toThrow(/default/);
    expect(resolveTokenSigningKey({ secret: def, production: false }).ephemeral).toBe(false);
    const custom = 'x'.repeat(10) + 'this-is-our-template-value';
    expect(() =>
      resolveTokenSigningKey({ secret: custom, production: true, knownDefaults: [custom] }),
    ).toThrow(/default/);
  });

  it('refuses keys under 32 bytes anywhere and low-variety keys in production', () => {
    expect(() => resolveTokenSigningKey({ secret: 'short-secret', production: false })).toThrow(/too short/);
    expect(() => resolveTokenSigningKey({ secret: 'a'.repeat(64), production: true })).toThrow(/distinct/);
    const ok = resolveTokenSigningKey({ secret: strong, production: true });
    expect(ok.ephemeral).toBe(false);
    expect(Buffer.from(ok.key).toString()).toBe(strong);
  });
});

describe('refresh tokens', () => {
  it('are 32 random bytes in base64url, stored only as SHA-256 hex', () => {
    const issued = newRefreshToken();
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(issued.token, 'base64url')).toHaveLength(32);
    expect(issued.hash).toBe(createHash('sha256').update(issued.token).digest('hex'));
    expect(hashRefreshToken(issued.token)).toBe(issued.hash);
    expect(issued.hash).not.toContain(issued.token);
    expect(newRefreshToken().token).not.toBe(issued.token);
    expect(newRefreshToken(issued.familyId).familyId).toBe(issued.familyId);
  });

  it('rotation: a fresh token rotates; reusing a rotated token revokes the family; the successor then fails', () => {
    // A minimal in-memory table, enough to play the protocol through decideRefresh.
    const table = new Map<string, StoredRefreshToken>();
    // Ends as the database stores them (tested against it in modules/auth and token-clock.test.ts).
    const store = (t: { hash: string; familyId: string }) =>
      table.set(t.hash, { ...t, expiresAt: at(12 * 3600), usedAt: null, revokedAt: null });
    const refresh = (token: string, now: Date) => {
      const stored = table.get(hashRefreshToken(token));
      const decision = decideRefresh(stored, now);
      if (decision.action === 'rotate') {
        stored!.usedAt = now;
        const next = newRefreshToken(decision.familyId);
        store(next);
        return { decision, next };
      }
      if (decision.action === 'revoke_family') {
        for (const row of table.values()) if (row.familyId === decision.familyId) row.revokedAt ??= now;
      }
      return { decision, next: undefined };
    };

    const login = newRefreshToken();
    store(login);
    const r1 = refresh(login.token, at(60));
    expect(r1.decision).toEqual({ action: 'rotate', familyId: login.familyId });
    const r2 = refresh(r1.next!.token, at(120));
    expect(r2.decision.action).toBe('rotate');
    // The stolen first token is replayed: the whole family goes.
    const reuse = refresh(login.token, at(180));
    expect(reuse.decision).toEqual({ action: 'revoke_family', reason: 'reuse', familyId: login.familyId });
    expect(refresh(r2.next!.token, at(240)).decision).toEqual({ action: 'reject', reason: 'revoked' });
  });

  it('rejects unknown and expired tokens', () => {
    expect(decideRefresh(undefined, t0)).toEqual({ action: 'reject', reason: 'unknown' });
    const issued = newRefreshToken();
    const row: StoredRefreshToken = {
      ...issued,
      expiresAt: at(REFRESH_TOKEN_TTL_SECONDS),
      usedAt: null,
      revokedAt: null,
    };
    expect(decideRefresh(row, at(REFRESH_TOKEN_TTL_SECONDS - 1)).action).toBe('rotate');
    expect(decideRefresh(row, at(REFRESH_TOKEN_TTL_SECONDS))).toEqual({
      action: 'reject',
      reason: 'expired',
    });
  });
});
