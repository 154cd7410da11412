// Static helpers for deploy/: which metric names a PromQL expression reads, and the rule and dashboard
// files as data. No PromQL parser is used; the tokenizer below is enough for the expressions we write
// and is itself tested (promql.test.ts), and promtool parses every expression in CI.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'atan2',
  'inf',
  'nan',
]);

/**
 * Identifiers in an expression that name series (metrics or recorded series). Strings, label matchers,
 * range selectors, grouping label lists, numbers and function calls are removed first.
 */
export function seriesNames(expr: string): string[] {
  let s = expr;
  s = s.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""'); // string literals
  s = s.replace(/\{[^}]*\}/g, ' '); // label matchers
  s = s.replace(/\[[^\]]*\]/g, ' '); // range and subquery selectors
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  s = s.replace(/\boffset\s+-?[0-9a-z]+/gi, ' ');
  const names = new Set<string>();
  for (const m of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0];
    const rest = s.slice((m.index ?? 0) + word.length);
    if (/^\s*\(/.test(rest)) continue; // function call
    if (KEYWORDS.has(word.toLowerCase())) continue;
    if (/^\d/.test(word)) continue;
    // the exponent of a number such as 1e3 is matched as "e3"
    const before = s.slice(0, m.index ?? 0);
    if (/[0-9.]$/.test(before)) continue;
    names.add(word);
  }
  return [...names].sort();
}

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  rules: Rule[];
}

export function ruleFiles(): string[] {
  const dir = join(DEPLOY_DIR, 'prometheus/rules');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
}

export function loadRuleGroups(): RuleGroup[] {
  return ruleFiles().flatMap((f) => (parse(readFileSync(f, 'utf8')) as { groups: RuleGroup[] }).groups);
}

export interface DashboardTarget {
  expr: string;
}
export interface DashboardPanel {
  title: string;
  type: string;
  targets?: DashboardTarget[];
}
export interface DashboardFile {
  file: string;
  uid: string;
  title: string;
  panels: DashboardPanel[];
  templating: { list: { name: string; query: unknown }[] };
}

export function loadDashboards(): DashboardFile[] {
  const dir = join(DEPLOY_DIR, 'grafana/dashboards');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      file: f,
      ...(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Omit<DashboardFile, 'file'>),
    }));
}

export interface CatalogueEntry {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary';
  jobs: string[];
  status: string;
}

export function loadCatalogue(): CatalogueEntry[] {
  return (
    JSON.parse(readFileSync(join(DEPLOY_DIR, 'metrics-catalogue.json'), 'utf8')) as {
      metrics: CatalogueEntry[];
    }
  ).metrics;
}

/** Grafana's template variables replaced by values that make the expression plain PromQL. */
export function withoutGrafanaVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '1h')
    .replaceAll('$__interval', '1m')
    .replace(/\$\{?(\w+)\}?/g, '.*');
}

/**
 * Resolves a series name to the exposed metric names it reads: a recorded series is expanded through
 * its recording rule(s); a histogram's _bucket/_sum/_count maps to the histogram. Returns the names
 * that are not in the catalogue.
 */
export function unknownMetrics(
  names: Iterable<string>,
  catalogue: CatalogueEntry[],
  recorded: Map<string, string[]>,
  seen: Set<string> = new Set(),
): string[] {
  const known = new Map(catalogue.map((e) => [e.name, e]));
  const missing: string[] = [];
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const exprs = recorded.get(name);
    if (exprs) {
      for (const e of exprs) missing.push(...unknownMetrics(seriesNames(e), catalogue, recorded, seen));
      continue;
    }
    if (known.has(name)) continue;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    const entry = known.get(base);
    if (base !== name && entry && (entry.type === 'histogram' || entry.type === 'summary')) continue;
    missing.push(name);
  }
  return missing;
}

export function recordedSeries(groups: RuleGroup[]): Map<string, string[]> {
  const recorded = new Map<string, string[]>();
  for (const g of groups)
    for (const r of g.rules)
      if (r.record) recorded.set(r.record, [...(recorded.get(r.record) ?? []), r.expr]);
  return recorded;
}

/** Every dashboard panel query as a recording rule, so that promtool can parse them (CI). */
export function panelQueriesRuleFile(): string {
  const lines = [
    '# generated by packages/observability/src/deploy/promql.ts for promtool; not loaded by Prometheus',
    'groups:',
  ];
  for (const d of loadDashboards()) {
    const uid = d.uid.replace(/[^a-zA-Z0-9]/g, '_');
    lines.push(`  - name: panels_${uid}`, '    rules:');
    d.panels.forEach((p, i) => {
      (p.targets ?? []).forEach((t, j) => {
        lines.push(
          `      - record: panel:${uid}:${i + 1}_${j + 1}`,
          `        expr: ${JSON.stringify(withoutGrafanaVariables(t.expr))}`,
        );
      });
    });
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv[2] !== 'panel-rules' || process.argv.length !== 3) {
    process.stderr.write(
      'usage: promql.ts panel-rules  (writes the panel queries as a rule file on stdout)\n',
    );
    process.exit(2);
  }
  process.stdout.write(panelQueriesRuleFile());
}
