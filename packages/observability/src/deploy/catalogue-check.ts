// The metric catalogue (deploy/metrics-catalogue.json) against the raw /metrics text of running targets:
// which `verified` metrics are missing from a job's real output, and which `planned` ones are already
// there. Pure: the live check (tools/live-check/live-check.ts) fetches the texts and decides what to do with the answer.
import type { CatalogueEntry } from './promql.ts';

/** Series Prometheus adds per scrape target itself; they are never on a target's /metrics. */
const PROMETHEUS_SYNTHETIC = new Set([
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
]);

export interface Exposition {
  /** Names on sample lines (a histogram contributes <name>_bucket, _sum and _count). */
  samples: Set<string>;
  /** Names with a `# TYPE` line (prom-client writes one even for a labelled metric with no child yet). */
  declared: Set<string>;
}

/** Metric names in Prometheus text exposition format (0.0.4). */
export function parseExposition(text: string): Exposition {
  const samples = new Set<string>();
  const declared = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*TYPE\s+([A-Za-z_:][A-Za-z0-9_:]*)\s/.exec(line);
      if (m) declared.add(m[1]!);
      continue;
    }
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)/.exec(line);
    if (m) samples.add(m[1]!);
  }
  return { samples, declared };
}

/** The sample name that shows a catalogue metric is exposed. */
function sampleName(entry: Pick<CatalogueEntry, 'name' | 'type'>): string {
  if (entry.type === 'histogram') return `${entry.name}_bucket`;
  if (entry.type === 'summary') return `${entry.name}_count`;
  return entry.name; // counters are catalogued with their _total, as exposed
}

export interface Finding {
  name: string;
  job: string;
  /** The sample name looked for. */
  expected: string;
  /** Not on a sample line, but the target declares it with `# TYPE` (a labelled metric never set). */
  declaredOnly: boolean;
}

export interface CatalogueCheck {
  /** `verified` and on the job's /metrics. */
  confirmed: Finding[];
  /** `verified` but not on the job's /metrics: a failure. */
  missing: Finding[];
  /** `planned` but on the job's /metrics: the catalogue should say `verified`. */
  unexpected: Finding[];
  /** `planned` and not on the job's /metrics. */
  stillPlanned: Finding[];
  /** Not checked here, with why (synthetic series, job not scraped in this run). */
  unchecked: { name: string; job: string; reason: string }[];
}

/**
 * Every (metric, job) pair of the catalogue against the /metrics text of that job, given as
 * `{ job: text }`. Jobs absent from `expositions` are reported as unchecked, not as missing.
 */
export function checkCatalogue(
  catalogue: CatalogueEntry[],
  expositions: Record<string, string>,
): CatalogueCheck {
  const parsed = new Map(Object.entries(expositions).map(([job, text]) => [job, parseExposition(text)]));
  const result: CatalogueCheck = {
    confirmed: [],
    missing: [],
    unexpected: [],
    stillPlanned: [],
    unchecked: [],
  };
  for (const entry of catalogue) {
    for (const job of entry.jobs) {
      if (PROMETHEUS_SYNTHETIC.has(entry.name)) {
        result.unchecked.push({ name: entry.name, job, reason: 'added by Prometheus, not on /metrics' });
        continue;
      }
      const exp = parsed.get(job);
      if (!exp) {
        result.unchecked.push({ name: entry.name, job, reason: `job ${job} not scraped in this run` });
        continue;
      }
      const expected = sampleName(entry);
      const present = exp.samples.has(expected);
      const finding = {
        name: entry.name,
        job,
        expected,
        declaredOnly: !present && exp.declared.has(entry.name),
      };
      if (entry.status === 'verified') (present ? result.confirmed : result.missing).push(finding);
      else (present ? result.unexpected : result.stillPlanned).push(finding);
    }
  }
  return result;
}
