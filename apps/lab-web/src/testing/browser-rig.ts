// What every Chromium journey shares: the lab served on a real port with the current UI build, Debian's
// Chromium driven by playwright-core, a watch that fails the journey on any console error or failed
// request, axe, screenshots, and signing in through the UI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import * as OTPAuth from 'otpauth';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { type TestLab, testLab, userWithRole } from '../../../lab/src/testing/lab-app.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
// Screenshots land in a git-ignored folder; `npm run ui:screenshots` points them at docs/ui/ (docs/ui.md).
const SCREENSHOTS = process.env.UI_SCREENSHOT_DIR ?? here('../../screenshots/');

export type LabUser = Awaited<ReturnType<typeof userWithRole>>;

export interface BrowserRig {
  lab: TestLab;
  baseUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Builds the UI if stale (as `npm start` does), serves a fresh lab on a free port, launches Chromium.
 * `config` overrides the lab's settings, e.g. a short idle timeout.
 */
export async function startBrowserRig(config: Parameters<typeof testLab>[0] = {}): Promise<BrowserRig> {
  const build = spawnSync(process.execPath, [here('../../ensure-build.mjs')], { stdio: 'inherit' });
  expect(build.status).toBe(0);
  expect(existsSync(CHROMIUM), `${CHROMIUM} (apt-get install chromium)`).toBe(true);
  const lab = await testLab(config);
  const baseUrl = await lab.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  return {
    lab,
    baseUrl,
    browser,
    async close() {
      await browser.close();
      await lab.close();
    },
  };
}

export interface Trouble {
  problems: string[];
  errorResponses: string[];
}

/** Records everything that must not happen; error responses are listed so a test names the expected ones. */
export function watch(page: Page): Trouble {
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

/** A page in its own context (axe needs one), watched from the first request. */
export async function openPage(
  rig: BrowserRig,
): Promise<{ context: BrowserContext; page: Page; trouble: Trouble }> {
  const context = await rig.browser.newContext();
  const page = await context.newPage();
  return { context, page, trouble: watch(page) };
}

export async function expectNoSeriousViolations(page: Page, screen: string) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${screen}: ${v.id} (${v.impact}) ${v.help}`);
  expect(serious).toEqual([]);
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

/** Enrols the user in MFA over the API, as the enrolment screen does; the secret comes from its URI. */
export async function enrolMfa(lab: TestLab, user: LabUser): Promise<OTPAuth.TOTP> {
  const enroll = await lab.app.inject({ method: 'POST', url: '/auth/mfa/enroll', headers: user.auth });
  expect(enroll.statusCode).toBe(200);
  const totp = OTPAuth.URI.parse(enroll.json().otpauth_uri);
  if (!(totp instanceof OTPAuth.TOTP)) throw new Error('enrolment URI is not TOTP');
  const confirm = await lab.app.inject({
    method: 'POST',
    url: '/auth/mfa/confirm',
    headers: user.auth,
    payload: { code: totp.generate() },
  });
  expect(confirm.statusCode).toBe(200);
  await nextTotpPeriod(totp);
  return totp;
}

/** A code is accepted once: the next use needs the next period's. */
export async function nextTotpPeriod(totp: OTPAuth.TOTP) {
  await new Promise((resolve) => setTimeout(resolve, totp.remaining() + 200));
}

/** Signs in through the sign-in screen (no MFA) and waits for the dashboard. */
export async function signInThroughUi(page: Page, baseUrl: string, user: LabUser) {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await dashboardSettled(page);
}

/**
 * Waits for the dashboard and for every one of its cards to have its answer: a journey that checks
 * the error answers it saw must not look before the dashboard's own requests have come back.
 */
export async function dashboardSettled(page: Page) {
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await page.locator('section.card[aria-busy="true"]').first().waitFor({ state: 'detached' });
}

export { userWithRole };
