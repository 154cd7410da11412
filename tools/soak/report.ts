// What a soak run found: requests by kind and outcome, latency percentiles, the sampled series with
// their growth per hour, the checks, and the verdict (with the reasons when it fails).
import { cpus, hostname, loadavg } from 'node:os';
import { KINDS, type Kind } from './mixed-load.ts';
import { SERIES, type SeriesName, type SeriesSummary, summarise } from './sampler.ts';
import type { SoakResult } from './soak.ts';

export interface KindSummary {
  requests: number;
  ok: number;
  /** Non-2xx answers and transport failures, by outcome. */
  errors: Record<string, number>;
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface SoakReport {
  kinds: Record<Kind, KindSummary>;
  series: Record<SeriesName, SeriesSummary | null>;
  /** Why the run failed; empty when it passed. */
  failures: string[];
}

const WARM_UP_FRACTION = 0.2;

export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}

const byKind = <T>(f: (kind: Kind) => T): Record<Kind, T> => ({
  read: f('read'),
  write: f('write'),
  login: f('login'),
  signature: f('signature'),
});

const bySeries = <T>(f: (name: SeriesName) => T): Record<SeriesName, T> => ({
  rss_bytes: f('rss_bytes'),
  heap_used_bytes: f('heap_used_bytes'),
  open_fds: f('open_fds'),
  eventloop_lag_p99_seconds: f('eventloop_lag_p99_seconds'),
});

export function buildReport(r: SoakResult): SoakReport {
  const kinds = byKind((kind): KindSummary => {
    const mine = r.records.filter((x) => x.kind === kind);
    const errors: Record<string, number> = {};
    for (const x of mine) if (!/^2\d\d$/.test(x.outcome)) errors[x.outcome] = (errors[x.outcome] ?? 0) + 1;
    const ms = mine
      .filter((x) => /^2\d\d$/.test(x.outcome))
      .map((x) => x.ms)
      .sort((a, b) => a - b);
    return {
      requests: mine.length,
      ok: ms.length,
      errors,
      p50Ms: percentile(ms, 50),
      p99Ms: percentile(ms, 99),
    };
  });
  const series = bySeries((name) => summarise(r.samples, name, r.durationSeconds, WARM_UP_FRACTION));
  return { kinds, series, failures: failuresOf(r, kinds) };
}

/**
 * The load is built to get only 2xx answers (logins and signings are paced under the throttles, each
 * signature is new in its session), so any other answer is unexplained and fails the run, a 5xx first.
 */
function failuresOf(r: SoakResult, kinds: Record<Kind, KindSummary>): string[] {
  const failures: string[] = [];
  for (const kind of KINDS) {
    const k = kinds[kind];
    if (k.ok === 0) failures.push(`no ${kind} succeeded`);
    for (const [outcome, n] of Object.entries(k.errors)) failures.push(`${kind}: ${n}× ${outcome}`);
  }
  if (r.samples.length < 2) failures.push(`only ${r.samples.length} sample(s) of the process`);
  if (r.exit.code !== 0)
    failures.push(`the lab ended with ${r.exit.code ?? r.exit.signal} (SIGTERM should exit 0)`);
  if (!r.liveVerify) failures.push('the verify route gave no answer');
  else if (r.liveVerify.status !== 'valid')
    failures.push(`verify route: ${r.liveVerify.status} (${r.liveVerify.reason ?? 'no reason'})`);
  const c = r.postCheck;
  if (!c.chain.valid) failures.push(`audit verify: ${c.chain.reason ?? 'invalid'}`);
  if (c.lost.length) failures.push(`${c.lost.length} acknowledged create(s) lost`);
  if (c.auditMissing || c.auditExtra)
    failures.push(`audit events for creates: ${c.auditMissing} missing, ${c.auditExtra} extra`);
  return failures;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const ms = (seconds: number) => `${(seconds * 1000).toFixed(1)} ms`;
const FORMAT: Record<SeriesName, (v: number) => string> = {
  rss_bytes: mb,
  heap_used_bytes: mb,
  open_fds: (v) => v.toFixed(0),
  eventloop_lag_p99_seconds: ms,
};
const LABEL: Record<SeriesName, string> = {
  rss_bytes: 'RSS',
  heap_used_bytes: 'heap used',
  open_fds: 'open fds',
  eventloop_lag_p99_seconds: 'event-loop lag p99',
};

function growth(name: SeriesName, s: SeriesSummary | null): string {
  if (!s) return 'not sampled';
  const f = FORMAT[name];
  const perHour = (g: number | null) => (g === null ? 'n/a' : `${g >= 0 ? '+' : '-'}${f(Math.abs(g))}/h`);
  return `${f(s.first)} → ${f(s.last)} (max ${f(s.max)}, ${perHour(s.growthPerHour)}, floor ${perHour(s.floorGrowthPerHour)})`;
}

export const commandOf = (r: SoakResult) =>
  `npm run soak -- --minutes ${+(r.options.seconds / 60).toFixed(2)} --clients ${r.options.clients} --database ${r.options.database}`;

export const TABLE_HEADER = [
  'run',
  'requests (read / write / login / signature)',
  'errors',
  'p50 / p99 ms (read, write, login, signature)',
  ...SERIES.map((n) => `${LABEL[n]}: first → last (max, growth/h after warm-up, of the floor)`),
  'chain',
  'command',
];

/** One Markdown table row (the columns of TABLE_HEADER). */
export function markdownRow(r: SoakResult, rep: SoakReport): string {
  const k = rep.kinds;
  const errors = KINDS.flatMap((kind) =>
    Object.entries(k[kind].errors).map(([o, n]) => `${n}× ${kind} ${o}`),
  );
  const lat = KINDS.map((kind) => `${k[kind].p50Ms?.toFixed(0) ?? '-'}/${k[kind].p99Ms?.toFixed(0) ?? '-'}`);
  const chain = [
    r.liveVerify ? `route: ${r.liveVerify.status}` : 'route: no answer',
    `audit verify: ${r.postCheck.chain.valid ? 'valid' : (r.postCheck.chain.reason ?? 'invalid')}`,
    `${r.postCheck.acknowledged} creates, ${r.postCheck.lost.length} lost`,
  ].join('; ');
  const cells = [
    `soak ${(r.durationSeconds / 60).toFixed(1)} min, ${r.options.database}`,
    KINDS.map((kind) => k[kind].requests).join(' / '),
    errors.join(', ') || 'none',
    lat.join(', '),
    ...SERIES.map((n) => growth(n, rep.series[n])),
    chain,
    `\`${commandOf(r)}\``,
  ];
  return `| ${cells.join(' | ')} |`;
}

/** The run in words: machine, per-kind outcomes, series, checks, verdict. */
export function textReport(r: SoakResult, rep: SoakReport): string {
  const lines = [
    `soak on ${hostname()} (${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at the end), started ${r.startedAt}`,
    `${r.databaseSource}; ${r.options.clients} read/write clients, 1 login client, 1 signer; ${r.durationSeconds.toFixed(0)} s; ${r.samples.length} samples every ${r.options.sampleEveryMs / 1000} s; growth by least squares after the first ${WARM_UP_FRACTION * 100}%, of all samples and of the lowest in each eighth (the floor under GC saw-teeth)`,
    '',
    '| kind | requests | 2xx | errors | p50 ms | p99 ms |',
    '|---|---|---|---|---|---|',
    ...KINDS.map((kind) => {
      const k = rep.kinds[kind];
      const errors =
        Object.entries(k.errors)
          .map(([o, n]) => `${n}× ${o}`)
          .join(', ') || 'none';
      return `| ${kind} | ${k.requests} | ${k.ok} | ${errors} | ${k.p50Ms?.toFixed(1) ?? '-'} | ${k.p99Ms?.toFixed(1) ?? '-'} |`;
    }),
    '',
    ...SERIES.map((n) => `${LABEL[n]}: ${growth(n, rep.series[n])}`),
    '',
    `chain: ${r.liveVerify ? `verify route ${r.liveVerify.status} (${r.liveVerify.checked} events)` : 'verify route gave no answer'}; after the stop (exit ${r.exit.code ?? r.exit.signal}), audit verify ${r.postCheck.chain.valid ? 'valid' : `INVALID: ${r.postCheck.chain.reason}`}; ${r.postCheck.acknowledged} acknowledged creates, ${r.postCheck.lost.length} lost, audit events ${r.postCheck.auditMissing} missing / ${r.postCheck.auditExtra} extra`,
    rep.failures.length ? `FAILED: ${rep.failures.join('; ')}` : 'passed',
    '',
    `| ${TABLE_HEADER.join(' | ')} |`,
    `|${TABLE_HEADER.map(() => '---').join('|')}|`,
    markdownRow(r, rep),
  ];
  return lines.join('\n');
}
