import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { checkCatalogue, parseExposition } from './catalogue-check.ts';
import type { CatalogueEntry } from './promql.ts';

/** A real prom-client registry's text, as an app's /metrics answers. */
async function appMetrics(): Promise<string> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Counter({ name: 'app_logins_total', help: 'h', labelNames: ['result'], registers: [registry] })
    .labels('success')
    .inc();
  new Histogram({ name: 'app_prediction_seconds', help: 'h', registers: [registry] }).observe(0.01);
  // Labelled and never observed: prom-client writes HELP and TYPE but no sample.
  new Histogram({ name: 'app_unused_seconds', help: 'h', labelNames: ['route'], registers: [registry] });
  new Gauge({ name: 'app_fraud_rate', help: 'h', registers: [registry] }).set(0.02);
  // A counter whose name does not end in _total is exposed as named: no _total is added.
  new Counter({ name: 'app_bare', help: 'h', registers: [registry] }).inc();
  return registry.metrics();
}

const entry = (name: string, type: CatalogueEntry['type'], status: string, jobs = ['app']) => ({
  name,
  type,
  status,
  jobs,
});

describe('parseExposition', () => {
  it('collects sample names and declared names from real prom-client output', async () => {
    const { samples, declared } = parseExposition(await appMetrics());
    expect(samples).toContain('app_logins_total');
    expect(samples).toContain('app_prediction_seconds_bucket');
    expect(samples).toContain('app_prediction_seconds_count');
    expect(samples).toContain('process_cpu_seconds_total');
    expect(samples).not.toContain('app_unused_seconds_bucket');
    expect(declared).toContain('app_unused_seconds');
    expect(samples).toContain('app_bare');
    expect(samples).not.toContain('app_bare_total');
  });
});

describe('checkCatalogue', () => {
  it('sorts catalogue entries by status and by what the job really exposes', async () => {
    const catalogue = [
      entry('up', 'gauge', 'verified', ['app', 'node']),
      entry('app_logins_total', 'counter', 'verified'),
      entry('process_cpu_seconds_total', 'counter', 'verified'),
      entry('app_prediction_seconds', 'histogram', 'verified'),
      entry('app_unused_seconds', 'histogram', 'verified'),
      entry('app_gone_total', 'counter', 'verified'),
      entry('app_fraud_rate', 'gauge', 'planned'),
      entry('app_never_total', 'counter', 'planned'),
      entry('app_bare_total', 'counter', 'planned'),
      entry('node_load1', 'gauge', 'verified', ['node']),
    ];
    const r = checkCatalogue(catalogue, { app: await appMetrics() });
    const names = (fs: { name: string }[]) => fs.map((f) => f.name);
    expect(names(r.confirmed)).toEqual([
      'app_logins_total',
      'process_cpu_seconds_total',
      'app_prediction_seconds',
    ]);
    expect(r.missing).toEqual([
      { name: 'app_unused_seconds', job: 'app', expected: 'app_unused_seconds_bucket', declaredOnly: true },
      { name: 'app_gone_total', job: 'app', expected: 'app_gone_total', declaredOnly: false },
    ]);
    expect(r.unexpected).toEqual([
      { name: 'app_fraud_rate', job: 'app', expected: 'app_fraud_rate', declaredOnly: false },
    ]);
    expect(names(r.stillPlanned)).toEqual(['app_never_total', 'app_bare_total']);
    expect(r.unchecked).toEqual([
      { name: 'up', job: 'app', reason: 'added by Prometheus, not on /metrics' },
      { name: 'up', job: 'node', reason: 'added by Prometheus, not on /metrics' },
      { name: 'node_load1', job: 'node', reason: 'job node not scraped in this run' },
    ]);
  });

  it('checks a metric of two jobs against each job separately', async () => {
    const both = [entry('app_fraud_rate', 'gauge', 'verified', ['a', 'b'])];
    const r = checkCatalogue(both, { a: await appMetrics(), b: await new Registry().metrics() });
    expect(r.confirmed.map((f) => f.job)).toEqual(['a']);
    expect(r.missing.map((f) => f.job)).toEqual(['b']);
  });
});
