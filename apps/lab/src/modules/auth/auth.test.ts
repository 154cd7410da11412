import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_PERMISSIONS } from '../../platform/access/permissions.ts';
import { strongPassword, type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';

let lab: TestLab;
beforeAll(async () => {
  lab = await testLab();
});
afterAll(async () => lab.close());

const login = (payload: Record<string, unknown>) =>
  lab.app.inject({ method: 'POST', url: '/auth/login', payload });

/** RFC 6238 TOTP written independently of the server's library: HMAC-SHA1, dynamic truncation, 6 digits. */
function independentTotp(base32Secret: string, unixSeconds: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of base32Secret.replace(/=+$/, '')) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => Number.parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0xf;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

const secretOf = (uri: string) => new URL(uri).searchParams.get('secret')!;

describe('the signed-in user carries the permissions their roles grant', () => {
  const me = async (token: string) =>
    (
      await lab.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${token}` } })
    ).json();

  it('login, /auth/me and refresh all answer the union of the roles, sorted', async () => {
    const email = 'two-roles@lab.test';
    const password = strongPassword();
    await lab.app.lab.users.create(
      { email, name: 'Two Roles', password, roles: ['technician', 'compliance'] },
      { actor: 'system:test', requestId: null, ip: null },
    );
    const union = [...new Set([...ROLE_PERMISSIONS.technician, ...ROLE_PERMISSIONS.compliance])].sort();
    const signedIn = (await login({ email, password })).json();
    expect(signedIn.user.permissions).toEqual(union);
    // Each role brings what the other lacks; neither brings user administration.
    expect(signedIn.user.permissions).toContain('audit:read');
    expect(signedIn.user.permissions).toContain('inventory:create');
    expect(signedIn.user.permissions).not.toContain('users:create');
    expect((await me(signedIn.access_token)).permissions).toEqual(union);
    const refreshed = await lab.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refresh_token: signedIn.refresh_token },
    });
    expect(refreshed.json().user.permissions).toEqual(union);
  });

  it('a role granted later shows on the next refresh; a user without roles may do nothing', async () => {
    const admin = await userWithRole(lab, 'admin');
    const u = await userWithRole(lab, null);
    expect((await me(u.token)).permissions).toEqual([]);
    const grant = await lab.app.inject({
      method: 'POST',
      url: `/api/users/${u.email}/roles`,
      headers: admin.auth,
      payload: { role: 'scientist', reason: 'joined the screening team' },
    });
    expect(grant.statusCode).toBe(200);
    const refreshed = await lab.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refresh_token: u.refresh },
    });
    expect(refreshed.json().user.permissions).toEqual([...ROLE_PERMISSIONS.scientist].sort());
    expect(refreshed.json().user.permissions).not.toContain('audit:read');
  });
});

describe('login', () => {
  it('returns a bearer access token, a refresh token and the user', async () => {
    const u = await userWithRole(lab, 'scientist');
    const res = await login({ email: u.email.toUpperCase(), password: u.password });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      token_type: 'bearer',
      expires_in: 900,
      user: { email: u.email, roles: ['scientist'] },
    });
    expect(body.access_token.split('.')).toHaveLength(3);
    const me = await lab.app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(me.json()).toMatchObject({ email: u.email, roles: ['scientist'], restrictions: [] });
  });

  it('answers an unknown email and a wrong password with the same body', async () => {
    const u = await userWithRole(lab, 'technician');
    const wrong = await login({ email: u.email, password: 'not-the-password-at-all' });
    const unknown = await login({ email: 'nobody-here@lab.test', password: 'not-the-password-at-all' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const strip = (b: Record<string, unknown>) => ({ ...b, instance: undefined });
    expect(strip(unknown.json())).toEqual(strip(wrong.json()));
  });

  it('locks after 5 failures: the 6th attempt, with the right password, is refused until an admin unlocks', async () => {
    const admin = await userWithRole(lab, 'admin');
    const u = await userWithRole(lab, 'technician');
    for (let i = 0; i < 5; i++)
      expect((await login({ email: u.email, password: `wrong-password-${i}` })).statusCode).toBe(401);
    const sixth = await login({ email: u.email, password: u.password });
    expect(sixth.statusCode).toBe(423);
    expect(sixth.json().type).toBe('/problems/account-locked');
    const unlock = await lab.app.inject({
      method: 'POST',
      url: `/api/users/${u.email}/unlock`,
      headers: admin.auth,
      payload: { reason: 'identity confirmed by phone' },
    });
    expect(unlock.statusCode).toBe(200);
    expect((await login({ email: u.email, password: u.password })).statusCode).toBe(200);
    const metrics = (await lab.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/polymorph_auth_lockouts_total [1-9]/);
    expect(metrics).toMatch(/polymorph_auth_logins_total\{result="locked"\} [1-9]/);
    const history = [];
    for await (const e of lab.app.lab.audit.events()) if (e.entity_id === u.email) history.push(e.action);
    expect(history).toEqual(
      expect.arrayContaining([
        'auth.login_failed',
        'auth.account_locked',
        'auth.login_refused_locked',
        'user.unlocked',
      ]),
    );
  });

  it('rejects a malformed body with the field at fault', async () => {
    const res = await login({ email: 'not-an-email', password: 'x' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ field: 'body.email' })]);
  });
});

describe('sessions', () => {
  it('refresh rotates; reusing an old refresh token revokes the family and the next refresh fails', async () => {
    const u = await userWithRole(lab, 'scientist');
    const first = await lab.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refresh_token: u.refresh },
    });
    expect(first.statusCode).toBe(200);
    const rotated = first.json().refresh_token;
    expect(rotated).not.toBe(u.refresh);
    const reuse = await lab.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refresh_token: u.refresh },
    });
    expect(reuse.statusCode).toBe(401);
    const next = await lab.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refresh_token: rotated },
    });
    expect(next.statusCode).toBe(401);
    // The access token of the revoked session stops working too.
    expect(
      (
        await lab.app.inject({
          method: 'GET',
          url: '/auth/me',
          headers: { authorization: `Bearer ${first.json().access_token}` },
        })
      ).statusCode,
    ).toBe(401);
  });

  it('logout ends the session', async () => {
    const u = await userWithRole(lab, 'scientist');
    expect((await lab.app.inject({ method: 'POST', url: '/auth/logout', headers: u.auth })).statusCode).toBe(
      204,
    );
    expect((await lab.app.inject({ method: 'GET', url: '/auth/me', headers: u.auth })).statusCode).toBe(401);
    expect(
      (await lab.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: u.refresh } }))
        .statusCode,
    ).toBe(401);
  });

  it('a tampered or foreign token is refused', async () => {
    const u = await userWithRole(lab, 'scientist');
    const tampered = `${u.token.slice(0, -4)}AAAA`;
    expect(
      (
        await lab.app.inject({
          method: 'GET',
          url: '/auth/me',
          headers: { authorization: `Bearer ${tampered}` },
        })
      ).statusCode,
    ).toBe(401);
  });
});

describe('password change', () => {
  it('enforces the policy and the history of the last 5, and ends the other sessions', async () => {
    const u = await userWithRole(lab, 'scientist');
    const other = await login({ email: u.email, password: u.password });
    const change = (current: string, next: string) =>
      lab.app.inject({
        method: 'POST',
        url: '/auth/password',
        headers: u.auth,
        payload: { current_password: current, new_password: next },
      });

    const short = await change(u.password, 'short');
    expect(short.statusCode).toBe(400);
    expect(short.json().errors[0].message).toMatch(/^too_short/);
    expect(
      (await change(u.password, 'password1234'))
        .json()
        .errors.map((e: { message: string }) => e.message.split(':')[0]),
    ).toContain('common_password');
    const local = u.email.split('@')[0]!;
    expect((await change(u.password, `xx-${local}-Zebra-77`)).json().errors[0].message).toMatch(
      /^contains_email_local_part/,
    );

    let current = u.password;
    const used = [current];
    for (let i = 0; i < 5; i++) {
      const next = strongPassword();
      expect((await change(current, next)).statusCode).toBe(204);
      used.push(next);
      current = next;
    }
    // The last 5 passwords (the current one included) are refused; the 6th-oldest is allowed again.
    for (const old of used.slice(-5))
      expect((await change(current, old)).json().errors[0].message).toMatch(/^reused_password/);
    expect((await change(current, used[0]!)).statusCode).toBe(204);
    expect(
      (
        await lab.app.inject({
          method: 'GET',
          url: '/auth/me',
          headers: { authorization: `Bearer ${other.json().access_token}` },
        })
      ).statusCode,
    ).toBe(401);
    expect((await lab.app.inject({ method: 'GET', url: '/auth/me', headers: u.auth })).statusCode).toBe(200);
  });
});

describe('MFA (TOTP, RFC 6238)', () => {
  it('enrols with an independent implementation, then requires the code; a code outside the window is refused', async () => {
    const u = await userWithRole(lab, 'scientist');
    const enroll = await lab.app.inject({ method: 'POST', url: '/auth/mfa/enroll', headers: u.auth });
    expect(enroll.statusCode).toBe(200);
    const { otpauth_uri, qr_code } = enroll.json();
    expect(otpauth_uri).toMatch(/^otpauth:\/\/totp\//);
    expect(qr_code).toMatch(/^data:image\/png;base64,/);
    const secret = secretOf(otpauth_uri);
    const now = Date.now() / 1000;
    const confirm = await lab.app.inject({
      method: 'POST',
      url: '/auth/mfa/confirm',
      headers: u.auth,
      payload: { code: independentTotp(secret, now) },
    });
    expect(confirm.statusCode).toBe(200);
    const recovery: string[] = confirm.json().recovery_codes;
    expect(recovery).toHaveLength(10);

    expect((await login({ email: u.email, password: u.password })).json().type).toBe(
      '/problems/mfa-required',
    );
    // Allowed window is ±1 step (30 s); two steps later is refused.
    expect(
      (await login({ email: u.email, password: u.password, mfa_code: independentTotp(secret, now + 60) }))
        .statusCode,
    ).toBe(401);
    const ok = await login({
      email: u.email,
      password: u.password,
      mfa_code: independentTotp(secret, now + 30),
    });
    expect(ok.statusCode).toBe(200);
    // The same code never works twice.
    expect(
      (await login({ email: u.email, password: u.password, mfa_code: independentTotp(secret, now + 30) }))
        .statusCode,
    ).toBe(401);
    // A recovery code works once.
    expect(
      (await login({ email: u.email, password: u.password, recovery_code: recovery[0] })).statusCode,
    ).toBe(200);
    expect(
      (await login({ email: u.email, password: u.password, recovery_code: recovery[0] })).statusCode,
    ).toBe(401);
  });

  it('a role that requires MFA restricts its holders until they enrol', async () => {
    const admin = await userWithRole(lab, 'admin');
    const u = await userWithRole(lab, 'compliance');
    const policy = await lab.app.inject({
      method: 'PATCH',
      url: '/api/roles/compliance',
      headers: admin.auth,
      payload: { mfa_required: true, reason: 'QA policy 12 requires MFA' },
    });
    expect(policy.statusCode).toBe(200);
    const blocked = await lab.app.inject({ method: 'GET', url: '/api/users', headers: u.auth });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().type).toBe('/problems/mfa-enrollment-required');
    const secret = secretOf(
      (await lab.app.inject({ method: 'POST', url: '/auth/mfa/enroll', headers: u.auth })).json().otpauth_uri,
    );
    await lab.app.inject({
      method: 'POST',
      url: '/auth/mfa/confirm',
      headers: u.auth,
      payload: { code: independentTotp(secret, Date.now() / 1000) },
    });
    expect((await lab.app.inject({ method: 'GET', url: '/api/users', headers: u.auth })).statusCode).toBe(
      200,
    );
    await lab.app.inject({
      method: 'PATCH',
      url: '/api/roles/compliance',
      headers: admin.auth,
      payload: { mfa_required: false, reason: 'reset for other tests' },
    });
  });

  it('disabling needs the password and a current code', async () => {
    const u = await userWithRole(lab, 'technician');
    const secret = secretOf(
      (await lab.app.inject({ method: 'POST', url: '/auth/mfa/enroll', headers: u.auth })).json().otpauth_uri,
    );
    const t = Date.now() / 1000;
    await lab.app.inject({
      method: 'POST',
      url: '/auth/mfa/confirm',
      headers: u.auth,
      payload: { code: independentTotp(secret, t - 30) },
    });
    const wrongPw = await lab.app.inject({
      method: 'POST',
      url: '/auth/mfa/disable',
      headers: u.auth,
      payload: { password: 'wrong-wrong-wrong', mfa_code: independentTotp(secret, t) },
    });
    expect(wrongPw.statusCode).toBe(401);
    const ok = await lab.app.inject({
      method: 'POST',
      url: '/auth/mfa/disable',
      headers: u.auth,
      payload: { password: u.password, mfa_code: independentTotp(secret, t) },
    });
    expect(ok.statusCode).toBe(204);
    expect((await login({ email: u.email, password: u.password })).statusCode).toBe(200);
  });
});
