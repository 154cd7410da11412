import { Rng } from '@polymorph/random/rng';
import { describe, expect, it } from 'vitest';
import { buildReferenceProfile, profileFromJson, profileToJson } from './profile.ts';
import { formatQualityReport, qualityMetricSamples, qualityReport } from './report.ts';
import type { Schema } from './schema.ts';
import { qualityScore } from './score.ts';

const schema: Schema = {
  fields: [
    { name: 'amount', type: 'number', min: -100, max: 100 },
    { name: 'channel', type: 'string', enum: ['POS', 'ONLINE', 'ATM'] },
    { name: 'note', type: 'string', nullable: true, categorical: false },
  ],
};

function batch(n: number, seed: number, shift = 0, atmShare = 0.2) {
  const u = new Rng(seed);
  const z = new Rng(seed + 1);
  return Array.from({ length: n }, () => {
    const r = u.next();
    return {
      amount: z.normal() + shift,
      channel: r < atmShare ? 'ATM' : r < atmShare + (1 - atmShare) / 2 ? 'POS' : 'ONLINE',
      note: null as string | null,
    };
  });
}

describe('quality score', () => {
  it('applies the documented formula and clamps', () => {
    const q = qualityScore({
      missingExcess: 0.05,
      invalidRecordRate: 0.1,
      outlierExcess: 0.02,
      driftedFields: 1,
      warnFields: 1,
    });
    // 100 − 5 − 10 − 2 − (10 + 5)
    expect(q.penalties).toEqual({ missing: 5, violations: 10, outliers: 2, drift: 15 });
    expect(q.score).toBeCloseTo(68, 12);
    expect(
      qualityScore({
        missingExcess: 0,
        invalidRecordRate: 0,
        outlierExcess: 0,
        driftedFields: 9,
        warnFields: 0,
      }).penalties.drift,
    ).toBe(40);
    expect(
      qualityScore({
        missingExcess: 0.5,
        invalidRecordRate: 0.9,
        outlierExcess: 0,
        driftedFields: 0,
        warnFields: 0,
      }).score,
    ).toBe(0);
    expect(
      qualityScore(
        { missingExcess: 0.1, invalidRecordRate: 0, outlierExcess: 0, driftedFields: 0, warnFields: 0 },
        { missing: 2 },
      ).score,
    ).toBeCloseTo(80, 12);
  });
});

describe('qualityReport', () => {
  const reference = buildReferenceProfile(batch(20_000, 1), schema);

  it('a clean batch from the reference distribution scores 100 with no drift', () => {
    const r = qualityReport(reference, batch(2_000, 2), schema);
    expect(r.records).toBe(2000);
    expect(r.schema.violationsTotal).toBe(0);
    expect(r.fields.map((f) => [f.name, f.driftVerdict])).toEqual([
      ['amount', 'ok'],
      ['channel', 'ok'],
      ['note', 'not_monitored'], // categorical: false, so no drift method
    ]);
    // note is always null in reference and batch: expected missingness is not penalised
    expect(r.fields[2]!.missing).toEqual({ count: 2000, rate: 1, referenceRate: 1 });
    expect(r.fields[0]!.outliers!.fittedOn).toBe('reference');
    expect(r.quality!.penalties.missing).toBe(0);
    expect(r.quality!.penalties.drift).toBe(0);
    // outlier penalty: only the excess over the reference rate, small here
    expect(r.quality!.penalties.outliers).toBeLessThan(0.5);
    expect(r.quality!.score).toBeGreaterThan(99.5);
  });

  it('a hand-checked degraded batch: missing, violations, outliers and drift', () => {
    const records: Record<string, unknown>[] = batch(1_000, 3, 1, 0.6); // amount +1 SD, ATM share 0.2 → 0.6
    for (let i = 0; i < 100; i++) records[i]!['amount'] = null; // 10 % missing, each a violation
    for (let i = 100; i < 150; i++) records[i]!['channel'] = 'CRYPTO'; // 5 % enum violations
    const r = qualityReport(reference, records, schema);
    const amount = r.fields[0]!;
    const channel = r.fields[1]!;
    expect(amount.missing.rate).toBe(0.1);
    expect(amount.violations.byKind.missing).toBe(100);
    expect(channel.violations.byKind.enum).toBe(50);
    expect(r.schema.violationsTotal).toBe(150);
    expect(r.schema.invalidRecords).toBe(150);
    expect(amount.drifted).toBe(true);
    expect(channel.drifted).toBe(true);
    expect(amount.drift.find((d) => d.method === 'ks')!.value).toBeGreaterThan(0.3);
    const q = r.quality!;
    // m = (0.1 + 0 + 0)/3, v = 0.15, o = amount outlier rate − reference rate, drift = 2 fields × 10
    expect(q.inputs.missingExcess).toBeCloseTo(0.1 / 3, 12);
    expect(q.inputs.invalidRecordRate).toBe(0.15);
    expect(q.inputs.outlierExcess).toBeCloseTo(amount.outliers!.rate - amount.outliers!.referenceRate, 12);
    expect(q.penalties.drift).toBe(20);
    const expected = 100 - 100 * (0.1 / 3) - 15 - 100 * q.inputs.outlierExcess - 20;
    expect(q.score).toBeCloseTo(expected, 10);
    expect(q.score).toBeLessThan(70);
  });

  it('below the minimum window no drift verdict and no drift penalty', () => {
    const r = qualityReport(reference, batch(100, 4, 1), schema);
    expect(r.fields[0]!.driftVerdict).toBe('insufficient_data');
    expect(r.quality!.penalties.drift).toBe(0);
    expect(qualityMetricSamples(r).some((s) => s.name === 'synfinance_data_drift_score')).toBe(false);
  });

  it('works without a reference: fences fitted on the batch, no drift', () => {
    const r = qualityReport(null, batch(1_000, 5), schema);
    expect(r.hasReference).toBe(false);
    expect(r.fields[0]!.outliers!.fittedOn).toBe('batch');
    expect(r.fields.every((f) => f.drift.length === 0 && f.driftVerdict === 'not_monitored')).toBe(true);
    expect(qualityReport(null, [], schema).quality).toBeNull();
  });

  it('gives the same report from a profile reloaded from JSON', () => {
    const reloaded = profileFromJson(profileToJson(reference));
    const records = batch(1_000, 6, 0.5);
    expect(qualityReport(reloaded, records, schema)).toEqual(qualityReport(reference, records, schema));
  });

  it('exports bounded metric samples and a terminal table', () => {
    const records: Record<string, unknown>[] = batch(1_000, 7, 1);
    records[0]!['channel'] = 'CRYPTO';
    records[1]!['unexpected_field'] = 'x';
    const r = qualityReport(reference, records, schema);
    const samples = qualityMetricSamples(r);
    const fieldLabels = new Set(
      samples.flatMap((s) => (s.labels['field'] === undefined ? [] : [s.labels['field']])),
    );
    expect([...fieldLabels].sort()).toEqual(['amount', 'channel', 'note']);
    expect(samples.filter((s) => s.name === 'synfinance_data_drift_score').map((s) => s.labels)).toEqual([
      { field: 'amount', method: 'psi' },
      { field: 'amount', method: 'ks' },
      { field: 'channel', method: 'psi' },
      { field: 'channel', method: 'js' },
    ]);
    expect(samples.find((s) => s.name === 'synfinance_data_schema_violations_total')).toEqual({
      name: 'synfinance_data_schema_violations_total',
      op: 'inc',
      labels: {},
      value: 1,
    });
    expect(samples.filter((s) => s.name === 'synfinance_data_distribution_drifts_total')).toEqual([
      { name: 'synfinance_data_distribution_drifts_total', op: 'inc', labels: { field: 'amount' }, value: 1 },
    ]);
    const score = samples.find((s) => s.name === 'synfinance_data_quality_score')!;
    expect(score.value).toBe(r.quality!.score);

    const text = formatQualityReport(r);
    const lines = text.split('\n');
    expect(lines[0]).toContain('records: 1000');
    expect(lines[1]).toMatch(
      /^field\s+type\s+missing\s+outliers\s+violations\s+PSI\s+KS D\s+KS p\s+JS\s+n\s+verdict$/,
    );
    expect(lines.find((l) => l.startsWith('amount'))).toMatch(/drift$/);
    expect(text).toContain('schema violations: 1 in 1 record(s); 1 record(s) with undeclared fields');
    expect(text).toMatch(/quality score: \d+\.\d \/ 100/);
  });
});
