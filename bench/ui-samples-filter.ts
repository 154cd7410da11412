// npm run bench:ui-samples — the samples table with 10,000 samples, in Chromium against the lab served
// on a local port (the real app with the current UI build; in-memory PGlite, or PostgreSQL when
// TEST_DATABASE_URL is set). For ~20 filters typed or chosen in the table's controls it measures the
// time from the input to the table showing exactly the filtered rows the API answers, and, in the same
// run right after each, the baseline: the bare HTTP call to GET /api/samples for the same filter.
// Target: median and p95 under 300 ms.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { buildApp } from '../apps/lab/src/app.ts';
import { ensureDefaultSite } from '../apps/lab/src/modules/sites/port.ts';
import { syncRolePermissions } from '../apps/lab/src/modules/users/service.ts';
import { generateServerKeyPair } from '../apps/lab/src/platform/signatures/server-key.ts';
import { TEST_CONFIG } from '../apps/lab/src/testing/lab-app.ts';
import { migratedDatabase } from '../apps/lab/src/testing/test-database.ts';

const SAMPLES = Number(process.env['BENCH_SAMPLES'] ?? 10_000);
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const MATRICES = ['plasma', 'serum', 'urine', 'saliva', 'tablet', 'powder', 'solution'];
const PROJECTS = ['STAB-2026', 'STAB-2027', 'PK-0042', 'FORM-II', 'IMPURITY-7'];

// The page's DOM as far as the predicate in shown() uses it: the bench compiles without the DOM types.
interface PageNode {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): Iterable<PageNode>;
}
declare const document: { body: PageNode; querySelector(selector: string): PageNode | null };

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const ms = (x: number) => Math.round(x * 10) / 10;

const build = spawnSync(
  process.execPath,
  [fileURLToPath(new URL('../apps/lab-web/ensure-build.mjs', import.meta.url))],
  {
    stdio: 'inherit',
  },
);
if (build.status !== 0) process.exit(1);

// The app as production builds it (no test-only response contract check on each answer).
const { database, cleanup } = await migratedDatabase();
const app = await buildApp({
  config: { ...TEST_CONFIG, env: 'production', logLevel: 'silent' },
  database,
  secrets: { tokenKey: new Uint8Array(randomBytes(32)), signingKey: generateServerKeyPair() },
});
await syncRolePermissions(app.lab.uow);
await ensureDefaultSite(app.lab.uow);
const user = {
  email: 'bench-scientist@lab.test',
  password: `Quartz-Lantern-${randomBytes(6).toString('hex')}`,
};
await app.lab.users.create(
  { ...user, name: 'Bench scientist', roles: ['scientist'] },
  { actor: 'system:bench', requestId: null, ip: null },
);
const login = await app.inject({ method: 'POST', url: '/auth/login', payload: user });
const auth = { authorization: `Bearer ${login.json().access_token}` };
const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });

async function call(method: 'GET' | 'POST', url: string, payload?: object) {
  const res = await app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

// Seeded through the API (bulk create, 100 at a time), so each sample also has its audit event.
const seedStart = performance.now();
for (const project_id of PROJECTS) await call('POST', '/api/projects', { project_id, name: project_id });
for (let start = 0; start < SAMPLES; start += 100) {
  const samples = Array.from({ length: Math.min(100, SAMPLES - start) }, (_, k) => {
    const i = start + k;
    const matrix = MATRICES[i % MATRICES.length]!;
    return {
      sample_id: `BENCH-${String(i).padStart(5, '0')}`,
      name: `${matrix} retain ${i}`,
      lot_number: `L-2026-${String(i % 250).padStart(3, '0')}`,
      project_id: PROJECTS[i % PROJECTS.length],
      status: i % 7 === 0 ? 'quarantined' : 'active',
      quantity: 10,
      unit: 'mL',
      metadata: { matrix, storage: i % 2 ? '-80 °C' : '4 °C' },
    };
  });
  await call('POST', '/api/samples/bulk', { samples });
}
const seedSeconds = (performance.now() - seedStart) / 1000;

type Step = { kind: 'q' | 'status' | 'project'; value: string };
// Warm-up (not measured), then the measured filters; each leaves a state no earlier step produced.
const WARMUP: Step[] = [
  { kind: 'q', value: 'BENCH-09' },
  { kind: 'q', value: 'saliva' },
  { kind: 'q', value: '' },
];
const MEASURED: Step[] = [
  { kind: 'q', value: 'BENCH-0042' },
  { kind: 'q', value: 'plasma' },
  { kind: 'status', value: 'quarantined' },
  { kind: 'q', value: 'serum' },
  { kind: 'q', value: 'L-2026-017' },
  { kind: 'status', value: '' },
  { kind: 'q', value: 'L-2026-153' },
  { kind: 'q', value: 'retain 99' },
  { kind: 'project', value: 'PK-0042' },
  { kind: 'q', value: 'urine' },
  { kind: 'status', value: 'quarantined' },
  { kind: 'q', value: 'tablet' },
  { kind: 'project', value: 'STAB-2027' },
  { kind: 'status', value: 'active' },
  { kind: 'q', value: '-80' },
  { kind: 'q', value: 'BENCH-0777' },
  { kind: 'project', value: '' },
  { kind: 'q', value: 'powder retain 12' },
  { kind: 'status', value: '' },
  { kind: 'q', value: 'no such sample' },
  { kind: 'q', value: '' },
];

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
const page = await browser.newPage();
const problems: string[] = [];
page.on('pageerror', (e) => problems.push(e.message));
// Chromium logs each error answer as a console error: those are checked by status instead, and only the
// samples routes must answer (a scientist's dashboard shows the audit cards' 403).
page.on('console', (m) => {
  if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
});
page.on('response', (r) => {
  if (r.status() >= 400 && r.url().includes('/api/samples')) problems.push(`${r.url()} ${r.status()}`);
});

await page.goto(`${baseUrl}/sign-in`);
await page.getByLabel('Email').fill(user.email);
await page.getByLabel('Password').fill(user.password);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Samples' }).click();
await page.getByRole('table', { name: 'Samples' }).waitFor();

const state: Record<Step['kind'], string> = { q: '', status: '', project: '' };
const queryString = () => {
  const p = new URLSearchParams({ limit: '50' });
  if (state.q.trim()) p.set('q', state.q.trim());
  if (state.status) p.set('status', state.status);
  if (state.project) p.set('project_id', state.project);
  return p.toString();
};

async function act(step: Step) {
  state[step.kind] = step.value;
  if (step.kind === 'q') await page.getByLabel('Search', { exact: true }).fill(step.value);
  else if (step.kind === 'status') await page.getByLabel('Status').selectOption(step.value);
  else {
    await page.getByLabel('Project').fill(step.value);
    await page.getByLabel('Project').press('Enter');
  }
}

/** Resolves when the table shows exactly `expected` (or the empty state when there is none). */
async function shown(p: Page, expected: string[]) {
  await p.waitForFunction(
    (ids) => {
      if (ids.length === 0) return document.body.textContent?.includes('No samples match these filters.');
      const table = document.querySelector('table[aria-label="Samples"]');
      if (!table || table.getAttribute('aria-busy') === 'true') return false;
      const cells = [...table.querySelectorAll('tbody tr td:first-child')].map((td) => td.textContent);
      return cells.length === ids.length && cells.every((c, i) => c === ids[i]);
    },
    expected,
    { polling: 'raf', timeout: 30_000 },
  );
}

/** The baseline: the same filter as one bare HTTP call, answer parsed. */
async function apiCall(): Promise<{ ms: number; ids: string[] }> {
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}/api/samples?${queryString()}`, { headers: auth });
  const body = (await res.json()) as { items: { sample_id: string }[] };
  return { ms: performance.now() - t0, ids: body.items.map((s) => s.sample_id) };
}

const ui: number[] = [];
const bare: number[] = [];
for (const [n, step] of [...WARMUP, ...MEASURED].entries()) {
  const next = { ...state, [step.kind]: step.value };
  const saved = { ...state };
  Object.assign(state, next);
  const expected = (await apiCall()).ids;
  Object.assign(state, saved);
  const t0 = performance.now();
  await act(step);
  await shown(page, expected);
  const uiMs = performance.now() - t0;
  const api = await apiCall();
  if (n >= WARMUP.length) {
    ui.push(uiMs);
    bare.push(api.ms);
    console.log(
      `${queryString().padEnd(48)} rows ${String(expected.length).padStart(2)}  ui ${ms(uiMs)} ms  api ${ms(api.ms)} ms`,
    );
  }
}
await browser.close();
await app.close();
await cleanup();
if (problems.length) {
  console.error('console errors in the page:', problems);
  process.exit(1);
}

const uiMedian = quantile(ui, 0.5);
const apiMedian = quantile(bare, 0.5);
console.log(
  JSON.stringify(
    {
      samples: SAMPLES,
      database: process.env['TEST_DATABASE_URL'] ? 'postgresql' : 'pglite (in memory)',
      seed_seconds: Math.round(seedSeconds),
      filters: ui.length,
      ui_ms: { median: ms(uiMedian), p95: ms(quantile(ui, 0.95)), max: ms(Math.max(...ui)) },
      api_ms: { median: ms(apiMedian), p95: ms(quantile(bare, 0.95)) },
      ratio_median_ui_over_api: Math.round((uiMedian / apiMedian) * 10) / 10,
      target_ms: 300,
      machine: `${cpus().length} × ${cpus()[0]?.model}, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    },
    null,
    2,
  ),
);
