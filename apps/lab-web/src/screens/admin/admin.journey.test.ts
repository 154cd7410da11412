// Administration in a real Chromium: an administrator creates a user, the user is locked out by wrong
// passwords over the API, the administrator unlocks and resets them in the UI, and the user, in another
// browser context, is told they are locked, then is forced to change the temporary password. Also the
// MFA policy and organizations and labs, each checked against the API.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserRig,
  dashboardSettled,
  expectNoSeriousViolations,
  type LabUser,
  openPage,
  screenshot,
  signInThroughUi,
  startBrowserRig,
  userWithRole,
} from '../../testing/browser-rig.ts';

let rig: BrowserRig;
let admin: LabUser;

beforeAll(async () => {
  rig = await startBrowserRig();
  admin = await userWithRole(rig.lab, 'admin');
});
afterAll(async () => {
  await rig?.close();
});

async function apiGet(url: string) {
  const res = await rig.lab.app.inject({ method: 'GET', url, headers: admin.auth });
  expect(res.statusCode, url).toBe(200);
  return res.json();
}

async function openAdministration(page: Page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Administration' }).click();
  await page.getByRole('heading', { name: 'Users', exact: true }).waitFor();
}

async function signInAs(page: Page, email: string, password: string) {
  await page.goto(`${rig.baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('administration journey in Chromium', () => {
  it('an administrator resets a user: create, locked out, unlock, reset password, forced change', async () => {
    const adminPage = await openPage(rig);
    const page = adminPage.page;
    await signInThroughUi(page, rig.baseUrl, admin);
    await openAdministration(page);
    await expectNoSeriousViolations(page, 'admin-users');

    // Create the user in the UI; the password policy's answer is shown next to the field first.
    const email = 'marie.curie@lab.test';
    const initial = 'Radium-Polonium-1898';
    await page.getByRole('link', { name: 'New user' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Name').fill('Marie Curie');
    await page.getByLabel('Initial password').fill('short');
    await page.getByRole('checkbox', { name: 'scientist' }).check();
    await page.getByRole('button', { name: 'Create user' }).click();
    await expect
      .poll(() => page.locator('#new-user-password-error').textContent())
      .toMatch(/12|length|short/i);
    await page.getByLabel('Initial password').fill(initial);
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('heading', { name: 'Marie Curie' }).waitFor();
    expect(await apiGet(`/api/users/${email}`)).toMatchObject({
      name: 'Marie Curie',
      roles: ['scientist'],
      password_change_required: true,
    });

    // Five wrong passwords over the API lock the account.
    for (let i = 0; i < 5; i++) {
      const res = await rig.lab.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email, password: `${initial}-wrong` },
      });
      expect(res.statusCode).toBe(401);
    }
    expect((await apiGet(`/api/users/${email}`)).locked).toBe(true);

    // The user, in another browser: the right password answers the lockout message.
    const userSide = await openPage(rig);
    await signInAs(userSide.page, email, initial);
    await expect.poll(() => userSide.page.getByRole('alert').textContent()).toMatch(/locked/i);
    await expect
      .poll(() => userSide.page.getByRole('alert').textContent())
      .toMatch(/administrator can unlock/);
    await screenshot(userSide.page, 'account-locked');

    // The administrator unlocks and resets the password; the temporary one is shown once.
    await page.getByRole('link', { name: 'All users' }).click();
    await page.getByRole('link', { name: 'Marie Curie' }).click();
    await page.getByRole('heading', { name: 'Marie Curie' }).waitFor();
    await expect.poll(() => page.getByText('locked', { exact: true }).count()).toBeGreaterThan(0);
    await page.locator('#unlock-reason').fill('Identity confirmed by phone');
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await expect.poll(async () => (await apiGet(`/api/users/${email}`)).locked).toBe(false);
    await page.locator('#reset-password-reason').fill('Forgot the password; identity confirmed in person');
    await page.getByRole('button', { name: 'Reset password', exact: true }).click();
    const temporary = (await page.locator('.temporary-password').textContent()) ?? '';
    expect(temporary.length).toBeGreaterThanOrEqual(12);
    await expectNoSeriousViolations(page, 'admin-user');
    await screenshot(page, 'admin-user');

    // The user signs in with the temporary password and must choose their own before anything else.
    await signInAs(userSide.page, email, temporary);
    await userSide.page.getByRole('heading', { name: 'Change password' }).waitFor();
    expect(new URL(userSide.page.url()).pathname).toBe('/account/password');
    await expect.poll(() => userSide.page.getByRole('status').textContent()).toMatch(/administrator set/);
    await expectNoSeriousViolations(userSide.page, 'account-password');
    await screenshot(userSide.page, 'account-password');
    const chosen = 'Becquerel-Rays-Nobel-1903';
    await userSide.page.getByLabel('Current password').fill(temporary);
    await userSide.page.getByLabel('New password', { exact: true }).fill(chosen);
    await userSide.page.getByLabel('Repeat new password').fill(chosen);
    await userSide.page.getByRole('button', { name: 'Change password' }).click();
    await userSide.page.getByRole('button', { name: 'Continue' }).click();
    await dashboardSettled(userSide.page);
    expect(await apiGet(`/api/users/${email}`)).toMatchObject({
      locked: false,
      password_change_required: false,
    });
    const relogin = await rig.lab.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email, password: chosen },
    });
    expect(relogin.statusCode).toBe(200);
    expect(relogin.json().user.restrictions).toEqual([]);

    expect(adminPage.trouble.problems).toEqual([]);
    // The too-short initial password: the one error answer the administrator's side provokes.
    expect(adminPage.trouble.errorResponses).toEqual(['POST /api/users 400']);
    expect(userSide.trouble.problems).toEqual([]);
    // The right password on the locked account, and nothing else: the scientist's dashboard does not ask
    // for the audit trail they may not read (docs/ui.md).
    expect(userSide.trouble.errorResponses).toEqual(['POST /auth/login 423']);
    await userSide.context.close();
    await adminPage.context.close();
  });

  it('each role sees only what it may use: no links, cards or requests the API would refuse', async () => {
    const areaLinks = (page: Page) =>
      page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
    const headings = (page: Page) => page.getByRole('heading', { level: 2 }).allTextContents();

    const scientist = await openPage(rig);
    await signInThroughUi(scientist.page, rig.baseUrl, await userWithRole(rig.lab, 'scientist'));
    expect(await areaLinks(scientist.page)).not.toContain('Compliance');
    expect(await areaLinks(scientist.page)).not.toContain('Administration');
    expect(await areaLinks(scientist.page)).toContain('Samples');
    expect(await headings(scientist.page)).toContain('Runs in progress');
    expect(await headings(scientist.page)).not.toContain('Audit chain');
    expect(await headings(scientist.page)).not.toContain('Recent activity (newest first)');
    await expectNoSeriousViolations(scientist.page, 'dashboard-scientist');
    // Typed in the address bar (a reload: the session comes back from the refresh cookie): one panel.
    for (const path of ['/compliance', '/admin/users/new']) {
      await scientist.page.goto(`${rig.baseUrl}${path}`);
      await scientist.page.getByRole('heading', { name: 'You do not have access to this page' }).waitFor();
    }
    await expectNoSeriousViolations(scientist.page, 'no-access');
    await screenshot(scientist.page, 'no-access');
    expect(scientist.trouble.problems).toEqual([]);
    expect(scientist.trouble.errorResponses).toEqual([]);
    await scientist.context.close();

    const administrator = await openPage(rig);
    await signInThroughUi(administrator.page, rig.baseUrl, admin);
    expect(await areaLinks(administrator.page)).toEqual(
      expect.arrayContaining(['Compliance', 'Administration']),
    );
    expect(await headings(administrator.page)).toEqual(
      expect.arrayContaining(['Audit chain', 'Recent activity (newest first)']),
    );
    await administrator.page.goto(`${rig.baseUrl}/compliance`);
    await administrator.page.getByRole('heading', { name: 'Audit trail' }).first().waitFor();
    expect(administrator.trouble.problems).toEqual([]);
    expect(administrator.trouble.errorResponses).toEqual([]);
    await administrator.context.close();
  });

  it('the MFA policy, organizations and labs, as the API then answers them', async () => {
    const { context, page, trouble } = await openPage(rig);
    await signInThroughUi(page, rig.baseUrl, admin);
    await openAdministration(page);
    await screenshot(page, 'admin-users');

    await page.getByRole('link', { name: 'MFA policy' }).click();
    const technician = page.getByRole('form', { name: 'MFA for technician' });
    await technician.getByRole('button', { name: 'Require MFA' }).click();
    await expect.poll(() => technician.locator('.field-error').textContent()).toBeTruthy();
    await technician.getByLabel('Reason').fill('Technicians sign batch records with two factors');
    await technician.getByRole('button', { name: 'Require MFA' }).click();
    await technician.getByRole('button', { name: 'Stop requiring MFA' }).waitFor();
    const roles = await apiGet('/api/roles');
    expect(roles.items.find((r: { name: string }) => r.name === 'technician').mfa_required).toBe(true);
    await expectNoSeriousViolations(page, 'admin-mfa-policy');
    await screenshot(page, 'admin-mfa-policy');

    await page.getByRole('link', { name: 'Organizations and labs' }).click();
    await page.getByRole('heading', { name: 'Organizations' }).waitFor();
    const org = page.getByRole('form', { name: 'New organization' });
    await org.getByLabel('Code').fill('ACME');
    await org.getByLabel('Name').fill('Acme Pharma');
    await org.getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('cell', { name: 'Acme Pharma' }).waitFor();
    const lab = page.getByRole('form', { name: 'New lab' });
    await lab.getByLabel('Code').fill('BSL-QC');
    await lab.getByLabel('Organization').selectOption('ACME');
    await lab.getByLabel('Name').fill('Basel QC');
    await lab.getByLabel('Time zone (optional, IANA, e.g. Europe/Zurich)').fill('Europe/Zurich');
    await lab.getByRole('button', { name: 'Create lab' }).click();
    await page.getByRole('cell', { name: 'Basel QC' }).waitFor();
    const labs = await apiGet('/api/labs');
    expect(labs.items).toContainEqual(
      expect.objectContaining({
        lab_id: 'BSL-QC',
        org_id: 'ACME',
        name: 'Basel QC',
        timezone: 'Europe/Zurich',
      }),
    );
    await expectNoSeriousViolations(page, 'admin-sites');
    await screenshot(page, 'admin-sites');

    expect(trouble.problems).toEqual([]);
    // The MFA policy change sent without its reason: the one error answer provoked.
    expect(trouble.errorResponses).toEqual(['PATCH /api/roles/technician 400']);
    await context.close();
  });
});
