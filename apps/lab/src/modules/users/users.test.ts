import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
