// Part 11 account controls through HTTP: login throttles, the lockout and its expiry, password expiry
// and the idle timeout. Time is never waited for. The throttle runs on the process clock, moved with a
// fake Date (timers stay real). Lockouts, password age, idle timeout and token ends are judged by the
// database's now(), which a test cannot move on PostgreSQL: time passes for them by moving every stored
// time they are compared with back by the same amount.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';

const MINUTE = 60_000;
const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

let lab: TestLab;
beforeAll(async () => {
  lab = await testLab();
});
afterAll(async () => lab.close());

/** `ms` pass on the database's clock for every stored time that account controls compare with now(). */
async function elapse(target: TestLab, ms: number): Promise<void> {
  const by = `interval '${Math.round(ms)} milliseconds'`;
  await target.superuser.withSession(async (s) => {
    await s.exec(
      `UPDATE users SET locked_until = locked_until - ${by}, password_changed_at = password_changed_at - ${by}`,
    );
    await s.exec(
      `UPDATE auth_sessions SET last_seen_at = last_seen_at - ${by}, not_after = not_after - ${by}`,
    );
    await s.exec(`UPDATE refresh_tokens SET expires_at = expires_at - ${by}`);
  });
}

const login = (payload: Record<string, unknown>, remoteAddress = '127.0.0.1') =>
  lab.app.inject({ method: 'POST', url: '/auth/login', payload, remoteAddress });
const withoutInstance = (body: Record<string, unknown>) => ({ ...body, instance: undefined });

describe('login throttle (per client address and per account)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date());
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  it('60 failed logins with distinct emails from one address get 429 with Retry-After before the end', async () => {
    const statuses: number[] = [];
    let throttled: Awaited<ReturnType<typeof login>> | undefined;
    for (let i = 0; i < 60; i++) {
      const res = await login(
        { email: `spray-${i}@lab.test`, password: 'Guess-Number-One-1' },
        '203.0.113.7',
      );
      statuses.push(res.statusCode);
      if (res.statusCode === 429) throttled ??= res;
    }
    const first = statuses.indexOf(429);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(60);
    expect(statuses.slice(0, first).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(first).every((s) => s === 429)).toBe(true);
    expect(Number(throttled!.headers['retry-after'])).toBeGreaterThan(0);
    expect(throttled!.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(throttled!.json().type).toBe('/problems/rate-limited');
    const metrics = (await lab.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/polymorph_auth_logins_total\{result="throttled"\} [1-9]/);
    // Another address is not affected; the window ends.
    expect(
      (await login({ email: 'spray-x@lab.test', password: 'Guess-Number-One-1' }, '203.0.113.8')).statusCode,
    ).toBe(401);
    advance(61_000);
    expect(
      (await login({ email: 'spray-y@lab.test', password: 'Guess-Number-One-1' }, '203.0.113.7')).statusCode,
    ).toBe(401);
  });

  it('a burst against one account from many addresses gets 429, the same for an unknown email (no oracle)', async () => {
    const u = await userWithRole(lab, 'scientist');
    const burst = async (email: string, net: number) => {
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await login({ email, password: `Wrong-Guess-${i}-xyz` }, `198.51.${net}.${i + 1}`);
        statuses.push(res.statusCode);
        if (res.statusCode === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
      return statuses;
    };
    const known = await burst(u.email, 100);
    const unknown = await burst('nobody-at-all@lab.test', 101);
    expect(known).toContain(429);
    expect(known.indexOf(429)).toBeLessThan(20);
    expect(unknown).toEqual(known);
    // Even the right password waits for the window: nothing is checked while throttled.
    expect((await login({ email: u.email, password: u.password }, '198.51.102.1')).statusCode).toBe(429);
  });

  it('parallel attempts are counted when they start, so a concurrent burst is throttled too', async () => {
    const email = 'parallel-target@lab.test';
    const all = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        login({ email, password: `Wrong-Guess-${i}-abc` }, `192.0.2.${i + 1}`),
      ),
    );
    expect(all.filter((r) => r.statusCode === 429).length).toBeGreaterThanOrEqual(10);
  });
});

describe('lockout (21 CFR 11.300(d)) without an account oracle', () => {
  it('a locked account answers a wrong password exactly like an unknown email, and 423 only to its right password', async () => {
    const u = await userWithRole(lab, 'technician');
    for (let i = 0; i < 5; i++)
      expect((await login({ email: u.email, password: `Wrong-Password-${i}-q` })).statusCode).toBe(401);
    const wrong = await login({ email: u.email, password: 'Another-Wrong-One-9' });
    const unknown = await login({ email: 'never-registered@lab.test', password: 'Another-Wrong-One-9' });
    expect(wrong.statusCode).toBe(401);
    expect(withoutInstance(wrong.json())).toEqual(withoutInstance(unknown.json()));
    const right = await login({ email: u.email, password: u.password });
    expect(right.statusCode).toBe(423);
    expect(right.json().type).toBe('/problems/account-locked');
  });

  it('the lock expires by itself after 30 minutes', async () => {
    const u = await userWithRole(lab, 'technician');
    for (let i = 0; i < 5; i++) await login({ email: u.email, password: `Wrong-Password-${i}-r` });
    expect((await login({ email: u.email, password: u.password })).statusCode).toBe(423);
    await elapse(lab, 29 * MINUTE);
    expect((await login({ email: u.email, password: u.password })).statusCode).toBe(423);
    await elapse(lab, 2 * MINUTE);
    expect((await login({ email: u.email, password: u.password })).statusCode).toBe(200);
  });
});

describe('idle timeout (21 CFR 11.10(d))', () => {
  const me = (token: string) =>
    lab.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${token}` } });
  const refresh = (token: string) =>
    lab.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: token } });

  it('a session idle for 30 minutes ends: its access token and its refresh token are refused', async () => {
    const u = await userWithRole(lab, 'scientist');
    // A background refresh is not activity.
    await elapse(lab, 29 * MINUTE);
    const refreshed = await refresh(u.refresh);
    expect(refreshed.statusCode).toBe(200);
    const { access_token, refresh_token } = refreshed.json();
    await elapse(lab, 2 * MINUTE);
    const access = await me(access_token);
    expect(access.statusCode).toBe(401);
    expect(access.json().detail).toMatch(/idle/);
    expect((await refresh(refresh_token)).statusCode).toBe(401);
    const events = [];
    for await (const e of lab.app.lab.audit.events()) if (e.actor === u.email) events.push(e.action);
    expect(events).toContain('auth.session_idle_timeout');
  });

  it('a request is activity: a session used 11 minutes ago lives on', async () => {
    const u = await userWithRole(lab, 'scientist');
    await elapse(lab, 14 * MINUTE);
    expect((await me(u.token)).statusCode).toBe(200);
    await elapse(lab, 14 * MINUTE);
    const refreshed = await refresh(u.refresh);
    expect(refreshed.statusCode).toBe(200);
    await elapse(lab, 14 * MINUTE);
    expect((await me(refreshed.json().access_token)).statusCode).toBe(200);
  });

  it('with a 1-minute timeout, requests 40 s apart keep the session alive; 70 s of quiet ends it', async () => {
    const u = await userWithRole(lab, 'scientist');
    await lab.superuser.withSession((s) =>
      s.query('UPDATE auth_sessions SET idle_minutes = 1 WHERE user_email = $1', [u.email]),
    );
    for (let i = 0; i < 3; i++) {
      await elapse(lab, 40_000);
      expect((await me(u.token)).statusCode).toBe(200);
    }
    await elapse(lab, 70_000);
    expect((await me(u.token)).statusCode).toBe(401);
  });
});

describe('refresh-token ends (on the database clock)', () => {
  const refresh = (token: string) =>
    lab.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: token } });
  const ends = async (email: string) => {
    const [row] = await lab.superuser.withSession((s) =>
      s.query<{ token_left: number; session_left: number }>(
        `SELECT extract(epoch FROM t.expires_at - now())::float8 AS token_left,
                extract(epoch FROM s.not_after - now())::float8 AS session_left
           FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id
          WHERE s.user_email = $1 AND t.used_at IS NULL`,
        [email],
      ),
    );
    return row!;
  };

  it('last 12 hours from login, and rotation never extends a login beyond its end', async () => {
    const u = await userWithRole(lab, 'scientist');
    const first = await ends(u.email);
    expect(Math.abs(first.token_left - 12 * 3600)).toBeLessThan(120);
    expect(Math.abs(first.session_left - 12 * 3600)).toBeLessThan(120);
    // A login near its end: the rotated token ends with it, not 12 hours later.
    await lab.superuser.withSession((s) =>
      s.query(`UPDATE auth_sessions SET not_after = now() + interval '1 hour' WHERE user_email = $1`, [
        u.email,
      ]),
    );
    const rotated = await refresh(u.refresh);
    expect(rotated.statusCode).toBe(200);
    const next = await ends(u.email);
    expect(Math.abs(next.token_left - 3600)).toBeLessThan(120);
    expect(next.token_left).toBeCloseTo(next.session_left, 3);
  });
});

describe('password expiry (21 CFR 11.300(b)) through login', () => {
  let expiring: TestLab;
  beforeAll(async () => {
    expiring = await testLab({ passwordMaxAgeDays: 90 });
  });
  afterAll(async () => expiring.close());

  it('after 90 days login says so, and the user may only change the password', async () => {
    const u = await userWithRole(expiring, 'scientist');
    const signIn = () =>
      expiring.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: u.email, password: u.password },
      });
    await elapse(expiring, 89 * 24 * 60 * MINUTE);
    const fresh = await signIn();
    expect(fresh.json().user.restrictions).toEqual([]);
    await elapse(expiring, 2 * 24 * 60 * MINUTE);
    const expired = await signIn();
    expect(expired.statusCode).toBe(200);
    expect(expired.json().user.restrictions).toEqual(['password_expired']);
    const auth = { authorization: `Bearer ${expired.json().access_token}` };
    const blocked = await expiring.app.inject({ method: 'GET', url: '/api/samples', headers: auth });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().type).toBe('/problems/password-expired');
    const change = await expiring.app.inject({
      method: 'POST',
      url: '/auth/password',
      headers: auth,
      payload: { current_password: u.password, new_password: 'Monoclinic-Needle-Form-77' },
    });
    expect(change.statusCode).toBe(204);
    expect(
      (await expiring.app.inject({ method: 'GET', url: '/api/samples', headers: auth })).statusCode,
    ).toBe(200);
  });
});
