// The real-Prometheus check: start the lab OS and SynFinance on loopback, a real Prometheus
// scraping them every second with the project's rules, drive a scripted workload, then ask Prometheus
// whether every rule and panel query returns data and whether the expected alerts fire. Last, the raw
// /metrics text of every scraped target is checked against deploy/metrics-catalogue.json: a `verified`
// metric missing from its job's output fails the check, a `planned` one that is there is reported.
//
//   npx tsx tools/live-check/live-check.ts [--report FILE]    (npm run live-check)
//
// It lives in tools/, not in packages/observability, because it starts both apps by path: a shared
// package must not know the apps. The pure parts (PromQL names, the catalogue comparison) stay in
// the package and are imported from it.
//
// Exit 0 when everything passes, 1 otherwise. What may legitimately return no data in a short run is
// listed, each with its reason, in deploy/live-check/allowlist.json.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type CatalogueCheck, checkCatalogue } from '@polymorph/observability/deploy/catalogue-check';
import {
  DEPLOY_DIR,
  loadCatalogue,
  loadDashboards,
  loadRuleGroups,
  recordedSeries,
  seriesNames,
  withoutGrafanaVariables,
} from '@polymorph/observability/deploy/promql';

interface Allowlist {
  /** Rule names or panel ids ("<dashboard uid>/<panel title>") allowed to return no data, with why. */
  no_data: Record<string, string>;
  /** Alerts that must be firing at the end of the workload. */
  expected_alerts: string[];
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ALLOWLIST_FILE = join(DEPLOY_DIR, 'live-check/allowlist.json');
const ADMIN = { email: 'live.check@lab.test', password: 'Cobalt-Meadow-Anchor-31' };
const children: ChildProcess[] = [];

function log(message: string) {
  process.stdout.write(`live-check: ${message}\n`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function start(name: string, command: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  child.on('exit', (code) => {
    if (code !== null && code !== 0) log(`${name} exited ${code}: ${stderr}`);
  });
  children.push(child);
  return child;
}

async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

/** A Prometheus instant query. */
const query = (prom: string, expr: string) => json(`${prom}/api/v1/query?query=${encodeURIComponent(expr)}`);

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  json(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** Lab workload: logins (good and bad), three lockouts, user admin, a signature, audit verification, errors. */
async function labWorkload(lab: string): Promise<void> {
  const login = await post(`${lab}/auth/login`, ADMIN);
  if (login.status !== 200)
    throw new Error(`admin login failed: ${login.status} ${JSON.stringify(login.body)}`);
  const auth = { authorization: `Bearer ${(login.body as { access_token: string }).access_token}` };
  for (let i = 0; i < 3; i++) {
    const email = `locked-${i}@lab.test`;
    await post(
      `${lab}/api/users`,
      { email, name: `Locked ${i}`, password: `Granite-River-Tulip-${i}9`, roles: ['technician'] },
      auth,
    );
    for (let attempt = 0; attempt < 5; attempt++)
      await post(`${lab}/auth/login`, { email, password: `wrong-guess-${attempt}` });
    await post(`${lab}/auth/login`, { email, password: `Granite-River-Tulip-${i}9` }); // refused: locked
  }
  await post(`${lab}/auth/login`, { email: 'nobody@lab.test', password: 'not-a-password' });
  await post(
    `${lab}/api/signatures`,
    {
      record_type: 'user',
      record_id: 'locked-0@lab.test',
      meaning: 'reviewed',
      user_id: ADMIN.email,
      password: ADMIN.password,
    },
    auth,
  );
  await post(
    `${lab}/api/signatures`,
    {
      record_type: 'user',
      record_id: 'locked-1@lab.test',
      meaning: 'reviewed',
      user_id: ADMIN.email,
      password: 'wrong',
    },
    auth,
  );
  // LIMS traffic where the routes exist (a 404 here just means the module is not there yet).
  for (let i = 0; i < 5; i++)
    await post(`${lab}/api/samples`, { name: `Live check sample ${i}`, quantity: 10, unit: 'mg' }, auth);
  await json(`${lab}/api/compliance/audit/verify`, { headers: auth });
  await json(`${lab}/ready`);
  await json(`${lab}/no/such/route`);
  await post(`${lab}/auth/login`, { email: 'not-an-email' });
}

/** SynFinance workload: a generated dataset, normal then drifted scoring traffic, feedback, malformed records. */
async function synfinanceWorkload(api: string): Promise<void> {
  const gen = await fetch(`${api}/api/transactions/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      count: 6000,
      seed: 12,
      fraud_rate: 0.02,
      format: 'jsonl',
      start: '2025-03-01',
      days: 30,
    }),
  });
  if (gen.status !== 200) throw new Error(`synfinance generate answered ${gen.status}`);
  const rows = (await gen.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const score = async (txns: Record<string, unknown>[]) => {
    const r = await post(`${api}/api/fraud/predict/batch`, { transactions: txns });
    if (r.status !== 200)
      throw new Error(`predict/batch answered ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
  };
  await score(rows.slice(0, 2000));
  // Confirmed outcomes for the online precision/recall gauges.
  for (const r of rows.slice(0, 120)) {
    await post(`${api}/api/fraud/feedback`, {
      transaction_id: r['transaction_id'],
      is_fraud: Number(r['is_fraud']),
    });
  }
  // Drift: the same customers, amounts twenty times larger.
  for (let i = 0; i < 2; i++) {
    await score(
      rows.slice(2000 + i * 2000, 4000 + i * 2000).map((r) => ({ ...r, amount: Number(r['amount']) * 20 })),
    );
  }
  await post(`${api}/api/fraud/predict`, { transaction: { amount: 'lots' } });
}

export async function liveCheck(reportFile?: string): Promise<boolean> {
  const allow = JSON.parse(readFileSync(ALLOWLIST_FILE, 'utf8')) as Allowlist;
  const work = await mkdtemp(join(tmpdir(), 'live-check-'));
  const [labPort, synPort, promPort, nodePort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const lab = `http://127.0.0.1:${labPort}`;
  const syn = `http://127.0.0.1:${synPort}`;
  const prom = `http://127.0.0.1:${promPort}`;
  const tsx = join(REPO_ROOT, 'node_modules/.bin/tsx');
  try {
    const labEnv = { POLYMORPH_DATA_DIR: join(work, 'lab'), DATABASE_URL: '', POLYMORPH_LOG_LEVEL: 'warn' };
    const admin = spawnSync(
      tsx,
      ['apps/lab/src/cli.ts', 'create-admin', '--email', ADMIN.email, '--name', 'Live Check'],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...labEnv, POLYMORPH_ADMIN_PASSWORD: ADMIN.password },
        encoding: 'utf8',
      },
    );
    if (admin.status !== 0) throw new Error(`create-admin failed: ${admin.stderr}`);
    start('lab', tsx, ['apps/lab/src/cli.ts', 'start'], {
      ...labEnv,
      POLYMORPH_PORT: String(labPort),
      POLYMORPH_HOST: '127.0.0.1',
    });
    // A small real model, so the scoring API and its metrics are live (train on one seed's data).
    const data = join(work, 'train.csv');
    const model = join(work, 'model.json');
    for (const args of [
      [
        'generate',
        '--count',
        '40000',
        '--seed',
        '11',
        '--fraud-rate',
        '0.02',
        '--start',
        '2025-01-01',
        '--days',
        '60',
        '--format',
        'csv',
        '--out',
        data,
        '--quiet',
      ],
      ['train', '--data', data, '--model', model, '--trees', '30', '--depth', '4', '--test-days', '14'],
    ]) {
      const r = spawnSync(tsx, ['apps/synfinance/src/cli.ts', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`synfinance ${args[0]} failed: ${r.stderr}`);
    }
    start('synfinance', tsx, ['apps/synfinance/src/cli.ts', 'serve'], {
      SYNFINANCE_PORT: String(synPort),
      SYNFINANCE_HOST: '127.0.0.1',
      SYNFINANCE_RATE_LIMIT: '0',
      SYNFINANCE_MODEL_PATH: model,
    });
    const withNode = existsSync('/usr/bin/prometheus-node-exporter');
    if (withNode)
      start(
        'node-exporter',
        '/usr/bin/prometheus-node-exporter',
        [`--web.listen-address=127.0.0.1:${nodePort}`],
        {},
      );
    const config = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: loadRuleGroupsFiles(),
      scrape_configs: [
        { job_name: 'lab', static_configs: [{ targets: [`127.0.0.1:${labPort}`] }] },
        { job_name: 'synfinance', static_configs: [{ targets: [`127.0.0.1:${synPort}`] }] },
        { job_name: 'prometheus', static_configs: [{ targets: [`127.0.0.1:${promPort}`] }] },
        ...(withNode ? [{ job_name: 'node', static_configs: [{ targets: [`127.0.0.1:${nodePort}`] }] }] : []),
      ],
    };
    await writeFile(join(work, 'prometheus.yml'), JSON.stringify(config, null, 2)); // JSON is valid YAML
    start(
      'prometheus',
      'prometheus',
      [
        `--config.file=${join(work, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(work, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      {},
    );
    await Promise.all([waitFor(`${lab}/health`), waitFor(`${syn}/health`), waitFor(`${prom}/-/ready`)]);
    // Counters need a scraped baseline before the workload, or their first sample already holds it all
    // and rate() and increase() see nothing.
    const jobs = config.scrape_configs.length;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { body } = await query(prom, 'count_over_time(up[1m]) >= 3');
      if (((body as { data?: { result: unknown[] } }).data?.result.length ?? 0) >= jobs) break;
      if (Date.now() > deadline)
        throw new Error('Prometheus did not scrape every target three times within 60 s');
      await sleep(500);
    }
    log('apps and Prometheus are up and scraped; driving the workload');
    await labWorkload(lab);
    await synfinanceWorkload(syn);
    // Let rules with `for:` durations (drift: 2m) elapse while traffic continues.
    const until = Date.now() + Number(process.env['LIVE_CHECK_SOAK_S'] ?? 150) * 1000;
    while (Date.now() < until) {
      await json(`${lab}/health`);
      await json(`${syn}/health`);
      await sleep(1000);
    }
    for (const q of (process.env['LIVE_CHECK_DEBUG'] ?? '').split(';').filter(Boolean)) {
      log(`debug ${q} => ${JSON.stringify((await query(prom, q)).body).slice(0, 400)}`);
    }
    // The raw text of every target's /metrics after the workload, for the catalogue check.
    const expositions: Record<string, string> = {};
    for (const sc of config.scrape_configs) {
      const url = `http://${sc.static_configs[0]!.targets[0]}/metrics`;
      const res = await fetch(url);
      if (!res.ok) throw new Error(`${sc.job_name}: GET ${url} answered ${res.status}`);
      expositions[sc.job_name] = await res.text();
    }
    return await assess(prom, allow, expositions, reportFile);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await sleep(500);
    await rm(work, { recursive: true, force: true });
  }
}

function loadRuleGroupsFiles(): string[] {
  return ['recording.yml', 'synfinance.yml', 'polymorph.yml'].map((f) =>
    join(DEPLOY_DIR, 'prometheus/rules', f),
  );
}

async function instantQuery(
  prom: string,
  expr: string,
): Promise<{ ok: boolean; samples: number; error?: string }> {
  const { body } = await query(prom, expr);
  const b = body as { status: string; error?: string; data?: { result: unknown[] } };
  if (b.status !== 'success') return { ok: false, samples: 0, error: b.error ?? 'query failed' };
  return { ok: true, samples: b.data?.result.length ?? 0 };
}

/**
 * An alert expression returns data only while it fires; "returns data" for a rule means its
 * *operand* has series: the expression with its final comparison removed.
 */
function operand(expr: string): string {
  return expr.trim().replace(/\s*(==|!=|>=|<=|>|<)\s*[-0-9.e+*/\s()]+$/i, '');
}

async function assess(
  prom: string,
  allow: Allowlist,
  expositions: Record<string, string>,
  reportFile?: string,
): Promise<boolean> {
  const results: {
    id: string;
    expr: string;
    ok: boolean;
    samples: number;
    error?: string;
    allowed?: string;
  }[] = [];
  for (const group of loadRuleGroups()) {
    for (const rule of group.rules) {
      const id = rule.alert ?? rule.record ?? '?';
      const expr = rule.alert ? operand(rule.expr) : rule.expr;
      results.push({ id, expr, ...(await instantQuery(prom, expr)) });
    }
  }
  for (const d of loadDashboards()) {
    for (const p of d.panels) {
      for (const t of p.targets ?? []) {
        const expr = withoutGrafanaVariables(t.expr);
        results.push({ id: `${d.uid}/${p.title}`, expr, ...(await instantQuery(prom, expr)) });
      }
    }
  }
  const failures = results.filter((r) => !r.ok || (r.samples === 0 && !allow.no_data[r.id]));
  for (const r of results) if (r.samples === 0 && allow.no_data[r.id]) r.allowed = allow.no_data[r.id];

  const firing = await query(prom, 'ALERTS{alertstate="firing"}');
  const firingNames = new Set(
    ((firing.body as { data?: { result: { metric: { alertname: string } }[] } }).data?.result ?? []).map(
      (r) => r.metric.alertname,
    ),
  );
  const missingAlerts = allow.expected_alerts.filter((a) => !firingNames.has(a));

  // Every metric a rule or panel reads must be exposed by a scraped target (or recorded by a rule).
  const recorded = recordedSeries(loadRuleGroups());
  const { body: namesBody } = await json(`${prom}/api/v1/label/__name__/values`);
  const exposed = new Set((namesBody as { data: string[] }).data);
  const used = new Set(results.flatMap((r) => seriesNames(r.expr)));
  const unexposed = [...used].filter(
    (n) => !exposed.has(n) && !recorded.has(n) && n !== 'ALERTS' && !allow.no_data[`metric:${n}`],
  );

  const catalogue = checkCatalogue(loadCatalogue(), expositions);

  const report = {
    queries: results.length,
    with_data: results.filter((r) => r.samples > 0).length,
    allowed_no_data: results.filter((r) => r.allowed).length,
    failures: failures.map(({ id, expr, error }) => ({ id, expr, error: error ?? 'no data' })),
    firing: [...firingNames].sort(),
    missing_alerts: missingAlerts,
    unexposed_metrics: unexposed.sort(),
    catalogue: catalogueSummary(catalogue),
    catalogue_findings: catalogue,
  };
  if (reportFile) await writeFile(reportFile, `${JSON.stringify({ ...report, results }, null, 2)}\n`);
  log(
    `${report.queries} queries: ${report.with_data} with data, ${report.allowed_no_data} allow-listed, ${report.failures.length} failing; firing: ${report.firing.join(', ') || 'none'}`,
  );
  for (const f of report.failures)
    log(`FAIL ${f.id}: ${f.error} :: ${f.expr.replace(/\s+/g, ' ').slice(0, 160)}`);
  for (const a of missingAlerts) log(`FAIL expected alert not firing: ${a}`);
  for (const n of report.unexposed_metrics) log(`FAIL metric not exposed by any app: ${n}`);
  const c = report.catalogue;
  log(
    `catalogue against /metrics of ${Object.keys(expositions).join(', ')}: ${c.checked} metrics checked, ` +
      `${c.verified_seen} verified and seen, ${c.verified_missing.length} verified but missing, ` +
      `${c.planned_seen.length} planned but seen, ${c.planned_not_seen.length} planned and not seen` +
      (c.unchecked.length ? `; not checked here: ${c.unchecked.join(', ')}` : ''),
  );
  for (const f of catalogue.missing)
    log(
      `FAIL catalogue metric ${f.name} is "verified" but job ${f.job}'s /metrics has no ${f.expected} sample` +
        (f.declaredOnly ? ' (only its # TYPE line: declared, never set)' : ''),
    );
  for (const f of catalogue.unexpected)
    log(
      `NOTE catalogue metric ${f.name} is "planned" but job ${f.job} exposes it: set "status": "verified" in deploy/metrics-catalogue.json`,
    );
  for (const f of catalogue.stillPlanned)
    log(
      `note: planned metric ${f.name} not on job ${f.job}'s /metrics` +
        (f.declaredOnly ? ' (declared with # TYPE, no sample yet)' : ''),
    );
  return (
    report.failures.length === 0 &&
    missingAlerts.length === 0 &&
    unexposed.length === 0 &&
    catalogue.missing.length === 0
  );
}

/** Per metric rather than per (metric, job): a metric counts as seen when every checked job exposes it. */
function catalogueSummary(c: CatalogueCheck) {
  const names = (fs: { name: string }[]) => new Set(fs.map((f) => f.name));
  const missing = names(c.missing);
  const notSeen = names(c.stillPlanned);
  const checked = new Set([...names(c.confirmed), ...missing, ...names(c.unexpected), ...notSeen]);
  return {
    checked: checked.size,
    verified_seen: [...names(c.confirmed)].filter((n) => !missing.has(n)).length,
    verified_missing: [...missing].sort(),
    planned_seen: [...names(c.unexpected)].filter((n) => !notSeen.has(n)).sort(),
    planned_not_seen: [...notSeen].sort(),
    unchecked: [...new Set(c.unchecked.filter((u) => !checked.has(u.name)).map((u) => u.name))].sort(),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { report: { type: 'string' } } });
  liveCheck(values.report).then(
    (ok) => process.exit(ok ? 0 : 1),
    (err: unknown) => {
      for (const c of children) c.kill('SIGKILL');
      process.stderr.write(`live-check: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
