// The browser's way to hold a session: the refresh token in an HttpOnly cookie no script can read, and a
// double-submit CSRF token (docs/api/auth-cookies.md). API clients keep the JSON body flow.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { REFRESH_TOKEN_TTL_SECONDS } from '../../platform/auth/tokens.ts';
import { catalogueProblem } from '../../platform/http/problem.ts';

export const REFRESH_COOKIE = 'polymorph_refresh';
export const CSRF_COOKIE = 'polymorph_csrf';
export const CSRF_HEADER = 'x-csrf-token';
/** Only the refresh route receives the token; logout clears it by the session its access token names. */
export const REFRESH_COOKIE_PATH = '/auth/refresh';

/** The cookies a request carries, by name (the first of a repeated name wins, as in browsers' order). */
export function readCookies(request: FastifyRequest): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at < 1) continue;
    const name = part.slice(0, at).trim();
    if (!cookies.has(name)) cookies.set(name, decodeURIComponent(part.slice(at + 1).trim()));
  }
  return cookies;
}

/**
 * Secure when the request came over TLS, to the lab or to a proxy in front that says so. The proxy's
 * X-Forwarded-Proto is believed only to add the flag, which can never weaken a cookie; on plain
 * http://localhost the flag is left off so the browser keeps the cookie.
 */
function isHttps(request: FastifyRequest): boolean {
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = Array.isArray(forwarded) ? forwarded[0] : forwarded;
  return request.protocol === 'https' || proto?.split(',')[0]?.trim() === 'https';
}

function cookie(name: string, value: string, attributes: string[], secure: boolean): string {
  return [`${name}=${value}`, ...attributes, 'SameSite=Strict', ...(secure ? ['Secure'] : [])].join('; ');
}

/** Sets the refresh cookie and a fresh CSRF token; both live as long as the refresh token. */
export function setSessionCookies(request: FastifyRequest, reply: FastifyReply, refreshToken: string) {
  const secure = isHttps(request);
  const maxAge = `Max-Age=${REFRESH_TOKEN_TTL_SECONDS}`;
  const csrf = randomBytes(32).toString('base64url');
  reply.header('set-cookie', [
    cookie(REFRESH_COOKIE, refreshToken, [`Path=${REFRESH_COOKIE_PATH}`, maxAge, 'HttpOnly'], secure),
    // Readable by the page (not HttpOnly): the page copies it into the header, which another site cannot.
    cookie(CSRF_COOKIE, csrf, ['Path=/', maxAge], secure),
  ]);
}

export function clearSessionCookies(request: FastifyRequest, reply: FastifyReply) {
  const secure = isHttps(request);
  reply.header('set-cookie', [
    cookie(REFRESH_COOKIE, '', [`Path=${REFRESH_COOKIE_PATH}`, 'Max-Age=0', 'HttpOnly'], secure),
    cookie(CSRF_COOKIE, '', ['Path=/', 'Max-Age=0'], secure),
  ]);
}

const sameSecret = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * The refresh token from the cookie, once the request proves it comes from the lab's own page: the
 * CSRF header must equal the CSRF cookie. Undefined when the browser holds no refresh cookie.
 */
export function refreshTokenFromCookie(request: FastifyRequest): string | undefined {
  const cookies = readCookies(request);
  const token = cookies.get(REFRESH_COOKIE);
  if (!token) return undefined;
  const expected = cookies.get(CSRF_COOKIE) ?? '';
  const header = request.headers[CSRF_HEADER];
  const sent = typeof header === 'string' ? header : '';
  if (!expected || !sameSecret(sent, expected)) {
    throw catalogueProblem(
      'forbidden',
      `The refresh cookie needs the ${CSRF_HEADER} header equal to the ${CSRF_COOKIE} cookie`,
    );
  }
  return token;
}
