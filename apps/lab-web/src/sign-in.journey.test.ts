// The sign-in and dashboard journey in a real Chromium (Debian's, driven by playwright-core) against the
// lab served on a real port: a wrong password, then email + password + MFA code, then the dashboard's
// numbers compared with what the API answers the same user. Any console error, page error, failed
// request or error response other than the two the journey provokes fails it.
import type * as OTPAuth from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserRig,
  dashboardSettled,
  enrolMfa,
  expectNoSeriousViolations,
  type LabUser,
  openPage,
  screenshot,
  startBrowserRig,
  userWithRole,
} from './testing/browser-rig.ts';

let rig: BrowserRig;
let user: LabUser;
let totp: OTPAuth.TOTP;

/** Two low-stock items, so the dashboard shows a number the API can contradict. */
async function seedInventory() {
  for (const code of ['UI-SOLVENT-1', 'UI-SOLVENT-2']) {
    const res = await rig.lab.app.inject({
      method: 'POST',
      url: '/api/inventory/items',
      headers: user.auth,
      payload: {
        item_code: code,
        name: `Solvent ${code}`,
        category: 'solvent',
        unit: 'mL',
        reorder_point: 10,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
  }
}

beforeAll(async () => {
  rig = await startBrowserRig();
  user = await userWithRole(rig.lab, 'admin');
  await seedInventory();
  totp = await enrolMfa(rig.lab, user);
});
afterAll(async () => {
  await rig?.close();
});

/** What the API answers the same user, the numbers the dashboard must show. */
async function apiNumbers() {
  const get = async (url: string) => {
    const res = await rig.lab.app.inject({ method: 'GET', url, headers: user.auth });
    expect(res.statusCode, url).toBe(200);
    return res.json();
  };
  return {
    running: (await get('/api/runs?status=running&limit=100')).items.length,
    overdue: (await get('/api/calibration/overdue')).items.length,
    lowStock: (await get('/api/inventory/alerts/low-stock')).items.length,
    expiring: (await get('/api/inventory/alerts/expiring?days=30')).items.length,
    chainValid: (await get('/api/compliance/audit/verify')).valid,
  };
}

describe('web UI journey in Chromium', () => {
  it('signs in with password and MFA code and shows the dashboard with the API numbers', async () => {
    const { context, page, trouble } = await openPage(rig);
    const baseUrl = rig.baseUrl;
    await page.goto(`${baseUrl}/`);
    // Signed out: the app sends the browser to the sign-in screen.
    await page.waitForURL(`${baseUrl}/sign-in`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectNoSeriousViolations(page, 'sign-in');
    await screenshot(page, 'sign-in');

    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(`${user.password}-wrong`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/invalid|credentials/i);

    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Authentication code').fill(totp.generate());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await dashboardSettled(page);

    const expected = await apiNumbers();
    expect(expected.lowStock).toBe(2);
    const shown = (label: string) => page.getByRole('status', { name: label, exact: true }).textContent();
    await expect.poll(() => shown('Low-stock items')).toBe(String(expected.lowStock));
    expect(await shown('Runs in progress')).toBe(String(expected.running));
    expect(await shown('Overdue calibrations')).toBe(String(expected.overdue));
    expect(await shown('Expiring lots')).toBe(String(expected.expiring));
    await expect.poll(() => shown('Audit chain status')).toBe(expected.chainValid ? 'Intact' : 'Broken');
    await page.getByRole('table').getByRole('row').nth(1).waitFor();
    await expectNoSeriousViolations(page, 'dashboard');
    await screenshot(page, 'dashboard');

    expect(trouble.problems).toEqual([]);
    // The wrong password, then the password alone on an MFA account: the two answers the journey provokes.
    expect(trouble.errorResponses).toEqual(['POST /auth/login 401', 'POST /auth/login 401']);
    await context.close();
  });
});
