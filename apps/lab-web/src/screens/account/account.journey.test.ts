// The account in a real Chromium, against a lab whose idle timeout is set short through its config
// (sessionIdleMinutes: 1, i.e. POLYMORPH_SESSION_IDLE_MINUTES=1): a role that requires MFA sends the
// user to enrolment, the key read from the screen enrols them, they sign in with a code, a reload keeps
// the session through the HttpOnly cookie, and a minute without activity signs them out with a message.
import * as OTPAuth from 'otpauth';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserRig,
  dashboardSettled,
  expectNoSeriousViolations,
  type LabUser,
  nextTotpPeriod,
  openPage,
  screenshot,
  startBrowserRig,
  type Trouble,
  userWithRole,
} from '../../testing/browser-rig.ts';

let rig: BrowserRig;
let user: LabUser;
let context: BrowserContext;
let page: Page;
let trouble: Trouble;
let totp: OTPAuth.TOTP;

beforeAll(async () => {
  rig = await startBrowserRig({ sessionIdleMinutes: 1 });
  user = await userWithRole(rig.lab, 'admin');
  // The MFA policy: administrators must enrol before anything else.
  const policy = await rig.lab.app.inject({
    method: 'PATCH',
    url: '/api/roles/admin',
    headers: user.auth,
    payload: { mfa_required: true, reason: 'Administrators sign in with two factors' },
  });
  expect(policy.statusCode, policy.body).toBe(200);
  ({ context, page, trouble } = await openPage(rig));
});
afterAll(async () => {
  await rig?.close();
});

async function fillCredentials() {
  await page.goto(`${rig.baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const loginWithPasswordOnly = () =>
  rig.lab.app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { email: user.email, password: user.password },
  });

describe('account journey in Chromium', () => {
  it('a role that requires MFA sends the user to enrolment; the key on the screen enrols them; recovery codes are shown', async () => {
    await fillCredentials();
    await page.getByRole('heading', { name: 'Set up two-factor authentication' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/account/mfa');
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/requires two-factor/);
    await page.getByRole('button', { name: 'Start set-up' }).click();

    const qr = page.getByRole('img', { name: 'QR code of the authenticator key' });
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    const parsed = OTPAuth.URI.parse((await page.getByTestId('otpauth-uri').textContent()) ?? '');
    if (!(parsed instanceof OTPAuth.TOTP)) throw new Error('the screen shows no TOTP URI');
    totp = parsed;
    expect(await page.getByTestId('mfa-secret').textContent()).toBe(totp.secret.base32);
    await expectNoSeriousViolations(page, 'account-mfa');
    await screenshot(page, 'account-mfa');

    await page.getByLabel('Code from the app').fill(totp.generate());
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Recovery codes' }).waitFor();
    expect(await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').count()).toBe(10);
    await expectNoSeriousViolations(page, 'account-recovery-codes');
    await page.getByRole('button', { name: 'I have saved these codes' }).click();
    await dashboardSettled(page);
    // The API now asks this account for a code.
    expect((await loginWithPasswordOnly()).json().type).toMatch(/mfa-required$/);
  });

  it('signs in with a code; a reload keeps the session through the HttpOnly cookie, and no token is stored', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect((await context.cookies()).map((c) => c.name)).toEqual([]);
    await nextTotpPeriod(totp);
    await fillCredentials();
    await page.getByLabel('Authentication code').fill(totp.generate());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await dashboardSettled(page);

    const refresh = (await context.cookies()).find((c) => c.name === 'polymorph_refresh');
    expect(refresh).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/auth/refresh' });
    await page.reload();
    await dashboardSettled(page);
    expect(new URL(page.url()).pathname).toBe('/');
    const visible = await page.evaluate(() => ({
      stored: localStorage.length + sessionStorage.length,
      cookie: document.cookie,
    }));
    expect(visible.stored).toBe(0);
    expect(visible.cookie).not.toContain('polymorph_refresh');
    // The refresh cookie rotated with the reload's refresh.
    const rotated = (await context.cookies()).find((c) => c.name === 'polymorph_refresh');
    expect(rotated?.value).not.toBe(refresh?.value);
  });

  it('a minute without activity signs the user out and the sign-in screen says why', async () => {
    const notice = page.getByRole('status').filter({ hasText: 'without activity' });
    await notice.waitFor({ timeout: 120_000 });
    expect(await notice.textContent()).toMatch(/signed out after 1 minute without activity/);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    // The sign-out reached the server: the cookies are gone, and a reload stays signed out.
    expect((await context.cookies()).map((c) => c.name)).toEqual([]);
    await expectNoSeriousViolations(page, 'sign-in-idle');
    await screenshot(page, 'sign-in-idle');

    expect(trouble.problems).toEqual([]);
    // The password alone on the MFA account: the one error answer the journey provokes.
    expect(trouble.errorResponses).toEqual(['POST /auth/login 401']);
    await context.close();
  });
});
