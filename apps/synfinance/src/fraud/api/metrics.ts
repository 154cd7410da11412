// Every SynFinance business metric, defined in one place. The names and labels are a contract:
// deploy/metrics-catalogue.json, the Prometheus rules and the Grafana dashboards query them.
// (HTTP metrics come from @polymorph/observability/http-metrics, the synfinance_data_* quality
// series from its quality exporter.)
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ANOMALY_TYPES } from '../../generator/types.ts';
import { REASON_GROUPS, SEVERITIES } from './scorer.ts';

/** Transaction generation through the API. */
export interface GenerationMetrics {
  generated: Counter;
  rate: Gauge;
  fraudInjected: Counter<'fraud_type' | 'severity'>;
  anomaliesInjected: Counter<'anomaly_type'>;
  activeGenerations: Gauge;
}

/** Fraud scoring. The gauges that would mislead before data arrives are registered on first `set`. */
export interface ScoringMetrics {
  detections: Counter<'fraud_type' | 'severity'>;
  confidence: Histogram;
  predictionSeconds: Histogram;
  featureSeconds: Histogram;
  cacheHits: Counter;
  cacheMisses: Counter;
  /** Transactions refused (503) because the feature store did not answer. */
  historyUnavailable: Counter;
  fraudRate: LazyGauge;
  precision: LazyGauge;
  recall: LazyGauge;
  f1: LazyGauge;
}

export interface SynfinanceMetrics {
  generation: GenerationMetrics;
  scoring: ScoringMetrics;
}

/** A gauge absent from /metrics until its first value. */
export interface LazyGauge {
  set(value: number): void;
}

export function createSynfinanceMetrics(registry: Registry): SynfinanceMetrics {
  return { generation: createGenerationMetrics(registry), scoring: createScoringMetrics(registry) };
}

export function createGenerationMetrics(registry: Registry): GenerationMetrics {
  const registers = [registry];
  const anomaliesInjected = new Counter({
    name: 'synfinance_anomalies_injected_total',
    help: 'Anomaly rows injected into generated transactions, by anomaly type',
    labelNames: ['anomaly_type'] as const,
    registers,
  });
  // Every anomaly type is a series from the start, so rate() works from the first generation.
  for (const anomaly_type of ANOMALY_TYPES) anomaliesInjected.inc({ anomaly_type }, 0);
  return {
    generated: new Counter({
      name: 'synfinance_transactions_generated_total',
      help: 'Transactions generated and sent by the API',
      registers,
    }),
    rate: new Gauge({
      name: 'synfinance_generation_rate_txn_per_sec',
      help: 'Generation rate of the most recent (or current) API generation, transactions per second',
      registers,
    }),
    fraudInjected: new Counter({
      name: 'synfinance_fraud_injected_total',
      help: 'Fraud rows injected into generated transactions, by fraud type and severity',
      labelNames: ['fraud_type', 'severity'] as const,
      registers,
    }),
    anomaliesInjected,
    activeGenerations: new Gauge({
      name: 'synfinance_active_generations',
      help: 'API generations currently streaming',
      registers,
    }),
  };
}

const SECONDS_BUCKETS = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
  0.5, 1,
];
const PROBABILITY_BUCKETS = [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];

export function createScoringMetrics(registry: Registry): ScoringMetrics {
  const registers = [registry];
  const lazy = (name: string, help: string) => lazyGauge(registry, name, help);
  const detections = new Counter({
    name: 'synfinance_fraud_detections_total',
    help: 'Transactions scored review or block, by the top reason group (fraud_type) and severity',
    labelNames: ['fraud_type', 'severity'] as const,
    registers,
  });
  // Every series exists from the start at 0, so "no critical detection yet" reads as a rate of 0 in
  // alerts and dashboards rather than as missing data.
  for (const fraud_type of REASON_GROUPS)
    for (const severity of SEVERITIES) detections.inc({ fraud_type, severity }, 0);
  return {
    detections,
    confidence: new Histogram({
      name: 'synfinance_fraud_confidence',
      help: 'Predicted fraud probability of each scored transaction',
      buckets: PROBABILITY_BUCKETS,
      registers,
    }),
    predictionSeconds: new Histogram({
      name: 'synfinance_prediction_seconds',
      help: 'Time to score one transaction (features, model and reasons), seconds',
      buckets: SECONDS_BUCKETS,
      registers,
    }),
    featureSeconds: new Histogram({
      name: 'synfinance_feature_engineering_seconds',
      help: 'Time to compute the features of one transaction, seconds',
      buckets: SECONDS_BUCKETS,
      registers,
    }),
    cacheHits: new Counter({
      name: 'synfinance_cache_hits_total',
      help: 'Customer-history cache hits',
      registers,
    }),
    cacheMisses: new Counter({
      name: 'synfinance_cache_misses_total',
      help: 'Customer-history cache misses',
      registers,
    }),
    historyUnavailable: new Counter({
      name: 'synfinance_feature_store_unavailable_total',
      help: 'Transactions not scored (503) because the shared feature store (Redis) did not answer',
      registers,
    }),
    fraudRate: lazy('synfinance_fraud_rate', 'Share of the last scored transactions flagged review or block'),
    precision: lazy(
      'synfinance_model_precision',
      'Precision over the feedback window (flag = review or block)',
    ),
    recall: lazy('synfinance_model_recall', 'Recall over the feedback window'),
    f1: lazy('synfinance_model_f1', 'F1 over the feedback window'),
  };
}

function lazyGauge(registry: Registry, name: string, help: string): LazyGauge {
  const gauge = new Gauge({ name, help, registers: [] });
  let registered = false;
  return {
    set(value) {
      if (!registered) {
        if (!registry.getSingleMetric(name)) registry.registerMetric(gauge);
        registered = true;
      }
      gauge.set(value);
    },
  };
}
