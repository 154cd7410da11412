/**
 * qualityReport: missing values, outliers, schema violations, drift and the quality score of a batch of
 * records, per schema field, against an optional reference profile. Pure: no I/O, no metrics registry.
 * `qualityMetricSamples` turns a report into the synfinance_data_* samples an exporter sets;
 * `formatQualityReport` renders it as a plain-text table for the terminal.
 */
import {
  categoricalDrift,
  DEFAULT_DRIFT_THRESHOLDS,
  DEFAULT_MIN_WINDOW,
  DEFAULT_PSI_EPSILON,
  type DriftOptions,
  type DriftResult,
  type DriftThresholds,
  type DriftVerdict,
  numericDrift,
  worstVerdict,
} from './drift.ts';
import { missingRatesForSchema } from './missing.ts';
import { type Fences, fitFences, type OutlierStats, outlierStats } from './outliers.ts';
import { categoricalColumn, numericColumn, type ReferenceProfile } from './profile.ts';
import {
  type FieldType,
  type FieldViolations,
  isCategoricalField,
  isNumericField,
  type Schema,
  validateRecords,
} from './schema.ts';
import { type QualityScore, qualityScore, type ScoreWeights } from './score.ts';

export interface QualityReportOptions extends DriftOptions {
  weights?: Partial<ScoreWeights>;
}

export interface FieldOutliers extends OutlierStats {
  fences: Fences;
  /** 'reference' when the fences come from the profile, 'batch' when fitted on this batch (no profile). */
  fittedOn: 'reference' | 'batch';
  /** The reference's own outlier rate under the same fences (0 without a profile). */
  referenceRate: number;
}

export interface FieldReport {
  name: string;
  type: FieldType;
  kind: 'numeric' | 'categorical' | 'none';
  missing: { count: number; rate: number; referenceRate: number };
  outliers: FieldOutliers | null;
  violations: FieldViolations;
  /** Empty without a reference profile, or for fields the profile does not describe. */
  drift: DriftResult[];
  /** Worst verdict of the field's methods; 'not_monitored' when the field has no drift method (no profile, timestamp, …). */
  driftVerdict: DriftVerdict | 'not_monitored';
  /** driftVerdict === 'drift': the exporter increments synfinance_data_distribution_drifts_total{field}. */
  drifted: boolean;
}

export interface QualityReport {
  records: number;
  hasReference: boolean;
  fields: FieldReport[];
  schema: { violationsTotal: number; invalidRecords: number; extraFieldRecords: number };
  /** null for an empty batch: there is nothing to score. */
  quality: QualityScore | null;
  settings: { minWindow: number; psiEpsilon: number; thresholds: DriftThresholds };
}

export function qualityReport(
  reference: ReferenceProfile | null,
  records: readonly Record<string, unknown>[],
  schema: Schema,
  options: QualityReportOptions = {},
): QualityReport {
  const validation = validateRecords(records, schema);
  const missing = missingRatesForSchema(records, schema);
  const fields: FieldReport[] = [];
  for (const spec of schema.fields) {
    const prof = reference?.fields[spec.name];
    const kind: FieldReport['kind'] = isNumericField(spec)
      ? 'numeric'
      : isCategoricalField(spec)
        ? 'categorical'
        : 'none';
    let outliers: FieldOutliers | null = null;
    let drift: DriftResult[] = [];
    if (kind === 'numeric') {
      const values = numericColumn(records, spec.name);
      if (prof?.kind === 'numeric') {
        if (prof.fences !== null)
          outliers = {
            ...outlierStats(values, prof.fences),
            fences: prof.fences,
            fittedOn: 'reference',
            referenceRate: prof.outlierRate,
          };
        drift = numericDrift(prof, values, options);
      } else if (spec.outlierRule !== 'none') {
        const fences = fitFences(values, spec.outlierRule ?? 'iqr');
        if (fences !== null)
          outliers = { ...outlierStats(values, fences), fences, fittedOn: 'batch', referenceRate: 0 };
      }
    } else if (kind === 'categorical' && prof?.kind === 'categorical') {
      drift = categoricalDrift(prof, categoricalColumn(records, spec.name), options);
    }
    const driftVerdict = drift.length === 0 ? 'not_monitored' : worstVerdict(drift);
    const m = missing[spec.name]!;
    fields.push({
      name: spec.name,
      type: spec.type,
      kind,
      missing: { count: m.missing, rate: m.rate, referenceRate: prof?.missingRate ?? 0 },
      outliers,
      violations: validation.fields[spec.name]!,
      drift,
      driftVerdict,
      drifted: driftVerdict === 'drift',
    });
  }

  let quality: QualityScore | null = null;
  if (records.length > 0) {
    let missingExcess = 0;
    for (const f of fields) missingExcess += Math.max(0, f.missing.rate - f.missing.referenceRate);
    missingExcess = fields.length === 0 ? 0 : missingExcess / fields.length;
    let outlierExcess = 0;
    let withFences = 0;
    for (const f of fields) {
      if (f.outliers === null) continue;
      withFences++;
      outlierExcess += Math.max(0, f.outliers.rate - f.outliers.referenceRate);
    }
    outlierExcess = withFences === 0 ? 0 : outlierExcess / withFences;
    quality = qualityScore(
      {
        missingExcess,
        invalidRecordRate: validation.invalidRecords / records.length,
        outlierExcess,
        driftedFields: fields.filter((f) => f.driftVerdict === 'drift').length,
        warnFields: fields.filter((f) => f.driftVerdict === 'warn').length,
      },
      options.weights,
    );
  }

  return {
    records: records.length,
    hasReference: reference !== null,
    fields,
    schema: {
      violationsTotal: validation.violationsTotal,
      invalidRecords: validation.invalidRecords,
      extraFieldRecords: validation.extraFieldRecords,
    },
    quality,
    settings: {
      minWindow: options.minWindow ?? DEFAULT_MIN_WINDOW,
      psiEpsilon: options.psiEpsilon ?? DEFAULT_PSI_EPSILON,
      thresholds: { ...DEFAULT_DRIFT_THRESHOLDS, ...options.thresholds },
    },
  };
}

export interface MetricSample {
  name:
    | 'synfinance_data_missing_values_rate'
    | 'synfinance_data_outliers_rate'
    | 'synfinance_data_schema_violations_total'
    | 'synfinance_data_drift_score'
    | 'synfinance_data_distribution_drifts_total'
    | 'synfinance_data_quality_score';
  /** 'set' for gauges; 'inc' for counters (add `value` to the counter). */
  op: 'set' | 'inc';
  labels: Record<string, string>;
  value: number;
}

/**
 * The Prometheus samples of one report. Labels are schema field names and the methods psi|ks|js only.
 * Drift scores with an 'insufficient_data' verdict are left out (the gauge keeps its last meaningful value);
 * the quality score is left out for an empty batch.
 */
export function qualityMetricSamples(report: QualityReport): MetricSample[] {
  const out: MetricSample[] = [];
  for (const f of report.fields) {
    out.push({
      name: 'synfinance_data_missing_values_rate',
      op: 'set',
      labels: { field: f.name },
      value: f.missing.rate,
    });
    if (f.outliers !== null)
      out.push({
        name: 'synfinance_data_outliers_rate',
        op: 'set',
        labels: { field: f.name },
        value: f.outliers.rate,
      });
    for (const d of f.drift)
      if (d.verdict !== 'insufficient_data')
        out.push({
          name: 'synfinance_data_drift_score',
          op: 'set',
          labels: { field: f.name, method: d.method },
          value: d.value,
        });
    if (f.drifted)
      out.push({
        name: 'synfinance_data_distribution_drifts_total',
        op: 'inc',
        labels: { field: f.name },
        value: 1,
      });
  }
  out.push({
    name: 'synfinance_data_schema_violations_total',
    op: 'inc',
    labels: {},
    value: report.schema.violationsTotal,
  });
  if (report.quality !== null)
    out.push({ name: 'synfinance_data_quality_score', op: 'set', labels: {}, value: report.quality.score });
  return out;
}

function pct(x: number): string {
  return (100 * x).toFixed(2) + '%';
}

function num(x: number | undefined, digits = 3): string {
  return x === undefined ? '-' : x.toFixed(digits);
}

function pValue(p: number | undefined): string {
  if (p === undefined) return '-';
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

/** A plain-text table: one row per schema field, then the schema totals and the score with its penalties. */
export function formatQualityReport(report: QualityReport): string {
  const header = [
    'field',
    'type',
    'missing',
    'outliers',
    'violations',
    'PSI',
    'KS D',
    'KS p',
    'JS',
    'n',
    'verdict',
  ];
  const rows: string[][] = [header];
  for (const f of report.fields) {
    const by = (m: string) => f.drift.find((d) => d.method === m);
    const psiR = by('psi');
    const ksR = by('ks');
    const jsR = by('js');
    rows.push([
      f.name,
      f.type,
      pct(f.missing.rate),
      f.outliers === null ? '-' : `${pct(f.outliers.rate)} (${f.outliers.fences.rule})`,
      String(f.violations.total),
      num(psiR?.value),
      num(ksR?.value),
      pValue(ksR?.pValue),
      num(jsR?.value),
      f.drift.length === 0 ? '-' : String(f.drift[0]!.n),
      f.drift.length === 0 ? '-' : f.driftVerdict,
    ]);
  }
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c < 2 || c === r.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  out.push(
    `records: ${report.records}   reference profile: ${report.hasReference ? 'yes' : 'no'}   min window: ${report.settings.minWindow}`,
  );
  out.push(line(rows[0]!));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) out.push(line(r));
  out.push('');
  out.push(
    `schema violations: ${report.schema.violationsTotal} in ${report.schema.invalidRecords} record(s)` +
      (report.schema.extraFieldRecords > 0
        ? `; ${report.schema.extraFieldRecords} record(s) with undeclared fields`
        : ''),
  );
  if (report.quality === null) {
    out.push('quality score: n/a (empty batch)');
  } else {
    const p = report.quality.penalties;
    out.push(
      `quality score: ${report.quality.score.toFixed(1)} / 100  (penalties: missing ${p.missing.toFixed(1)}, ` +
        `violations ${p.violations.toFixed(1)}, outliers ${p.outliers.toFixed(1)}, drift ${p.drift.toFixed(1)})`,
    );
  }
  return out.join('\n') + '\n';
}
