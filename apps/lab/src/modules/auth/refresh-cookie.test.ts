// The browser session: refresh token in an HttpOnly SameSite=Strict cookie scoped to /auth/refresh, a
// double-submit CSRF token, rotation through the cookie, logout clearing both; the JSON flow unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';

let lab: TestLab;
beforeAll(async () => {
  lab = await testLab();
});
afterAll(async () => lab.close());

type Injected = Awaited<ReturnType<TestLab['app']['inject']>>;

function setCookies(res: Injected): string[] {
  const header = res.headers['set-cookie'];
  return Array.isArray(header) ? header : header ? [header] : [];
}

/** name -> { value, attributes (lower-cased) } from a response's Set-Cookie headers. */
function cookiesOf(res: Injected) {
  const cookies = new Map<string, { value: string; attributes: string[] }>();
  for (const line of setCookies(res)) {
    const [pair = '', ...attributes] = line.split(';').map((p) => p.trim());
    const at = pair.indexOf('=');
    cookies.set(pair.slice(0, at), {
      value: pair.slice(at + 1),
      attributes: attributes.map((a) => a.toLowerCase()),
    });
  }
  return cookies;
}

async function browserLogin(headers: Record<string, string> = {}) {
  const u = await userWithRole(lab, 'scientist');
  const res = await lab.app.inject({
    method: 'POST',
    url: '/auth/login',
    headers,
    payload: { email: u.email, password: u.password, refresh_cookie: true },
  });
  expect(res.statusCode).toBe(200);
  const cookies = cookiesOf(res);
  return { u, res, refresh: cookies.get('polymorph_refresh')!, csrf: cookies.get('polymorph_csrf')! };
}

const refreshWith = (cookie: string, csrfHeader?: string) =>
  lab.app.inject({
    method: 'POST',
    url: '/auth/refresh',
    headers: { cookie, ...(csrfHeader === undefined ? {} : { 'x-csrf-token': csrfHeader }) },
    payload: {},
  });

describe('refresh cookie', () => {
  it('a browser login sets an HttpOnly, SameSite=Strict refresh cookie on /auth/refresh and keeps the token out of the body', async () => {
    const { res, refresh, csrf } = await browserLogin();
    const body = res.json();
    expect(body.refresh_token).toBeUndefined();
    expect(body.access_token.split('.')).toHaveLength(3);
    expect(body.idle_timeout_seconds).toBe(30 * 60);
    expect(refresh.value.length).toBeGreaterThan(20);
    expect(refresh.attributes).toEqual(
      expect.arrayContaining(['path=/auth/refresh', 'httponly', 'samesite=strict', 'max-age=43200']),
    );
    // Plain http (a lab on localhost): no Secure flag, or the browser would drop the cookie.
    expect(refresh.attributes).not.toContain('secure');
    // The CSRF cookie is for the page's script to read: not HttpOnly, every path.
    expect(csrf.attributes).toEqual(expect.arrayContaining(['path=/', 'samesite=strict']));
    expect(csrf.attributes).not.toContain('httponly');
  });

  it('is Secure when the request came over https through a proxy', async () => {
    const { refresh, csrf } = await browserLogin({ 'x-forwarded-proto': 'https' });
    expect(refresh.attributes).toContain('secure');
    expect(csrf.attributes).toContain('secure');
  });

  it('refreshes from the cookie with the matching CSRF header, rotating both; the old cookie is then refused', async () => {
    const { refresh, csrf } = await browserLogin();
    const jar = `polymorph_refresh=${refresh.value}; polymorph_csrf=${csrf.value}`;
    const first = await refreshWith(jar, csrf.value);
    expect(first.statusCode).toBe(200);
    expect(first.json().refresh_token).toBeUndefined();
    const rotated = cookiesOf(first);
    expect(rotated.get('polymorph_refresh')!.value).not.toBe(refresh.value);
    expect(rotated.get('polymorph_csrf')!.value).not.toBe(csrf.value);
    const me = await lab.app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { authorization: `Bearer ${first.json().access_token}` },
    });
    expect(me.statusCode).toBe(200);
    // Reuse of a rotated token revokes the session, and the refused cookie is cleared.
    const reuse = await refreshWith(jar, csrf.value);
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json().type).toMatch(/invalid-refresh-token$/);
    expect(cookiesOf(reuse).get('polymorph_refresh')?.attributes).toContain('max-age=0');
  });

  it('refuses the cookie without the CSRF header, with a wrong one, or without the CSRF cookie', async () => {
    const { refresh, csrf } = await browserLogin();
    const jar = `polymorph_refresh=${refresh.value}; polymorph_csrf=${csrf.value}`;
    for (const [cookie, header] of [
      [jar, undefined],
      [jar, 'x'.repeat(csrf.value.length)],
      [`polymorph_refresh=${refresh.value}`, csrf.value],
    ] as const) {
      const res = await refreshWith(cookie, header);
      expect(res.statusCode).toBe(403);
      expect(res.json().detail).toMatch(/x-csrf-token/);
    }
    // The token was not spent by the refused attempts.
    expect((await refreshWith(jar, csrf.value)).statusCode).toBe(200);
  });

  it('without a body token or a cookie, refresh answers invalid-refresh-token', async () => {
    const res = await lab.app.inject({ method: 'POST', url: '/auth/refresh', payload: {} });
    expect(res.statusCode).toBe(401);
    expect(res.json().type).toMatch(/invalid-refresh-token$/);
  });

  it('logout ends the session and clears both cookies', async () => {
    const { res, refresh, csrf } = await browserLogin();
    const out = await lab.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { authorization: `Bearer ${res.json().access_token}` },
    });
    expect(out.statusCode).toBe(204);
    const cleared = cookiesOf(out);
    expect(cleared.get('polymorph_refresh')).toEqual({
      value: '',
      attributes: expect.arrayContaining(['path=/auth/refresh', 'max-age=0']),
    });
    expect(cleared.get('polymorph_csrf')?.attributes).toContain('max-age=0');
    const jar = `polymorph_refresh=${refresh.value}; polymorph_csrf=${csrf.value}`;
    expect((await refreshWith(jar, csrf.value)).statusCode).toBe(401);
  });

  it('the JSON flow is unchanged: no cookie set, the token in the body', async () => {
    const u = await userWithRole(lab, 'scientist');
    const res = await lab.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refresh_token: u.refresh },
    });
    expect(res.statusCode).toBe(200);
    expect(typeof res.json().refresh_token).toBe('string');
    expect(setCookies(res)).toEqual([]);
  });
});
