import { describe, expect, it } from 'vitest';
import { type CatalogueEntry, seriesNames, unknownMetrics, withoutGrafanaVariables } from './promql.ts';

describe('seriesNames', () => {
  it('finds metric and recorded names, not functions, labels, keywords, durations or numbers', () => {
    const expr = `sum by (job, instance) (rate(http_server_requests_total{route!="/metrics", status_code=~"5.."}[5m]))
      / ignoring (route) group_left (job) (job_instance:http_server_requests:rate5m > 0)
      unless on (job) up == 1e3 or vector(0)`;
    expect(seriesNames(expr)).toEqual([
      'http_server_requests_total',
      'job_instance:http_server_requests:rate5m',
      'up',
    ]);
  });

  it('ignores metric-like text inside strings', () => {
    expect(seriesNames('foo_total{path="bar_total"}')).toEqual(['foo_total']);
  });

  it('handles Grafana variables after substitution', () => {
    const expr = withoutGrafanaVariables(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana variable, not a JS template
      'sum(increase(a_total{job=~"$job"}[$__range])) / b{instance=~"${instance}"}',
    );
    expect(expr).toBe('sum(increase(a_total{job=~".*"}[1h])) / b{instance=~".*"}');
    expect(seriesNames(expr)).toEqual(['a_total', 'b']);
  });
});

describe('unknownMetrics', () => {
  const catalogue: CatalogueEntry[] = [
    { name: 'h_seconds', type: 'histogram', jobs: ['x'], status: 'verified' },
    { name: 'c_total', type: 'counter', jobs: ['x'], status: 'verified' },
  ];
  it('accepts histogram suffixes only for histograms, and expands recorded series', () => {
    const recorded = new Map([
      ['job:h:p95', ['histogram_quantile(0.95, sum by (le) (rate(h_seconds_bucket[5m])))']],
    ]);
    expect(unknownMetrics(['h_seconds_count', 'job:h:p95', 'c_total'], catalogue, recorded)).toEqual([]);
    expect(unknownMetrics(['c_total_count', 'nope'], catalogue, recorded)).toEqual(['c_total_count', 'nope']);
    const bad = new Map([['job:x', ['rate(missing_total[5m])']]]);
    expect(unknownMetrics(['job:x'], catalogue, bad)).toEqual(['missing_total']);
  });
});
