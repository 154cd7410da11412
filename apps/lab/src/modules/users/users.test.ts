import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTotpCode } from '../../platform/auth/totp.ts';
import { strongPassword, type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';

let lab: TestLab;
let admin: Awaited<ReturnType<typeof userWithRole>>;
beforeAll(async () => {
  lab = await testLab();
  admin = await userWithRole(lab, 'admin');
});
afterAll(async () => lab.close());

const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
  lab.app.inject({
    method,
    url,
    headers: admin.auth,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

describe('user administration', () => {
  it('creates a user (201), refuses a weak password (400) and a taken email (409)', async () => {
    const password = strongPassword();
    const created = await api('POST', '/api/users', {
      email: 'Tech.One@Lab.Test',
      name: 'Tech One',
      password,
      roles: ['technician'],
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      email: 'tech.one@lab.test',
      roles: ['technician'],
      is_active: true,
      mfa_enabled: false,
    });
    const weak = await api('POST', '/api/users', {
      email: 'weak@lab.test',
      name: 'Weak',
      password: 'short',
      roles: [],
    });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().type).toBe('/problems/password-policy');
    expect((await api('GET', '/api/users/weak@lab.test')).statusCode).toBe(404);
    const again = await api('POST', '/api/users', {
      email: 'tech.one@lab.test',
      name: 'Someone Else',
      password,
      roles: [],
    });
    expect(again.statusCode).toBe(409);
    const badRole = await api('POST', '/api/users', {
      email: 'x@lab.test',
      name: 'X',
      password,
      roles: ['wizard'],
    });
    expect(badRole.statusCode).toBe(400);
    expect(badRole.json().errors[0].field).toMatch(/^body\.roles/);
  });

  it('lists users in pages', async () => {
    for (let i = 0; i < 3; i++) await userWithRole(lab, 'scientist', `page-${i}@lab.test`);
    const first = await api('GET', '/api/users?limit=2');
    expect(first.json().items).toHaveLength(2);
    const seen = new Set<string>(first.json().items.map((u: { email: string }) => u.email));
    let cursor = first.json().next_cursor;
    while (cursor) {
      const page = (await api('GET', `/api/users?limit=2&cursor=${encodeURIComponent(cursor)}`)).json();
      for (const u of page.items) {
        expect(seen.has(u.email)).toBe(false);
        seen.add(u.email);
      }
      cursor = page.next_cursor;
    }
    expect([...seen]).toEqual(
      expect.arrayContaining(['page-0@lab.test', 'page-1@lab.test', 'page-2@lab.test', admin.email]),
    );
  });

  it('adds and removes roles; the change applies to the next request, not at the next login', async () => {
    const u = await userWithRole(lab, 'technician');
    expect(
      (await lab.app.inject({ method: 'GET', url: '/api/compliance/audit', headers: u.auth })).statusCode,
    ).toBe(403);
    expect(
      (await api('POST', `/api/users/${u.email}/roles`, { role: 'compliance', reason: 'QA backup' })).json()
        .roles,
    ).toEqual(['compliance', 'technician']);
    expect(
      (await lab.app.inject({ method: 'GET', url: '/api/compliance/audit', headers: u.auth })).statusCode,
    ).toBe(200);
    expect(
      (await api('DELETE', `/api/users/${u.email}/roles/compliance?reason=QA%20backup%20ended`)).json().roles,
    ).toEqual(['technician']);
    expect(
      (await lab.app.inject({ method: 'GET', url: '/api/compliance/audit', headers: u.auth })).statusCode,
    ).toBe(403);
  });

  it('updates need a reason; deactivation ends the sessions and blocks login; the email is never reused', async () => {
    const u = await userWithRole(lab, 'scientist');
    const noReason = await api('PATCH', `/api/users/${u.email}`, { is_active: false });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().errors[0].field).toBe('body.reason');
    expect(
      (await api('PATCH', `/api/users/${u.email}`, { is_active: false, reason: 'left the company' })).json()
        .is_active,
    ).toBe(false);
    expect((await lab.app.inject({ method: 'GET', url: '/auth/me', headers: u.auth })).statusCode).toBe(401);
    expect(
      (
        await lab.app.inject({
          method: 'POST',
          url: '/auth/login',
          payload: { email: u.email, password: u.password },
        })
      ).statusCode,
    ).toBe(401);
    expect(
      (
        await api('POST', '/api/users', {
          email: u.email,
          name: 'New Person',
          password: strongPassword(),
          roles: [],
        })
      ).statusCode,
    ).toBe(409);
  });
});

describe('passwords an administrator set (21 CFR 11.300(c))', () => {
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const logIn = (email: string, password: string, mfa_code?: string) =>
    lab.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email, password, ...(mfa_code ? { mfa_code } : {}) },
    });
  const changePassword = (token: string, current_password: string) =>
    lab.app.inject({
      method: 'POST',
      url: '/auth/password',
      headers: as(token),
      payload: { current_password, new_password: strongPassword() },
    });

  it('a user an administrator created must change the password at first login before anything else', async () => {
    const password = strongPassword();
    const created = await api('POST', '/api/users', {
      email: 'first.login@lab.test',
      name: 'First Login',
      password,
      roles: ['scientist'],
    });
    expect(created.json().password_change_required).toBe(true);
    const session = await logIn('first.login@lab.test', password);
    expect(session.statusCode).toBe(200);
    expect(session.json().user.restrictions).toEqual(['password_change_required']);
    const token = session.json().access_token;
    const blocked = await lab.app.inject({ method: 'GET', url: '/api/samples', headers: as(token) });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().type).toBe('/problems/password-change-required');
    expect((await changePassword(token, password)).statusCode).toBe(204);
    expect(
      (await lab.app.inject({ method: 'GET', url: '/api/samples', headers: as(token) })).statusCode,
    ).toBe(200);
    expect((await api('GET', '/api/users/first.login@lab.test')).json().password_change_required).toBe(false);
  });

  it('an administrator resets a lost password and authenticator: audited, sessions ended, change forced', async () => {
    const u = await userWithRole(lab, 'scientist');
    const enroll = await lab.app.inject({ method: 'POST', url: '/auth/mfa/enroll', headers: u.auth });
    const secret = new URL(enroll.json().otpauth_uri).searchParams.get('secret')!;
    const confirm = await lab.app.inject({
      method: 'POST',
      url: '/auth/mfa/confirm',
      headers: u.auth,
      payload: { code: generateTotpCode(secret, Date.now()) },
    });
    expect(confirm.statusCode).toBe(200);
    for (let i = 0; i < 5; i++) await logIn(u.email, `Wrong-Password-${i}-zz`);
    expect((await api('GET', `/api/users/${u.email}`)).json()).toMatchObject({
      locked: true,
      mfa_enabled: true,
    });

    const scientist = await userWithRole(lab, 'scientist');
    const forbidden = await lab.app.inject({
      method: 'POST',
      url: `/api/users/${u.email}/credentials/reset`,
      headers: scientist.auth,
      payload: { reason: 'not mine to reset' },
    });
    expect(forbidden.statusCode).toBe(403);
    expect(
      (await api('POST', '/api/users/nobody-here@lab.test/credentials/reset', { reason: 'typo' })).statusCode,
    ).toBe(404);

    const reset = await api('POST', `/api/users/${u.email}/credentials/reset`, {
      reason: 'Phone lost; identity confirmed in person',
    });
    expect(reset.statusCode).toBe(200);
    expect(reset.headers['cache-control']).toBe('no-store');
    const { temporary_password, user } = reset.json();
    expect(user).toMatchObject({ locked: false, mfa_enabled: false, password_change_required: true });
    expect((await lab.app.inject({ method: 'GET', url: '/auth/me', headers: u.auth })).statusCode).toBe(401);
    expect((await logIn(u.email, u.password)).statusCode).toBe(401);

    const session = await logIn(u.email, temporary_password);
    expect(session.statusCode).toBe(200);
    expect(session.json().user.restrictions).toEqual(['password_change_required']);
    const token = session.json().access_token;
    expect(
      (await lab.app.inject({ method: 'GET', url: '/api/samples', headers: as(token) })).statusCode,
    ).toBe(403);
    expect((await changePassword(token, temporary_password)).statusCode).toBe(204);
    expect(
      (await lab.app.inject({ method: 'GET', url: '/api/samples', headers: as(token) })).statusCode,
    ).toBe(200);

    const events = [];
    for await (const e of lab.app.lab.audit.events()) if (e.entity_id === u.email) events.push(e);
    const resetEvent = events.find((e) => e.action === 'user.credentials_reset');
    expect(resetEvent).toMatchObject({
      actor: admin.email,
      reason: 'Phone lost; identity confirmed in person',
    });
    expect(JSON.stringify(events)).not.toContain(temporary_password);
  });
});
