// Grafana dashboards for deploy/grafana/dashboards, written as code so that every panel shares the same
// datasource, the `job` and `instance` template variables and a checked layout. The committed JSON is
// the output of this file: `npx tsx packages/observability/src/deploy/dashboards.ts` rewrites it, and
// deploy.test.ts fails when the two differ.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DATASOURCE = { type: 'prometheus', uid: 'prometheus' } as const;

export interface Target {
  expr: string;
  legend?: string;
  /** 'heatmap' for bucket queries shown as a heatmap. */
  format?: 'time_series' | 'heatmap' | 'table';
  instant?: boolean;
}

export interface PanelSpec {
  title: string;
  type: 'timeseries' | 'stat' | 'gauge' | 'bargauge' | 'heatmap' | 'piechart';
  description: string;
  targets: Target[];
  unit?: string;
  /** Grid width out of 24 (height is 8). */
  width?: number;
  min?: number;
  max?: number;
  /** Ascending thresholds: the base colour, then [value, colour] steps. */
  thresholds?: { base: string; steps: [number, string][] };
  /** Draw the thresholds as a dashed line (SLA lines on latency panels). */
  thresholdLine?: boolean;
  stack?: boolean;
  mappings?: { value: string; text: string; color: string }[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  /** Default selection of the job variable. */
  defaultJob: string;
  panels: PanelSpec[];
}

/** Label matchers every app query carries, so the job and instance variables filter it. */
const S = 'job=~"$job", instance=~"$instance"';

const systemOverview: DashboardSpec = {
  uid: 'polymorph-system-overview',
  title: 'System overview',
  description: 'RED metrics and process health of the lab OS and SynFinance, plus the host (node-exporter).',
  tags: ['polymorph', 'synfinance', 'system'],
  defaultJob: '$__all',
  panels: [
    {
      title: 'Request rate',
      type: 'timeseries',
      description: 'Requests per second by target, scrapes of /metrics excluded (recording rule).',
      unit: 'reqps',
      targets: [{ expr: `job_instance:http_server_requests:rate5m{${S}}`, legend: '{{job}} {{instance}}' }],
    },
    {
      title: 'Latency p50 / p95 / p99',
      type: 'timeseries',
      description: 'HTTP request duration quantiles over 5 minutes (recording rules).',
      unit: 's',
      targets: [
        { expr: `job_instance:http_server_request_duration_seconds:p50_5m{${S}}`, legend: 'p50 {{job}}' },
        { expr: `job_instance:http_server_request_duration_seconds:p95_5m{${S}}`, legend: 'p95 {{job}}' },
        { expr: `job_instance:http_server_request_duration_seconds:p99_5m{${S}}`, legend: 'p99 {{job}}' },
      ],
    },
    {
      title: 'In-flight requests',
      type: 'timeseries',
      description: 'Requests being served at scrape time.',
      unit: 'short',
      targets: [{ expr: `http_server_requests_in_flight{${S}}`, legend: '{{job}} {{instance}}' }],
    },
    {
      title: 'Error rate (5xx share)',
      type: 'timeseries',
      description:
        'Share of requests answered 5xx; absent while a target has no traffic. Alerts at 1% and 5%.',
      unit: 'percentunit',
      thresholds: {
        base: 'green',
        steps: [
          [0.01, 'orange'],
          [0.05, 'red'],
        ],
      },
      thresholdLine: true,
      targets: [
        {
          expr: `job_instance:http_server_requests_error_ratio:rate5m{${S}}`,
          legend: '{{job}} {{instance}}',
        },
      ],
    },
    {
      title: 'Status mix',
      type: 'timeseries',
      description: 'Requests per second by status code.',
      unit: 'reqps',
      stack: true,
      targets: [
        {
          expr: `sum by (status_code) (job_instance_status:http_server_requests:rate5m{${S}})`,
          legend: '{{status_code}}',
        },
      ],
    },
    {
      title: 'Process CPU',
      type: 'timeseries',
      description: 'CPU seconds used per second (1 = one core), including worker threads.',
      unit: 'short',
      targets: [{ expr: `rate(process_cpu_seconds_total{${S}}[5m])`, legend: '{{job}} {{instance}}' }],
    },
    {
      title: 'Memory',
      type: 'timeseries',
      description: 'Resident set size and V8 heap in use.',
      unit: 'bytes',
      targets: [
        { expr: `process_resident_memory_bytes{${S}}`, legend: 'RSS {{job}}' },
        { expr: `nodejs_heap_size_used_bytes{${S}}`, legend: 'heap used {{job}}' },
      ],
    },
    {
      title: 'Data directory size',
      type: 'timeseries',
      description: 'Bytes on disk under each app data directory.',
      unit: 'bytes',
      targets: [{ expr: `app_data_dir_bytes{${S}}`, legend: '{{job}} {{path}}' }],
    },
    {
      title: 'Event-loop lag',
      type: 'timeseries',
      description: 'Node.js event-loop lag (latest and p99). Alerts at 100ms and 500ms.',
      unit: 's',
      thresholds: {
        base: 'green',
        steps: [
          [0.1, 'orange'],
          [0.5, 'red'],
        ],
      },
      thresholdLine: true,
      targets: [
        { expr: `nodejs_eventloop_lag_seconds{${S}}`, legend: 'lag {{job}}' },
        { expr: `nodejs_eventloop_lag_p99_seconds{${S}}`, legend: 'p99 {{job}}' },
      ],
    },
    {
      title: 'Uptime',
      type: 'stat',
      description: 'Time since the process started.',
      unit: 's',
      width: 6,
      targets: [{ expr: `time() - process_start_time_seconds{${S}}`, legend: '{{job}} {{instance}}' }],
    },
    {
      title: 'Targets up',
      type: 'stat',
      description: 'Scrape health of every target (1 up, 0 down).',
      width: 6,
      mappings: [
        { value: '0', text: 'DOWN', color: 'red' },
        { value: '1', text: 'UP', color: 'green' },
      ],
      targets: [{ expr: `up{${S}}`, legend: '{{job}} {{instance}}' }],
    },
    {
      title: 'Open file descriptors',
      type: 'stat',
      description: 'File descriptors (sockets, files) held by each process.',
      width: 6,
      targets: [{ expr: `process_open_fds{${S}}`, legend: '{{job}} {{instance}}' }],
    },
    {
      title: 'Host CPU busy',
      type: 'timeseries',
      description: 'Share of host CPU time not idle (node-exporter).',
      unit: 'percentunit',
      width: 6,
      targets: [
        {
          expr: '1 - avg by (instance) (rate(node_cpu_seconds_total{job="node", mode="idle"}[5m]))',
          legend: '{{instance}}',
        },
      ],
    },
    {
      title: 'Host memory used',
      type: 'gauge',
      description: 'Share of host memory not available (node-exporter).',
      unit: 'percentunit',
      min: 0,
      max: 1,
      width: 6,
      thresholds: {
        base: 'green',
        steps: [
          [0.8, 'orange'],
          [0.9, 'red'],
        ],
      },
      targets: [
        {
          expr: '1 - node_memory_MemAvailable_bytes{job="node"} / node_memory_MemTotal_bytes{job="node"}',
          legend: '{{instance}}',
        },
      ],
    },
    {
      title: 'Host disk free',
      type: 'bargauge',
      description: 'Free share of each real filesystem. Alerts below 15% and 5%.',
      unit: 'percentunit',
      min: 0,
      max: 1,
      width: 12,
      thresholds: {
        base: 'red',
        steps: [
          [0.05, 'orange'],
          [0.15, 'green'],
        ],
      },
      targets: [
        {
          expr: 'node_filesystem_avail_bytes{job="node", fstype!~"tmpfs|overlay|squashfs|ramfs"} / node_filesystem_size_bytes{job="node", fstype!~"tmpfs|overlay|squashfs|ramfs"}',
          legend: '{{mountpoint}}',
        },
      ],
    },
  ],
};

const fraudDetection: DashboardSpec = {
  uid: 'synfinance-fraud-detection',
  title: 'Fraud detection',
  description:
    'SynFinance scoring: fraud rate, detections by type and severity, confidence, online model quality.',
  tags: ['synfinance', 'fraud'],
  defaultJob: 'synfinance',
  panels: [
    {
      title: 'Predicted fraud rate',
      type: 'stat',
      description: 'Share of scored transactions flagged as fraud. Alerts at 5% and 10%.',
      unit: 'percentunit',
      width: 6,
      thresholds: {
        base: 'green',
        steps: [
          [0.05, 'orange'],
          [0.1, 'red'],
        ],
      },
      targets: [{ expr: `synfinance_fraud_rate{${S}}`, legend: '{{instance}}' }],
    },
    {
      title: 'Fraud rate by type',
      type: 'timeseries',
      description: 'Detections of each fraud type per prediction (absent while nothing is scored).',
      unit: 'percentunit',
      width: 18,
      targets: [
        {
          expr: `sum by (fraud_type) (job_instance_type_severity:synfinance_fraud_detections:rate5m{${S}}) / ignoring (fraud_type) group_left sum(job_instance:synfinance_predictions:rate5m{${S}} > 0)`,
          legend: '{{fraud_type}}',
        },
      ],
    },
    {
      title: 'Detections timeline',
      type: 'timeseries',
      description: 'Fraud detections per second by severity.',
      unit: 'short',
      stack: true,
      targets: [
        {
          expr: `sum by (severity) (job_instance_type_severity:synfinance_fraud_detections:rate5m{${S}})`,
          legend: '{{severity}}',
        },
      ],
    },
    {
      title: 'Detections by type',
      type: 'piechart',
      description: 'Detections in the selected time range by fraud type.',
      width: 6,
      targets: [
        {
          expr: `sum by (fraud_type) (increase(synfinance_fraud_detections_total{${S}}[$__range]))`,
          legend: '{{fraud_type}}',
          instant: true,
        },
      ],
    },
    {
      title: 'Detections by severity',
      type: 'piechart',
      description: 'Detections in the selected time range by severity.',
      width: 6,
      targets: [
        {
          expr: `sum by (severity) (increase(synfinance_fraud_detections_total{${S}}[$__range]))`,
          legend: '{{severity}}',
          instant: true,
        },
      ],
    },
    {
      title: 'Fraud confidence',
      type: 'heatmap',
      description:
        'Distribution of the model fraud probability over time (synfinance_fraud_confidence buckets).',
      width: 24,
      targets: [
        {
          expr: `sum by (le) (rate(synfinance_fraud_confidence_bucket{${S}}[$__rate_interval]))`,
          legend: '{{le}}',
          format: 'heatmap',
        },
      ],
    },
    {
      title: 'Precision / recall / F1',
      type: 'timeseries',
      description:
        'Online model quality from confirmed feedback over a rolling window. Alerts: precision or recall < 0.5, F1 < 0.7.',
      unit: 'percentunit',
      min: 0,
      max: 1,
      targets: [
        { expr: `synfinance_model_precision{${S}}`, legend: 'precision' },
        { expr: `synfinance_model_recall{${S}}`, legend: 'recall' },
        { expr: `synfinance_model_f1{${S}}`, legend: 'F1' },
      ],
    },
    {
      title: 'Model F1',
      type: 'gauge',
      description: 'Latest online F1.',
      unit: 'percentunit',
      min: 0,
      max: 1,
      width: 6,
      thresholds: {
        base: 'red',
        steps: [
          [0.5, 'orange'],
          [0.7, 'green'],
        ],
      },
      targets: [{ expr: `synfinance_model_f1{${S}}`, legend: '{{instance}}' }],
    },
    {
      title: 'Critical detections per prediction',
      type: 'stat',
      description:
        'Share of predictions that were critical-severity detections over 5 minutes. Alerts at 5%.',
      unit: 'percentunit',
      width: 6,
      targets: [
        {
          expr: `sum(rate(synfinance_fraud_detections_total{${S}, severity="critical"}[5m])) / sum(job_instance:synfinance_predictions:rate5m{${S}} > 0)`,
        },
      ],
    },
    {
      title: 'Injected fraud by type (generator)',
      type: 'timeseries',
      description: 'Fraud rows injected per second by the generator, by type.',
      unit: 'short',
      targets: [
        {
          expr: `sum by (fraud_type) (rate(synfinance_fraud_injected_total{${S}}[5m]))`,
          legend: '{{fraud_type}}',
        },
      ],
    },
    {
      title: 'Anomaly rates',
      type: 'timeseries',
      description: 'Anomalies injected per second by the generator, by anomaly type.',
      unit: 'short',
      targets: [
        {
          expr: `sum by (anomaly_type) (rate(synfinance_anomalies_injected_total{${S}}[5m]))`,
          legend: '{{anomaly_type}}',
        },
      ],
    },
  ],
};

const performanceAnalytics: DashboardSpec = {
  uid: 'synfinance-performance',
  title: 'Performance analytics',
  description: 'SynFinance generation throughput, feature and prediction latency against the SLA, cache.',
  tags: ['synfinance', 'performance'],
  defaultJob: 'synfinance',
  panels: [
    {
      title: 'Generation rate',
      type: 'stat',
      description: 'Transactions per second of the current or last generation (gauge set by the generator).',
      unit: 'short',
      width: 6,
      targets: [{ expr: `synfinance_generation_rate_txn_per_sec{${S}}`, legend: '{{instance}}' }],
    },
    {
      title: 'Batch throughput',
      type: 'timeseries',
      description: 'Transactions generated per second, measured from the counter.',
      unit: 'short',
      width: 12,
      targets: [
        {
          expr: `sum by (instance) (rate(synfinance_transactions_generated_total{${S}}[5m]))`,
          legend: '{{instance}}',
        },
      ],
    },
    {
      title: 'Transactions generated',
      type: 'stat',
      description: 'Transactions generated in the selected time range.',
      unit: 'short',
      width: 6,
      targets: [
        { expr: `sum(increase(synfinance_transactions_generated_total{${S}}[$__range]))`, instant: true },
      ],
    },
    {
      title: 'Prediction latency (SLA 100ms at p95)',
      type: 'timeseries',
      description: 'Model scoring time quantiles; the dashed line is the 100ms p95 SLA.',
      unit: 's',
      thresholds: { base: 'green', steps: [[0.1, 'red']] },
      thresholdLine: true,
      targets: [
        { expr: `job_instance:synfinance_prediction_seconds:p50_5m{${S}}`, legend: 'p50' },
        { expr: `job_instance:synfinance_prediction_seconds:p95_5m{${S}}`, legend: 'p95' },
        { expr: `job_instance:synfinance_prediction_seconds:p99_5m{${S}}`, legend: 'p99' },
      ],
    },
    {
      title: 'Feature engineering latency (SLA 50ms at p95)',
      type: 'timeseries',
      description: 'Feature computation time quantiles; the dashed line is the 50ms p95 target.',
      unit: 's',
      thresholds: { base: 'green', steps: [[0.05, 'red']] },
      thresholdLine: true,
      targets: [
        { expr: `job_instance:synfinance_feature_engineering_seconds:p50_5m{${S}}`, legend: 'p50' },
        { expr: `job_instance:synfinance_feature_engineering_seconds:p95_5m{${S}}`, legend: 'p95' },
        { expr: `job_instance:synfinance_feature_engineering_seconds:p99_5m{${S}}`, legend: 'p99' },
      ],
    },
    {
      title: 'Predictions per second',
      type: 'timeseries',
      description: 'Scored transactions per second (count of the prediction histogram).',
      unit: 'short',
      targets: [{ expr: `job_instance:synfinance_predictions:rate5m{${S}}`, legend: '{{instance}}' }],
    },
    {
      title: 'Mean prediction time',
      type: 'timeseries',
      description: 'Average scoring time per prediction over 5 minutes.',
      unit: 's',
      targets: [
        {
          expr: `sum by (instance) (rate(synfinance_prediction_seconds_sum{${S}}[5m])) / sum by (instance) (rate(synfinance_prediction_seconds_count{${S}}[5m]) > 0)`,
          legend: '{{instance}}',
        },
      ],
    },
    {
      title: 'Cache hit rate',
      type: 'gauge',
      description: 'Customer-history cache hits / lookups over 5 minutes. Alerts below 50%.',
      unit: 'percentunit',
      min: 0,
      max: 1,
      width: 6,
      thresholds: {
        base: 'red',
        steps: [
          [0.5, 'orange'],
          [0.8, 'green'],
        ],
      },
      targets: [{ expr: `job_instance:synfinance_cache_hit_ratio:rate5m{${S}}`, legend: '{{instance}}' }],
    },
    {
      title: 'Cache hits and misses',
      type: 'timeseries',
      description: 'Customer-history cache lookups per second.',
      unit: 'short',
      width: 18,
      targets: [
        { expr: `sum(rate(synfinance_cache_hits_total{${S}}[5m]))`, legend: 'hits' },
        { expr: `sum(rate(synfinance_cache_misses_total{${S}}[5m]))`, legend: 'misses' },
      ],
    },
    {
      title: 'Prediction latency distribution',
      type: 'heatmap',
      description: 'synfinance_prediction_seconds buckets over time.',
      width: 12,
      targets: [
        {
          expr: `sum by (le) (rate(synfinance_prediction_seconds_bucket{${S}}[$__rate_interval]))`,
          legend: '{{le}}',
          format: 'heatmap',
        },
      ],
    },
    {
      title: 'API latency p95 by route',
      type: 'timeseries',
      description: 'SynFinance HTTP p95 per route template (recording rule).',
      unit: 's',
      targets: [
        {
          expr: `job_instance_route:http_server_request_duration_seconds:p95_5m{${S}, job="synfinance"}`,
          legend: '{{route}}',
        },
      ],
    },
  ],
};

const dataQuality: DashboardSpec = {
  uid: 'synfinance-data-quality',
  title: 'Data quality',
  description:
    'SynFinance data quality of generated batches and live scoring traffic against the reference profile.',
  tags: ['synfinance', 'data-quality'],
  defaultJob: 'synfinance',
  panels: [
    {
      title: 'Quality score',
      type: 'gauge',
      description:
        '0-100: 100 minus penalties for missing values, violations, outliers and drift. Warning below 90, critical below 70.',
      min: 0,
      max: 100,
      width: 6,
      thresholds: {
        base: 'red',
        steps: [
          [70, 'orange'],
          [90, 'green'],
        ],
      },
      targets: [{ expr: `synfinance_data_quality_score{${S}}`, legend: '{{instance}}' }],
    },
    {
      title: 'Quality score over time',
      type: 'timeseries',
      description: 'Score of each monitored batch or window.',
      min: 0,
      max: 100,
      width: 18,
      thresholds: {
        base: 'red',
        steps: [
          [70, 'orange'],
          [90, 'green'],
        ],
      },
      thresholdLine: true,
      targets: [{ expr: `synfinance_data_quality_score{${S}}`, legend: '{{instance}}' }],
    },
    {
      title: 'Missing-value rate by field',
      type: 'timeseries',
      description: 'Share of missing values per schema field. Alerts above 5%.',
      unit: 'percentunit',
      targets: [{ expr: `synfinance_data_missing_values_rate{${S}}`, legend: '{{field}}' }],
    },
    {
      title: 'Missing values now',
      type: 'bargauge',
      description: 'Latest missing-value rate per field.',
      unit: 'percentunit',
      min: 0,
      max: 1,
      thresholds: { base: 'green', steps: [[0.05, 'red']] },
      targets: [
        {
          expr: `max by (field) (synfinance_data_missing_values_rate{${S}})`,
          legend: '{{field}}',
          instant: true,
        },
      ],
    },
    {
      title: 'Outlier rate by field',
      type: 'timeseries',
      description:
        'Share of values outside the robust fences per numeric field (about 0.7% for normal data). Alerts above 5%.',
      unit: 'percentunit',
      targets: [{ expr: `synfinance_data_outliers_rate{${S}}`, legend: '{{field}}' }],
    },
    {
      title: 'Schema violations',
      type: 'timeseries',
      description: 'Records failing schema validation per 10 minutes. Alerts above 10.',
      unit: 'short',
      targets: [
        {
          expr: `sum by (instance) (increase(synfinance_data_schema_violations_total{${S}}[10m]))`,
          legend: '{{instance}}',
        },
      ],
    },
    {
      title: 'Schema violations in range',
      type: 'stat',
      description: 'Records failing schema validation in the selected time range.',
      width: 6,
      targets: [
        { expr: `sum(increase(synfinance_data_schema_violations_total{${S}}[$__range]))`, instant: true },
      ],
    },
    {
      title: 'Drift by field and method',
      type: 'timeseries',
      description:
        'PSI, KS D and JS divergence per field against the reference profile (windows of 500+ values only). Drift at PSI 0.25, KS D 0.1, JS 0.1.',
      width: 18,
      targets: [{ expr: `synfinance_data_drift_score{${S}}`, legend: '{{field}} {{method}}' }],
    },
    {
      title: 'PSI now',
      type: 'bargauge',
      description: 'Latest PSI per numeric field: warn at 0.1, drift at 0.25.',
      min: 0,
      max: 1,
      thresholds: {
        base: 'green',
        steps: [
          [0.1, 'orange'],
          [0.25, 'red'],
        ],
      },
      targets: [
        {
          expr: `max by (field) (synfinance_data_drift_score{${S}, method="psi"})`,
          legend: '{{field}}',
          instant: true,
        },
      ],
    },
    {
      title: 'Drifted fields',
      type: 'timeseries',
      description: 'Batches whose verdict was drift, per field, per hour.',
      unit: 'short',
      targets: [
        {
          expr: `sum by (field) (increase(synfinance_data_distribution_drifts_total{${S}}[1h]))`,
          legend: '{{field}}',
        },
      ],
    },
  ],
};

const labOperations: DashboardSpec = {
  uid: 'polymorph-lab-operations',
  title: 'Lab operations',
  description:
    'POLYMORPH-LITE: logins and lockouts, audit trail and signatures, LIMS stock and calibration, API latency.',
  tags: ['polymorph', 'lab', 'part11'],
  defaultJob: 'lab',
  panels: [
    {
      title: 'Logins by result',
      type: 'timeseries',
      description: 'Login attempts per second by result (success, failure, locked, mfa_required).',
      unit: 'short',
      stack: true,
      targets: [
        { expr: `sum by (result) (rate(polymorph_auth_logins_total{${S}}[5m]))`, legend: '{{result}}' },
      ],
    },
    {
      title: 'Lockouts',
      type: 'timeseries',
      description: 'Accounts locked per 15 minutes. Alerts at 3.',
      unit: 'short',
      thresholds: { base: 'green', steps: [[3, 'red']] },
      thresholdLine: true,
      targets: [{ expr: `sum(increase(polymorph_auth_lockouts_total{${S}}[15m]))`, legend: 'lockouts' }],
    },
    {
      title: 'Audit chain',
      type: 'stat',
      description: 'Result of the latest hash-chain verification of the audit trail.',
      width: 6,
      mappings: [
        { value: '0', text: 'BROKEN', color: 'red' },
        { value: '1', text: 'VALID', color: 'green' },
      ],
      targets: [{ expr: `min(polymorph_audit_chain_valid{${S}})` }],
    },
    {
      title: 'Audit events',
      type: 'timeseries',
      description: 'Audit-trail rows written per second.',
      unit: 'short',
      width: 18,
      targets: [{ expr: `sum(rate(polymorph_audit_events_total{${S}}[5m]))`, legend: 'events' }],
    },
    {
      title: 'E-signatures by meaning',
      type: 'timeseries',
      description: 'Electronic signatures applied per hour, by meaning (review, approval, ...).',
      unit: 'short',
      targets: [
        { expr: `sum by (meaning) (increase(polymorph_esignatures_total{${S}}[1h]))`, legend: '{{meaning}}' },
      ],
    },
    {
      title: 'E-signature failures',
      type: 'timeseries',
      description: 'Refused signatures per 15 minutes. Alerts at 5.',
      unit: 'short',
      thresholds: { base: 'green', steps: [[5, 'red']] },
      thresholdLine: true,
      targets: [
        { expr: `sum(increase(polymorph_esignature_failures_total{${S}}[15m]))`, legend: 'failures' },
      ],
    },
    {
      title: 'Samples created',
      type: 'timeseries',
      description: 'Samples registered per hour.',
      unit: 'short',
      targets: [{ expr: `sum(increase(polymorph_samples_created_total{${S}}[1h]))`, legend: 'samples' }],
    },
    {
      title: 'Low-stock items',
      type: 'stat',
      description: 'Inventory items below their reorder level.',
      width: 6,
      thresholds: { base: 'green', steps: [[1, 'orange']] },
      targets: [{ expr: `max(polymorph_inventory_low_stock_items{${S}})` }],
    },
    {
      title: 'Lots expiring within 30 days',
      type: 'stat',
      description: 'Inventory lots reaching their expiry date within 30 days.',
      width: 6,
      thresholds: { base: 'green', steps: [[1, 'orange']] },
      targets: [{ expr: `max(polymorph_inventory_expiring_lots{${S}})` }],
    },
    {
      title: 'Overdue calibrations',
      type: 'stat',
      description: 'Instruments past their calibration due date.',
      width: 6,
      thresholds: { base: 'green', steps: [[1, 'red']] },
      targets: [{ expr: `max(polymorph_calibration_overdue_devices{${S}})` }],
    },
    {
      title: 'API latency p95 by route',
      type: 'timeseries',
      description: 'Lab OS HTTP p95 per route template (recording rule). Alerts above 1s.',
      unit: 's',
      width: 12,
      thresholds: { base: 'green', steps: [[1, 'red']] },
      thresholdLine: true,
      targets: [
        {
          expr: `job_instance_route:http_server_request_duration_seconds:p95_5m{${S}, job="lab"}`,
          legend: '{{route}}',
        },
      ],
    },
    {
      title: 'Request rate by route',
      type: 'timeseries',
      description: 'Lab OS requests per second per route template.',
      unit: 'reqps',
      width: 12,
      targets: [
        { expr: `job_instance_route:http_server_requests:rate5m{${S}, job="lab"}`, legend: '{{route}}' },
      ],
    },
  ],
};

/** Run outcomes: the statuses a run ends in (running is the claim that starts it). */
const ENDED = 'status=~"completed|failed|aborted|interrupted"';

const runs: DashboardSpec = {
  uid: 'polymorph-runs',
  title: 'POLYMORPH runs',
  description:
    'POLYMORPH-LITE run engine: runs by status, interlock trips, step durations by step type, engine claims.',
  tags: ['polymorph', 'lab', 'runs'],
  defaultJob: 'lab',
  panels: [
    {
      title: 'Runs in progress (estimate)',
      type: 'stat',
      description:
        'Claims minus ended runs, summed over engine processes: each claim (status running) ends completed, failed, aborted or interrupted. Counters restart with a process, so after a restart this drifts until the process has run a while; GET /api/runs is exact.',
      width: 6,
      targets: [
        {
          expr: `clamp_min(sum(polymorph_runs_total{${S}, status="running"}) - sum(polymorph_runs_total{${S}, ${ENDED}}), 0)`,
        },
      ],
    },
    {
      title: 'Interlock trips (24 h)',
      type: 'stat',
      description:
        'Interlock trips in the last 24 hours, every line. Any trip pages (PolymorphInterlockTripped).',
      width: 6,
      thresholds: { base: 'green', steps: [[1, 'red']] },
      targets: [{ expr: `sum(increase(polymorph_interlock_trips_total{${S}}[24h]))` }],
    },
    {
      title: 'Run outcomes (24 h)',
      type: 'piechart',
      description: 'How runs ended in the last 24 hours.',
      targets: [
        {
          expr: `sum by (status) (increase(polymorph_runs_total{${S}, ${ENDED}}[24h]))`,
          legend: '{{status}}',
          instant: true,
        },
      ],
    },
    {
      title: 'Runs by status',
      type: 'timeseries',
      description:
        'Runs reaching each status per hour: running is a claim by an engine, the others how runs ended. Alerts at 2 failed in 3 hours and at any interrupted run.',
      unit: 'short',
      stack: true,
      targets: [{ expr: `sum by (status) (increase(polymorph_runs_total{${S}}[1h]))`, legend: '{{status}}' }],
    },
    {
      title: 'Runs queued and claimed',
      type: 'timeseries',
      description:
        'Runs queued (POST /api/runs answered 2xx) and claimed by an engine per hour. Queued with no claims: PolymorphEngineAbsent.',
      unit: 'short',
      targets: [
        {
          expr: `sum(increase(http_server_requests_total{${S}, method="POST", route="/api/runs", status_code=~"2.."}[1h]))`,
          legend: 'queued',
        },
        { expr: `sum(increase(polymorph_runs_total{${S}, status="running"}[1h]))`, legend: 'claimed' },
      ],
    },
    {
      title: 'Step duration p50 / p95 by step type',
      type: 'timeseries',
      description:
        'Run step durations over 30 minutes, by step type. wait, hold, ramps, acquisitions and operator input last as long as the workflow says; the others alert above a 15 s p95.',
      unit: 's',
      targets: [
        {
          expr: `histogram_quantile(0.50, sum by (step_type, le) (rate(polymorph_run_step_duration_seconds_bucket{${S}}[30m])))`,
          legend: 'p50 {{step_type}}',
        },
        {
          expr: `histogram_quantile(0.95, sum by (step_type, le) (rate(polymorph_run_step_duration_seconds_bucket{${S}}[30m])))`,
          legend: 'p95 {{step_type}}',
        },
      ],
    },
    {
      title: 'Engine claim lag p50 / p95',
      type: 'timeseries',
      description:
        'Time from a run being queued (start or resume) to an engine claiming it, over 15 minutes; empty while nothing is claimed. Alerts above a 30 s p95.',
      unit: 's',
      thresholds: { base: 'green', steps: [[30, 'red']] },
      thresholdLine: true,
      targets: [
        {
          expr: `histogram_quantile(0.50, sum by (le) (rate(polymorph_engine_claim_lag_seconds_bucket{${S}}[15m])))`,
          legend: 'p50',
        },
        {
          expr: `histogram_quantile(0.95, sum by (le) (rate(polymorph_engine_claim_lag_seconds_bucket{${S}}[15m])))`,
          legend: 'p95',
        },
      ],
    },
    {
      title: 'Interlock trips by line',
      type: 'timeseries',
      description:
        'Trips per 15 minutes by interlock line (estop, door, overTemperature, interlock_unreadable) and instance.',
      unit: 'short',
      thresholds: { base: 'green', steps: [[1, 'red']] },
      thresholdLine: true,
      targets: [
        {
          expr: `sum by (line, instance) (increase(polymorph_interlock_trips_total{${S}}[15m]))`,
          legend: '{{line}} {{instance}}',
        },
      ],
    },
  ],
};

export const DASHBOARDS: readonly DashboardSpec[] = [
  systemOverview,
  fraudDetection,
  performanceAnalytics,
  dataQuality,
  labOperations,
  runs,
];

function templateVariable(name: 'job' | 'instance', defaultJob: string) {
  const query = name === 'job' ? 'label_values(up, job)' : 'label_values(up{job=~"$job"}, instance)';
  const all = defaultJob === '$__all' || name === 'instance';
  return {
    name,
    label: name,
    type: 'query',
    datasource: DATASOURCE,
    definition: query,
    query: { query, refId: `${name}-variable` },
    refresh: 2,
    sort: 1,
    multi: true,
    includeAll: true,
    allValue: '.*',
    current: all
      ? { selected: true, text: ['All'], value: ['$__all'] }
      : { selected: true, text: [defaultJob], value: [defaultJob] },
  };
}

function panelJson(spec: PanelSpec, id: number, gridPos: { x: number; y: number; w: number; h: number }) {
  const steps = [
    { color: spec.thresholds?.base ?? 'green', value: null as number | null },
    ...(spec.thresholds?.steps ?? []).map(([value, color]) => ({ color, value })),
  ];
  const custom: Record<string, unknown> = {};
  if (spec.type === 'timeseries') {
    custom['drawStyle'] = 'line';
    custom['lineWidth'] = 1;
    custom['fillOpacity'] = spec.stack ? 30 : 10;
    custom['stacking'] = { mode: spec.stack ? 'normal' : 'none', group: 'A' };
    custom['thresholdsStyle'] = { mode: spec.thresholdLine ? 'dashed' : 'off' };
  }
  const defaults: Record<string, unknown> = {
    unit: spec.unit ?? 'short',
    thresholds: { mode: 'absolute', steps },
    custom,
  };
  if (spec.type !== 'heatmap') {
    defaults['color'] = {
      mode: spec.thresholds && spec.type !== 'timeseries' ? 'thresholds' : 'palette-classic',
    };
  }
  if (spec.min !== undefined) defaults['min'] = spec.min;
  if (spec.max !== undefined) defaults['max'] = spec.max;
  if (spec.mappings) {
    defaults['mappings'] = [
      {
        type: 'value',
        options: Object.fromEntries(
          spec.mappings.map((m, index) => [m.value, { text: m.text, color: m.color, index }]),
        ),
      },
    ];
  }
  const options: Record<string, unknown> =
    spec.type === 'timeseries'
      ? { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi' } }
      : spec.type === 'heatmap'
        ? {
            calculate: false,
            yAxis: { unit: spec.unit ?? 'short' },
            color: { scheme: 'Oranges', mode: 'scheme' },
          }
        : spec.type === 'piechart'
          ? {
              reduceOptions: { calcs: ['lastNotNull'], values: false },
              legend: { displayMode: 'table', placement: 'right' },
            }
          : { reduceOptions: { calcs: ['lastNotNull'], values: false, fields: '' } };
  return {
    id,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    gridPos,
    fieldConfig: { defaults, overrides: [] },
    options,
    targets: spec.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DATASOURCE,
      expr: t.expr,
      legendFormat: t.legend ?? '__auto',
      format: t.format ?? 'time_series',
      instant: t.instant ?? false,
      range: !(t.instant ?? false),
    })),
  };
}

/** Grafana dashboard JSON (schemaVersion 39, Grafana 10/11), panels laid out left to right in rows. */
export function dashboardJson(spec: DashboardSpec) {
  let x = 0;
  let y = 0;
  const panels = spec.panels.map((p, index) => {
    const w = p.width ?? 12;
    if (x + w > 24) {
      x = 0;
      y += 8;
    }
    const panel = panelJson(p, index + 1, { x, y, w, h: 8 });
    x += w;
    return panel;
  });
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: spec.tags,
    editable: false,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    timezone: 'browser',
    annotations: { list: [] },
    links: [],
    templating: {
      list: [templateVariable('job', spec.defaultJob), templateVariable('instance', spec.defaultJob)],
    },
    panels,
  };
}

export function dashboardFileName(spec: DashboardSpec): string {
  return `${spec.uid}.json`;
}

export function renderDashboard(spec: DashboardSpec): string {
  return `${JSON.stringify(dashboardJson(spec), null, 2)}\n`;
}

export const DASHBOARD_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../deploy/grafana/dashboards',
);

/** Writes every dashboard (temp file, then rename). */
export function writeDashboards(dir: string = DASHBOARD_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  return DASHBOARDS.map((spec) => {
    const path = join(dir, dashboardFileName(spec));
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, renderDashboard(spec));
    renameSync(tmp, path);
    return path;
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const path of writeDashboards()) console.log(`wrote ${path}`);
}
