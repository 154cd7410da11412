// The sign-in and dashboard journey in a real Chromium (Debian's, driven by playwright-core) against the
// lab served on a real port: a wrong password, then email + password + MFA code, then the dashboard's
// numbers compared with what the API answers the same user. Any console error, page error, failed
// request or error response other than the two the journey provokes fails it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import * as OTPAuth from 'otpauth';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLab, testLab, userWithRole } from '../../lab/src/testing/lab-app.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const SCREENSHOTS = here('../../../docs/ui/');

let lab: TestLab;
let baseUrl: string;
let browser: Browser;
let user: Awaited<ReturnType<typeof userWithRole>>;
let totp: OTPAuth.TOTP;

/** Enrols the user in MFA over the API, as the enrolment screen will; the secret comes from its URI. */
async function enrolMfa() {
  const enroll = await lab.app.inject({ method: 'POST', url: '/auth/mfa/enroll', headers: user.auth });
  expect(enroll.statusCode).toBe(200);
  const parsed = OTPAuth.URI.parse(enroll.json().otpauth_uri);
  if (!(parsed instanceof OTPAuth.TOTP)) throw new Error('enrolment URI is not TOTP');
  totp = parsed;
  const confirm = await lab.app.inject({
    method: 'POST',
    url: '/auth/mfa/confirm',
    headers: user.auth,
    payload: { code: totp.generate() },
  });
  expect(confirm.statusCode).toBe(200);
  // A code is accepted once: the browser's login needs the next period's.
  await new Promise((resolve) => setTimeout(resolve, totp.remaining() + 200));
}

/** Two low-stock items, so the dashboard shows a number the API can contradict. */
async function seedInventory() {
  for (const code of ['UI-SOLVENT-1', 'UI-SOLVENT-2']) {
    const res = await lab.app.inject({
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
  // The same build `npm start` serves; rebuilt only when stale.
  const build = spawnSync(process.execPath, [here('../ensure-build.mjs')], { stdio: 'inherit' });
  expect(build.status).toBe(0);
  expect(existsSync(CHROMIUM), `${CHROMIUM} (apt-get install chromium)`).toBe(true);
  lab = await testLab();
  baseUrl = await lab.app.listen({ host: '127.0.0.1', port: 0 });
  user = await userWithRole(lab, 'admin');
  await seedInventory();
  await enrolMfa();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
  await lab?.close();
});

interface Trouble {
  problems: string[];
  errorResponses: string[];
}

/** Records everything that must not happen; error responses are listed so the test names the expected ones. */
function watch(page: Page): Trouble {
  const trouble: Trouble = { problems: [], errorResponses: [] };
  page.on('console', (message) => {
    // Chromium logs each 4xx as a console error; those are checked through errorResponses instead.
    const text = message.text();
    if (message.type() === 'error' && !text.startsWith('Failed to load resource: the server responded'))
      trouble.problems.push(`console: ${text}`);
  });
  page.on('pageerror', (error) => trouble.problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) =>
    trouble.problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`),
  );
  page.on('response', (response) => {
    if (response.status() >= 400)
      trouble.errorResponses.push(
        `${response.request().method()} ${new URL(response.url()).pathname} ${response.status()}`,
      );
  });
  return trouble;
}

async function expectNoSeriousViolations(page: Page, screen: string) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${screen}: ${v.id} (${v.impact}) ${v.help}`);
  expect(serious).toEqual([]);
}

/** What the API answers the same user, the numbers the dashboard must show. */
async function apiNumbers() {
  const get = async (url: string) => {
    const res = await lab.app.inject({ method: 'GET', url, headers: user.auth });
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
    // axe needs a page from an explicit context.
    const context = await browser.newContext();
    const page = await context.newPage();
    const trouble = watch(page);
    await page.goto(`${baseUrl}/`);
    // Signed out: the app sends the browser to the sign-in screen.
    await page.waitForURL(`${baseUrl}/sign-in`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectNoSeriousViolations(page, 'sign-in');
    await page.screenshot({ path: `${SCREENSHOTS}sign-in.png` });

    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(`${user.password}-wrong`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/invalid|credentials/i);

    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Authentication code').fill(totp.generate());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

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
    await page.screenshot({ path: `${SCREENSHOTS}dashboard.png`, fullPage: true });

    expect(trouble.problems).toEqual([]);
    // The wrong password, then the password alone on an MFA account: the two answers the journey provokes.
    expect(trouble.errorResponses).toEqual(['POST /auth/login 401', 'POST /auth/login 401']);
    await context.close();
  });
});
