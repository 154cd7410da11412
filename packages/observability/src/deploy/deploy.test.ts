// Static checks of deploy/: compose services and variables, the metric catalogue against every rule and
// panel, alert conventions, promtool test coverage, runbooks, dashboards. promtool itself runs in
// .ci/monitoring.sh; no Docker engine is used (docs/deploy.md).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DASHBOARDS, dashboardFileName, renderDashboard } from './dashboards.ts';
import {
  DEPLOY_DIR,
  loadCatalogue,
  loadDashboards,
  loadRuleGroups,
  REPO_ROOT,
  recordedSeries,
  seriesNames,
  unknownMetrics,
  withoutGrafanaVariables,
} from './promql.ts';

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  profiles?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  command?: string[];
  entrypoint?: string[];
  restart?: string;
  secrets?: string[];
}
const compose = parse(read('deploy/compose.yaml'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
};
const services = compose.services;

describe('compose.yaml', () => {
  it('runs postgres, lab and synfinance by default and the monitoring stack under the monitoring profile', () => {
    const byDefault = Object.entries(services)
      .filter(([, s]) => !s.profiles)
      .map(([n]) => n);
    expect(byDefault.sort()).toEqual(['lab', 'lab-migrate', 'postgres', 'synfinance']);
    const monitoring = Object.entries(services)
      .filter(([, s]) => s.profiles?.includes('monitoring'))
      .map(([n]) => n);
    expect(monitoring.sort()).toEqual(['alertmanager', 'grafana', 'node-exporter', 'prometheus']);
  });

  it('gives every long-running service a healthcheck', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.restart === 'no') continue; // one-shot (lab-migrate): compose waits for it to exit 0
      expect(s.healthcheck?.test, name).toBeDefined();
      expect(s.healthcheck!.test.length, name).toBeGreaterThan(1);
    }
    expect(services['lab']!.healthcheck!.test.join(' ')).toContain('http://127.0.0.1:8001/ready');
    expect(services['synfinance']!.healthcheck!.test.join(' ')).toContain('http://127.0.0.1:8000/ready');
  });

  it('stores state in named volumes only, all declared', () => {
    const declared = Object.keys(compose.volumes);
    for (const name of ['postgres', 'lab', 'synfinance', 'prometheus', 'alertmanager', 'grafana']) {
      const named = (services[name]!.volumes ?? [])
        .map((v) => v.split(':')[0]!)
        .filter((v) => !v.startsWith('.'));
      expect(named.length, name).toBeGreaterThan(0);
      for (const v of named) expect(declared, `${name}: ${v}`).toContain(v);
    }
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: compose syntax in a test name
  it('requires variables with ${VAR:?message}, and takes passwords and keys only from secret files', () => {
    const raw = read('deploy/compose.yaml');
    for (const v of ['ALERTMANAGER_WEBHOOK_URL']) {
      expect(raw, v).toMatch(new RegExp(`\\$\\{${v}:\\?[^}]+\\}`));
      expect(raw, `${v} must have no default`).not.toMatch(new RegExp(`\\$\\{${v}:?-`));
    }
    // Every ${...} in the file is either required (:?) or an optional non-secret.
    const optional = [...raw.matchAll(/\$\{(\w+):?-[^}]*\}/g)].map((m) => m[1]);
    for (const v of optional) expect(v).not.toMatch(/PASSWORD|SECRET|TOKEN|KEY/);
    expect(raw).not.toMatch(/admin123|changeme/i);
    // The app services: every secret is a NAME_FILE variable naming a mounted secret of their own.
    const declared = compose.secrets;
    for (const name of ['postgres', 'lab-migrate', 'lab', 'synfinance', 'grafana']) {
      const s = services[name]!;
      for (const [variable, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|SECRET|KEY|DATABASE_URL/.test(variable)) {
          expect(variable, `${name}: ${variable}`).toMatch(/_FILE$/);
          const secret = String(value).replace(/^\/run\/secrets\//, '');
          expect(s.secrets, `${name}: ${variable}`).toContain(secret);
          expect(declared[secret]?.file, secret).toBe(`./secrets/${secret}`);
        }
      }
    }
  });

  it('runs migrations as the owner before the lab, which connects as the application role', () => {
    const lab = services['lab']!.environment!;
    expect(lab['DATABASE_URL_FILE']).toBe('/run/secrets/lab_app_database_url');
    expect(lab['POLYMORPH_ENV']).toBe('production');
    expect(lab['POLYMORPH_HOST']).toBe('0.0.0.0');
    expect(lab['POLYMORPH_PORT']).toBe('8001');
    expect(services['lab-migrate']!.environment!['DATABASE_URL_FILE']).toBe(
      '/run/secrets/lab_owner_database_url',
    );
    expect(services['lab-migrate']!.command).toEqual([
      'node_modules/.bin/tsx',
      'apps/lab/src/cli.ts',
      'grant-app-role',
      '--role',
      'polymorph_app',
    ]);
    expect(services['lab']!.depends_on!['lab-migrate']!.condition).toBe('service_completed_successfully');
    expect(services['lab-migrate']!.depends_on!['postgres']!.condition).toBe('service_healthy');
    expect(services['synfinance']!.environment!['SYNFINANCE_PORT']).toBe('8000');
  });

  it('scrapes the apps on the ports they listen on (prometheus.yml)', () => {
    const prom = parse(read('deploy/prometheus/prometheus.yml')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      rule_files: string[];
    };
    const targets = Object.fromEntries(
      prom.scrape_configs.map((c) => [c.job_name, c.static_configs[0]!.targets]),
    );
    expect(targets).toEqual({
      prometheus: ['localhost:9090'],
      lab: ['lab:8001'],
      synfinance: ['synfinance:8000'],
      node: ['node-exporter:9100'],
    });
    expect(prom.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual(['alertmanager:9093']);
    for (const f of prom.rule_files) expect(existsSync(join(DEPLOY_DIR, 'prometheus', f)), f).toBe(true);
  });

  it('mounts the committed monitoring config and renders the Alertmanager template at start', () => {
    expect(services['prometheus']!.volumes).toContain('./prometheus:/etc/prometheus:ro');
    expect(services['grafana']!.volumes).toContain('./grafana/provisioning:/etc/grafana/provisioning:ro');
    expect(services['grafana']!.volumes).toContain('./grafana/dashboards:/var/lib/grafana/dashboards:ro');
    expect(services['alertmanager']!.command!.join(' ')).toContain(
      'render.sh /etc/alertmanager/alertmanager.yml.tmpl',
    );
    const ds = read('deploy/grafana/provisioning/datasources/prometheus.yml');
    expect(ds).toContain('uid: prometheus');
    expect(ds).toContain('url: http://prometheus:9090');
    expect(read('deploy/grafana/provisioning/dashboards/polymorph.yml')).toContain(
      'path: /var/lib/grafana/dashboards',
    );
  });
});

describe('Dockerfiles', () => {
  const workspaces = ['apps', 'packages'].flatMap((dir) =>
    readdirSync(join(REPO_ROOT, dir))
      .filter((w) => existsSync(join(REPO_ROOT, dir, w, 'package.json')))
      .map((w) => `${dir}/${w}`),
  );
  for (const [app, port, command] of [
    ['lab', 8001, 'apps/lab/src/cli.ts", "start"'],
    ['synfinance', 8000, 'apps/synfinance/src/cli.ts", "serve"'],
  ] as const) {
    it(`Dockerfile.${app}: multi-stage, every workspace manifest before npm ci, non-root, healthcheck, start command`, () => {
      const df = read(`deploy/Dockerfile.${app}`);
      expect(df.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
      expect(df).toMatch(/COPY --from=build/);
      for (const w of workspaces) expect(df, w).toContain(`COPY ${w}/package.json ${w}/`);
      expect(df).toMatch(/RUN npm ci/);
      expect(df).toMatch(/^USER node$/m);
      expect(df).toMatch(new RegExp(`HEALTHCHECK[\\s\\S]*127\\.0\\.0\\.1:${port}/ready`));
      expect(df).toContain(`EXPOSE ${port}`);
      expect(df).toContain(command);
      // node is PID 1 and gets SIGTERM itself: the tsx CLI would SIGKILL a child slow to acknowledge it.
      expect(df).toContain('CMD ["node", "--import", "tsx", ');
      // The lab's image serves the web UI at /, so the build stage builds it.
      if (app === 'lab') expect(df).toContain('RUN node apps/lab-web/ensure-build.mjs');
      const build = services[app]!.build!;
      expect(build).toEqual({ context: '..', dockerfile: `deploy/Dockerfile.${app}` });
    });
  }
});

const groups = loadRuleGroups();
const alerts = groups.flatMap((g) => g.rules.filter((r) => r.alert).map((r) => ({ ...r, group: g.name })));
const catalogue = loadCatalogue();
const recorded = recordedSeries(groups);
const dashboards = loadDashboards();

describe('metric catalogue', () => {
  it('lists each metric once, with a type and the jobs exposing it', () => {
    const names = catalogue.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    for (const e of catalogue) {
      expect(['counter', 'gauge', 'histogram', 'summary'], e.name).toContain(e.type);
      expect(e.jobs.length, e.name).toBeGreaterThan(0);
      if (e.type === 'counter') expect(e.name, 'counters end in _total').toMatch(/_total$/);
    }
  });

  it('covers every metric name used by a rule (recorded series expanded)', () => {
    for (const g of groups)
      for (const r of g.rules) {
        const names = seriesNames(r.expr);
        expect(names.length, r.alert ?? r.record).toBeGreaterThan(0);
        expect(unknownMetrics(names, catalogue, recorded), r.alert ?? r.record).toEqual([]);
      }
  });

  it('covers every metric name used by a dashboard panel', () => {
    for (const d of dashboards)
      for (const p of d.panels)
        for (const t of p.targets ?? []) {
          const names = seriesNames(withoutGrafanaVariables(t.expr));
          expect(names.length, `${d.file}: ${p.title}`).toBeGreaterThan(0);
          expect(unknownMetrics(names, catalogue, recorded), `${d.file}: ${p.title}`).toEqual([]);
        }
  });
});

describe('alert rules', () => {
  it('has at least 31 alerts in the issue-7 groups, uniquely named in CamelCase', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(31);
    const names = alerts.map((a) => a.alert!);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+$/);
    const byGroup = Object.fromEntries(groups.map((g) => [g.name, g.rules.filter((r) => r.alert).length]));
    expect(byGroup).toMatchObject({
      synfinance_critical: 12,
      synfinance_warning: 11,
      synfinance_data_quality: 5,
      synfinance_availability: 3,
    });
    expect(byGroup['polymorph_compliance']).toBeGreaterThanOrEqual(3);
    expect(byGroup['polymorph_operations']).toBeGreaterThanOrEqual(6);
    // One alert at least per run-engine metric (runs, step duration, interlock trips, claim lag).
    expect(byGroup['polymorph_runs']).toBeGreaterThanOrEqual(4);
    for (const metric of [
      'polymorph_runs_total',
      'polymorph_run_step_duration_seconds',
      'polymorph_interlock_trips_total',
      'polymorph_engine_claim_lag_seconds',
    ])
      expect(
        alerts.some((a) => a.group === 'polymorph_runs' && a.expr.includes(metric)),
        metric,
      ).toBe(true);
  });

  it('gives every alert severity and component labels, and summary/description with $value and a runbook', () => {
    for (const a of alerts) {
      expect(['critical', 'warning', 'info'], a.alert).toContain(a.labels?.['severity']);
      expect(a.labels?.['component'], a.alert).toMatch(/^[a-z-]+$/);
      expect(a.annotations?.['summary'], a.alert).toBeTruthy();
      expect(`${a.annotations?.['summary']} ${a.annotations?.['description']}`, a.alert).toContain('$value');
      expect(a.annotations?.['runbook_url'], a.alert).toBe(`docs/runbooks/${a.alert}.md`);
    }
  });

  it('has a runbook for every alert, with meaning, first checks and fix', () => {
    for (const a of alerts) {
      const path = join(REPO_ROOT, 'docs/runbooks', `${a.alert}.md`);
      expect(existsSync(path), path).toBe(true);
      const text = readFileSync(path, 'utf8');
      expect(text, a.alert).toContain(`# ${a.alert}`);
      for (const h of ['## What it means', '## First checks', '## How to fix'])
        expect(text, `${a.alert}: ${h}`).toContain(h);
    }
  });

  it('guards the ratio alerts against zero traffic', () => {
    const ratioRecord = groups
      .flatMap((g) => g.rules)
      .find((r) => r.record === 'job_instance:http_server_requests_error_ratio:rate5m');
    expect(ratioRecord?.expr).toMatch(/\/\s*\(job_instance:http_server_requests:rate5m > 0\)/);
    for (const a of alerts.filter((x) => /\s\/\s/.test(x.expr))) expect(a.expr, a.alert).toMatch(/> 0\)/);
  });
});

interface PromtoolTests {
  rule_files: string[];
  tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

describe('promtool unit tests', () => {
  const dir = join(DEPLOY_DIR, 'prometheus/tests');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
  const cases = files.flatMap((f) =>
    (parse(readFileSync(join(dir, f), 'utf8')) as PromtoolTests).tests.flatMap(
      (t) => t.alert_rule_test ?? [],
    ),
  );

  it('have a firing and a not-firing case for every alert', () => {
    for (const a of alerts) {
      const mine = cases.filter((c) => c.alertname === a.alert);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length > 0),
        `${a.alert} firing`,
      ).toBe(true);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `${a.alert} not firing`,
      ).toBe(true);
    }
    const names = new Set(alerts.map((a) => a.alert));
    for (const c of cases) expect(names, `test for unknown alert ${c.alertname}`).toContain(c.alertname);
  });
});

describe('Grafana dashboards', () => {
  it('are the committed output of dashboards.ts', () => {
    expect(dashboards.map((d) => d.file)).toEqual(DASHBOARDS.map(dashboardFileName).sort());
    for (const spec of DASHBOARDS) {
      expect(read(`deploy/grafana/dashboards/${dashboardFileName(spec)}`), spec.uid).toBe(
        renderDashboard(spec),
      );
    }
  });

  it('are at least 6 with at least 46 panels, each with job and instance variables and a query', () => {
    expect(dashboards.length).toBeGreaterThanOrEqual(6);
    expect(dashboards.reduce((n, d) => n + d.panels.length, 0)).toBeGreaterThanOrEqual(46);
    expect(dashboards.map((d) => d.title).sort()).toEqual([
      'Data quality',
      'Fraud detection',
      'Lab operations',
      'POLYMORPH runs',
      'Performance analytics',
      'System overview',
    ]);
    for (const d of dashboards) {
      expect(
        d.templating.list.map((v) => v.name),
        d.file,
      ).toEqual(['job', 'instance']);
      const uids = new Set<string>();
      for (const p of d.panels) {
        expect(p.targets?.length, `${d.file}: ${p.title}`).toBeGreaterThan(0);
        uids.add(p.title);
      }
      expect(uids.size, `${d.file}: panel titles are unique`).toBe(d.panels.length);
    }
  });

  it('filter app queries by the job and instance variables', () => {
    for (const d of dashboards)
      for (const p of d.panels)
        for (const t of p.targets ?? [])
          if (!t.expr.includes('job="node"'))
            expect(t.expr, `${d.file}: ${p.title}`).toContain('job=~"$job", instance=~"$instance"');
  });
});
