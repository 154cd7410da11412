// The fault campaign: each scenario N times under concurrent writes, one table row per scenario.
//   npm run fault-campaign -- [--runs N] [--seconds S] [--clients C] [--only NAME,NAME] [--json]
import { cpus, hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { findPgBin } from '../../apps/lab/src/testing/faults/cluster.ts';
import { chainAcceptableAfterCrash } from '../../apps/lab/src/testing/faults/post-check.ts';
import {
  type DatabaseKind,
  type FaultKind,
  runScenario,
  type ScenarioResult,
} from '../../apps/lab/src/testing/faults/scenarios.ts';

const SCENARIOS: { name: string; fault: FaultKind; database: DatabaseKind }[] = [
  { name: 'pg-restart-fast', fault: 'pg-restart-fast', database: 'postgres' },
  { name: 'pg-restart-immediate', fault: 'pg-restart-immediate', database: 'postgres' },
  { name: 'kill-9-pglite', fault: 'kill-9', database: 'pglite' },
  { name: 'kill-9-postgres', fault: 'kill-9', database: 'postgres' },
  { name: 'sigterm-pglite', fault: 'sigterm', database: 'pglite' },
  { name: 'sigterm-postgres', fault: 'sigterm', database: 'postgres' },
];

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '16' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const loadSeconds = Number(values.seconds);
const clients = Number(values.clients);
if (![runs, loadSeconds, clients].every((n) => Number.isInteger(n) && n > 0)) {
  console.error('fault-campaign: --runs, --seconds and --clients take positive integers');
  process.exit(2);
}
const only = values.only?.split(',');
const unknown = only?.filter((n) => !SCENARIOS.some((s) => s.name === n)) ?? [];
if (unknown.length) {
  console.error(
    `fault-campaign: unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
  );
  process.exit(2);
}
const hasPostgres = findPgBin() !== undefined;
const chosen = SCENARIOS.filter(
  (s) => (!only || only.includes(s.name)) && (hasPostgres || s.database === 'pglite'),
);
if (!hasPostgres) console.error('fault-campaign: initdb not found; PostgreSQL scenarios skipped');

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const fmt = (xs: number[]) => xs.map((x) => (Number.isFinite(x) ? x.toFixed(1) : 'never')).join(' / ');

function row(name: string, results: ScenarioResult[]): string {
  const outcomes: Record<string, number> = {};
  for (const r of results)
    for (const [k, v] of Object.entries(r.outcomes)) if (k !== '201') outcomes[k] = (outcomes[k] ?? 0) + v;
  const errors =
    Object.entries(outcomes)
      .map(([k, v]) => `${v}× ${k}`)
      .join(', ') || 'none';
  const chains = results.map((r) => (r.chain.valid ? 'valid' : (r.chain.reason ?? 'invalid')));
  const crashes = results.filter((r) => r.unexpectedExit).length;
  const exits = results.filter((r) => r.faultExit).map((r) => r.faultExit!.code ?? r.faultExit!.signal);
  const command = `npm run fault-campaign -- --only ${name} --runs ${runs} --seconds ${loadSeconds} --clients ${clients}`;
  return [
    name,
    `${results.length}`,
    `${sum(results.map((r) => r.acknowledged))}`,
    `${sum(results.map((r) => r.lost.length))}`,
    `${sum(results.map((r) => r.auditMissing))} / ${sum(results.map((r) => r.auditExtra))}`,
    `${sum(results.map((r) => r.storedUnacknowledged))}`,
    chains.join(' / '),
    fmt(results.map((r) => r.recoverySeconds)),
    `${crashes}${exits.length ? ` (fault exits: ${exits.join(', ')})` : ''}`,
    errors,
    `\`${command}\``,
  ].join(' | ');
}

const header = [
  'scenario',
  'runs',
  'acknowledged writes',
  'lost writes',
  'audit events missing / extra',
  'stored but unacknowledged',
  'chain',
  'recovery (s, per run)',
  'lab crashes',
  'errors clients saw (all runs)',
  'command',
];
console.log(
  `fault campaign on ${hostname()} (${cpus().length} cores), ${new Date().toISOString()}: ${runs} run(s) per scenario, ${clients} clients, ${loadSeconds} s of load before the fault and after recovery`,
);
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
let failed = false;
const all: ScenarioResult[] = [];
for (const s of chosen) {
  const results: ScenarioResult[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await runScenario({ fault: s.fault, database: s.database, clients, loadSeconds });
    results.push(r);
    all.push(r);
    if (r.lost.length || r.auditMissing || r.auditExtra || r.unexpectedExit) failed = true;
    // checkpoint_missing (an unsealed tail after a crash) is reported in the table, not failed on.
    if (!chainAcceptableAfterCrash(r.chain)) failed = true;
    if (Object.keys(r.outcomes).some((o) => o.startsWith('500'))) failed = true;
  }
  console.log(`| ${row(s.name, results)} |`);
}
if (values.json) console.log(JSON.stringify(all, null, 2));
process.exit(failed ? 1 : 0);
