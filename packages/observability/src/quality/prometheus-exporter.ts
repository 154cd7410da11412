import { Counter, Gauge, type Registry } from 'prom-client';
import { type QualityReport, qualityMetricSamples } from './report.ts';

/** Which data a report describes; a bounded label so dashboards can tell the two apart. */
export type QualityStream = 'generated' | 'scoring';

/**
 * The six data-quality series on a registry, fed one report at a time. Labels are schema
 * field names, drift methods and the stream only, so cardinality is bounded by the schema.
 */
const perRegistry = new WeakMap<Registry, QualityMetrics>();

/** One set of the six series per registry, shared by every stream that reports into it. */
export function qualityMetricsFor(registry: Registry): QualityMetrics {
  let metrics = perRegistry.get(registry);
  if (!metrics) {
    metrics = createQualityMetrics(registry);
    perRegistry.set(registry, metrics);
  }
  return metrics;
}

export function createQualityMetrics(registry: Registry) {
  const registers = [registry];
  const gauges = {
    synfinance_data_missing_values_rate: new Gauge({
      name: 'synfinance_data_missing_values_rate',
      help: 'Share of missing values per field in the last monitored window',
      labelNames: ['stream', 'field'] as const,
      registers,
    }),
    synfinance_data_outliers_rate: new Gauge({
      name: 'synfinance_data_outliers_rate',
      help: 'Share of outliers per numeric field in the last monitored window (IQR or MAD fences, see docs)',
      labelNames: ['stream', 'field'] as const,
      registers,
    }),
    synfinance_data_drift_score: new Gauge({
      name: 'synfinance_data_drift_score',
      help: 'Drift of a field against the reference profile: PSI, KS statistic D, or Jensen-Shannon divergence',
      labelNames: ['stream', 'field', 'method'] as const,
      registers,
    }),
    synfinance_data_quality_score: new Gauge({
      name: 'synfinance_data_quality_score',
      help: 'Data-quality score 0-100 of the last monitored window (see docs/observability/data-quality.md)',
      labelNames: ['stream'] as const,
      registers,
    }),
  };
  const counters = {
    synfinance_data_schema_violations_total: new Counter({
      name: 'synfinance_data_schema_violations_total',
      help: 'Field values that broke the declared schema',
      labelNames: ['stream'] as const,
      registers,
    }),
    synfinance_data_distribution_drifts_total: new Counter({
      name: 'synfinance_data_distribution_drifts_total',
      help: 'Monitored windows in which a field drifted beyond the drift threshold',
      labelNames: ['stream', 'field'] as const,
      registers,
    }),
  };
  // Make the counter exist from the start, so rate() over it has a baseline before the first violation.
  counters.synfinance_data_schema_violations_total.inc({ stream: 'generated' }, 0);
  counters.synfinance_data_schema_violations_total.inc({ stream: 'scoring' }, 0);

  return {
    record(stream: QualityStream, report: QualityReport): void {
      for (const sample of qualityMetricSamples(report)) {
        const labels = { stream, ...sample.labels };
        if (sample.op === 'set') gauges[sample.name as keyof typeof gauges].set(labels, sample.value);
        else counters[sample.name as keyof typeof counters].inc(labels, sample.value);
      }
    },
  };
}

export type QualityMetrics = ReturnType<typeof createQualityMetrics>;
