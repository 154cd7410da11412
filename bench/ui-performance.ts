// npm run bench:ui-performance — the web UI in Debian's Chromium (playwright-core) against the lab served
// on a local port: the JavaScript the browser loads to reach the dashboard (raw, and gzipped as the lab
// would send it), and the first contentful paint (Performance API `paint` entries) of the dashboard's URL
// `/`, cold and warm cache, next to a static minimal HTML page served by the same lab in the same run;
// then the dashboard opened signed in (session restored by the refresh cookie): FCP and LCP.
// Also the time from pressing "Sign in" to the dashboard's cards all showing data.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, gzipSync } from 'node:zlib';
import { type Browser, chromium, type Page } from 'playwright-core';
import { buildApp } from '../apps/lab/src/app.ts';
import { ensureDefaultSite } from '../apps/lab/src/modules/sites/port.ts';
import { syncRolePermissions } from '../apps/lab/src/modules/users/service.ts';
import { generateServerKeyPair } from '../apps/lab/src/platform/signatures/server-key.ts';
import { TEST_CONFIG, type TestLab, userWithRole } from '../apps/lab/src/testing/lab-app.ts';
import { migratedDatabase } from '../apps/lab/src/testing/test-database.ts';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 11);
const SIGN_IN_RUNS = Number(process.env['BENCH_SIGN_IN_RUNS'] ?? 5);
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const BUDGET_GZIP_KB = 250;
const BUDGET_FCP_MS = 1000;
const repo = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const kb = (bytes: number) => (bytes / 1000).toFixed(1);
const BASELINE_HTML =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Baseline</title></head>' +
  '<body><main><h1>Baseline</h1><p>A static page: no script, no stylesheet.</p></main></body></html>';

/** A copy of the current build with the baseline page among its assets, so the lab serves both. */
function webRootWithBaseline(): string {
  const build = spawnSync(process.execPath, [repo('apps/lab-web/ensure-build.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the web UI does not build');
  const root = mkdtempSync(join(tmpdir(), 'ui-bench-'));
  cpSync(repo('apps/lab-web/dist'), root, { recursive: true });
  writeFileSync(join(root, 'assets', 'bench-baseline.html'), BASELINE_HTML);
  return root;
}

/**
 * The lab as the tests build it (embedded PGlite unless TEST_DATABASE_URL), without the tests' response
 * contract check: that is test instrumentation, not part of what a browser is served.
 */
async function lab(webRoot: string): Promise<TestLab> {
  const { database, superuser, cleanup } = await migratedDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'ui-bench-data-'));
  const app = await buildApp({
    dataDir,
    // Sign-in runs log in from one address more often than the default per-minute limit allows.
    config: { ...TEST_CONFIG, loginMaxPerAddress: 1000, loginMaxPerAccount: 1000 },
    database,
    secrets: { tokenKey: new Uint8Array(randomBytes(32)), signingKey: generateServerKeyPair() },
    webRoot,
  });
  await syncRolePermissions(app.lab.uow);
  await ensureDefaultSite(app.lab.uow);
  const close = async () => {
    await app.close();
    await cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { app, database, superuser, dataDir, close };
}

/** Whether the lab compresses what it serves when the browser offers gzip and brotli. */
async function contentEncoding(url: string): Promise<string> {
  const res = await fetch(url, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
  await res.arrayBuffer();
  return res.headers.get('content-encoding') ?? 'none';
}

/** The first contentful paint of the page's current document, in ms from navigation start. */
async function firstContentfulPaint(page: Page): Promise<number> {
  const entry = 'first-contentful-paint';
  await page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, entry);
  return page.evaluate((name) => performance.getEntriesByName(name)[0]?.startTime ?? Number.NaN, entry);
}

async function fcpCold(browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'load' });
  const fcp = await firstContentfulPaint(page);
  await context.close();
  return fcp;
}

/**
 * The largest contentful paint so far (the last buffered `largest-contentful-paint` entry): its time in
 * ms and what it painted (tag and start of its text), so the report shows it is the dashboard.
 */
async function largestContentfulPaint(page: Page): Promise<{ ms: number; element: string }> {
  // A string: the entry type is the browser's, unknown to the Node typings this file compiles with.
  const last: unknown = await page.evaluate(`new Promise((resolve) => {
    new PerformanceObserver((list) => {
      const e = list.getEntries().at(-1);
      const text = (e?.element?.textContent ?? '').trim().slice(0, 40);
      resolve(JSON.stringify({ ms: e?.startTime ?? null, element: (e?.element?.tagName ?? '?') + ' "' + text + '"' }));
    }).observe({ type: 'largest-contentful-paint', buffered: true });
  })`);
  const parsed: { ms: number | null; element: string } = JSON.parse(String(last));
  return { ms: parsed.ms ?? Number.NaN, element: parsed.element };
}

interface SignedInLoads {
  fcp: number[];
  lcp: number[];
  lcpElements: string[];
}

/**
 * The dashboard as a signed-in user opens it: signed in once, then `RUNS` loads of `/`, each until every
 * card shows data; the refresh cookie restores the session on each load. Warm: one context (its HTTP
 * cache primed). Cold: a new context (empty cache) per load, carrying the cookies the previous load left
 * (the refresh token is single use, so each load hands on the rotated one). FCP is the first paint (the
 * app's "Loading…" while the session is restored, or the dashboard); LCP is the dashboard's largest
 * element once painted, which the report names.
 */
async function dashboardSignedIn(
  browser: Browser,
  baseUrl: string,
  user: { email: string; password: string },
  cache: 'warm' | 'cold',
): Promise<SignedInLoads> {
  let context = await browser.newContext();
  let page = await context.newPage();
  await signIn(page, baseUrl, user);
  const loads: SignedInLoads = { fcp: [], lcp: [], lcpElements: [] };
  for (let i = 0; i < RUNS; i++) {
    if (cache === 'cold') {
      const storageState = await context.storageState();
      await context.close();
      context = await browser.newContext({ storageState });
      page = await context.newPage();
    }
    await page.goto(`${baseUrl}/`, { waitUntil: 'load' });
    await dashboardFilled(page);
    loads.fcp.push(await firstContentfulPaint(page));
    const largest = await largestContentfulPaint(page);
    loads.lcp.push(largest.ms);
    if (!loads.lcpElements.includes(largest.element)) loads.lcpElements.push(largest.element);
  }
  await context.close();
  return loads;
}

/** One context (one HTTP cache) primed by a first load, then `RUNS` loads measured. */
async function fcpWarm(browser: Browser, url: string): Promise<number[]> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'load' });
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto(url, { waitUntil: 'load' });
    times.push(await firstContentfulPaint(page));
  }
  await context.close();
  return times;
}

interface Script {
  url: string;
  raw: number;
  gzip9: number;
  gzip6: number;
  encoding: string;
}

async function signIn(page: Page, baseUrl: string, user: { email: string; password: string }) {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  const started = Date.now();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await dashboardFilled(page);
  return Date.now() - started;
}

async function dashboardFilled(page: Page) {
  for (const label of ['Runs in progress', 'Low-stock items', 'Expiring lots', 'Audit chain status'])
    await page.getByRole('status', { name: label, exact: true }).waitFor();
  await page.getByRole('table').getByRole('row').nth(1).waitFor();
}

/** Every script the browser fetches from `/` through sign-in to the filled dashboard, and its sizes. */
async function dashboardScripts(browser: Browser, lab: TestLab, baseUrl: string): Promise<Script[]> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const pending: Promise<Script>[] = [];
  page.on('response', (response) => {
    if (response.request().resourceType() !== 'script') return;
    pending.push(
      response.body().then((body) => ({
        url: new URL(response.url()).pathname,
        raw: body.length,
        gzip9: gzipSync(body, { level: constants.Z_BEST_COMPRESSION }).length,
        gzip6: gzipSync(body, { level: 6 }).length,
        encoding: response.headers()['content-encoding'] ?? 'none',
      })),
    );
  });
  await signIn(page, baseUrl, await userWithRole(lab, 'admin'));
  await page.waitForLoadState('networkidle');
  const scripts = await Promise.all(pending);
  await context.close();
  return scripts;
}

/** Every script of the build, to show what the dashboard does not load (the lazily loaded screens). */
function builtScripts(root: string): { name: string; raw: number; gzip9: number }[] {
  const dir = join(root, 'assets');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.js'))
    .map((name) => {
      const body = readFileSync(join(dir, name));
      return {
        name,
        raw: body.length,
        gzip9: gzipSync(body, { level: constants.Z_BEST_COMPRESSION }).length,
      };
    });
}

async function main() {
  const root = webRootWithBaseline();
  const served = await lab(root);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const baseUrl = await served.app.listen({ host: '127.0.0.1', port: 0 });
    const dashboardUrl = `${baseUrl}/`;
    const baselineUrl = `${baseUrl}/assets/bench-baseline.html`;
    const scripts = await dashboardScripts(browser, served, baseUrl);
    const firstScript = scripts[0]?.url ?? '/';
    const encoding = {
      index: await contentEncoding(dashboardUrl),
      script: await contentEncoding(`${baseUrl}${firstScript}`),
    };
    const cold = { dashboard: [] as number[], baseline: [] as number[] };
    // Interleaved, so a busy moment on the machine falls on both pages alike.
    for (let i = 0; i < RUNS; i++) {
      cold.dashboard.push(await fcpCold(browser, dashboardUrl));
      cold.baseline.push(await fcpCold(browser, baselineUrl));
    }
    const warm = {
      dashboard: await fcpWarm(browser, dashboardUrl),
      baseline: await fcpWarm(browser, baselineUrl),
    };
    const signedIn = {
      cold: await dashboardSignedIn(browser, baseUrl, await userWithRole(served, 'admin'), 'cold'),
      warm: await dashboardSignedIn(browser, baseUrl, await userWithRole(served, 'admin'), 'warm'),
    };
    const signInTimes: number[] = [];
    for (let i = 0; i < SIGN_IN_RUNS; i++) {
      const context = await browser.newContext();
      signInTimes.push(await signIn(await context.newPage(), baseUrl, await userWithRole(served, 'admin')));
      await context.close();
    }
    report({
      browser: browser.version(),
      scripts,
      built: builtScripts(root),
      encoding,
      cold,
      warm,
      signedIn,
      signInTimes,
    });
  } finally {
    await browser.close();
    await served.close();
    rmSync(root, { recursive: true, force: true });
  }
}

interface Figures {
  browser: string;
  scripts: Script[];
  built: { name: string; raw: number; gzip9: number }[];
  encoding: { index: string; script: string };
  cold: { dashboard: number[]; baseline: number[] };
  warm: { dashboard: number[]; baseline: number[] };
  signedIn: { cold: SignedInLoads; warm: SignedInLoads };
  signInTimes: number[];
}

function report(f: Figures) {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const gzip9 = sum(f.scripts.map((s) => s.gzip9));
  const ms = (xs: number[]) =>
    `${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
  const ratio = (a: number[], b: number[]) => (median(a) / median(b)).toFixed(2);
  const lines = [
    `date: ${new Date().toISOString()}; machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; Chromium ${f.browser}; runs: ${RUNS} (sign-in: ${SIGN_IN_RUNS})`,
    `content-encoding the lab answers to accept-encoding "gzip, deflate, br": index ${f.encoding.index}, script ${f.encoding.script}`,
    '',
    '| script the dashboard loads | raw | gzip -9 | gzip -6 | content-encoding |',
    '|---|---:|---:|---:|---|',
    ...f.scripts.map(
      (s) => `| ${s.url} | ${kb(s.raw)} kB | ${kb(s.gzip9)} kB | ${kb(s.gzip6)} kB | ${s.encoding} |`,
    ),
    `| **total** | ${kb(sum(f.scripts.map((s) => s.raw)))} kB | **${kb(gzip9)} kB** | ${kb(sum(f.scripts.map((s) => s.gzip6)))} kB | |`,
    '',
    `whole build: ${f.built.length} scripts, ${kb(sum(f.built.map((s) => s.raw)))} kB raw, ${kb(sum(f.built.map((s) => s.gzip9)))} kB gzip -9; the dashboard loads ${f.scripts.length} of them`,
    '',
    '| first contentful paint (median of runs) | dashboard `/` | baseline static page | ratio |',
    '|---|---:|---:|---:|',
    `| cold cache (new browser context each run) | ${ms(f.cold.dashboard)} | ${ms(f.cold.baseline)} | ${ratio(f.cold.dashboard, f.cold.baseline)} |`,
    `| warm cache (one context, primed) | ${ms(f.warm.dashboard)} | ${ms(f.warm.baseline)} | ${ratio(f.warm.dashboard, f.warm.baseline)} |`,
    '',
    '| signed in, the session restored by the refresh cookie, `/` loaded until every card is filled | FCP | LCP (the dashboard) | LCP / baseline FCP |',
    '|---|---:|---:|---:|',
    `| cold cache (a new context per load, with the cookies) | ${ms(f.signedIn.cold.fcp)} | ${ms(f.signedIn.cold.lcp)} | ${ratio(f.signedIn.cold.lcp, f.cold.baseline)} |`,
    `| warm cache (one context) | ${ms(f.signedIn.warm.fcp)} | ${ms(f.signedIn.warm.lcp)} | ${ratio(f.signedIn.warm.lcp, f.warm.baseline)} |`,
    `largest contentful paint element(s): ${[...new Set([...f.signedIn.cold.lcpElements, ...f.signedIn.warm.lcpElements])].join('; ')}`,
    '',
    `"Sign in" pressed to every dashboard card filled (median of ${SIGN_IN_RUNS}): ${ms(f.signInTimes)}`,
    '',
    `budgets: initial JavaScript ${kb(gzip9)} kB gzip -9 ≤ ${BUDGET_GZIP_KB} kB: ${gzip9 <= BUDGET_GZIP_KB * 1000 ? 'met' : 'NOT MET'}; ` +
      `FCP of / cold ${median(f.cold.dashboard).toFixed(0)} ms, warm ${median(f.warm.dashboard).toFixed(0)} ms, signed-in dashboard LCP cold ${median(f.signedIn.cold.lcp).toFixed(0)} ms, warm ${median(f.signedIn.warm.lcp).toFixed(0)} ms < ${BUDGET_FCP_MS} ms: ${Math.max(median(f.cold.dashboard), median(f.warm.dashboard), median(f.signedIn.cold.lcp), median(f.signedIn.warm.lcp)) < BUDGET_FCP_MS ? 'met' : 'NOT MET'}`,
  ];
  console.log(lines.join('\n'));
}

await main();
