import { normalSample } from '@polymorph/random/rng';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { buildReferenceProfile } from './profile.ts';
import { createQualityMetrics } from './prometheus-exporter.ts';
import { qualityReport } from './report.ts';
import type { Schema } from './schema.ts';

const schema: Schema = {
  fields: [
    { name: 'amount', type: 'number', min: -100 },
    { name: 'channel', type: 'string' },
  ],
};
const records = (shift: number, n: number, seed: number) =>
  normalSample(n, seed, shift).map((amount, i) => ({ amount, channel: i % 3 === 0 ? 'POS' : 'UPI' }));

describe('quality metrics exporter', () => {
  it('exports the six data-quality series with field, method and stream labels', async () => {
    const registry = new Registry();
    const metrics = createQualityMetrics(registry);
    const reference = buildReferenceProfile(records(0, 5000, 1), schema);
    metrics.record('scoring', qualityReport(reference, records(0, 2000, 2), schema));
    metrics.record(
      'scoring',
      qualityReport(reference, [...records(1, 2000, 3), { amount: 'x', channel: 'POS' }], schema),
    );
    const text = await registry.metrics();
    expect(text).toMatch(/synfinance_data_missing_values_rate\{stream="scoring",field="amount"\} 0/);
    expect(text).toMatch(/synfinance_data_outliers_rate\{stream="scoring",field="amount"\} /);
    const psi = Number(
      /synfinance_data_drift_score\{stream="scoring",field="amount",method="psi"\} ([0-9.e-]+)/.exec(
        text,
      )?.[1],
    );
    expect(psi).toBeGreaterThan(0.25);
    expect(text).toMatch(/synfinance_data_drift_score\{stream="scoring",field="channel",method="js"\} /);
    expect(text).toMatch(/synfinance_data_distribution_drifts_total\{stream="scoring",field="amount"\} 1/);
    expect(text).toMatch(/synfinance_data_schema_violations_total\{stream="scoring"\} 1/);
    expect(text).toMatch(/synfinance_data_schema_violations_total\{stream="generated"\} 0/);
    const score = Number(/synfinance_data_quality_score\{stream="scoring"\} ([0-9.]+)/.exec(text)?.[1]);
    expect(score).toBeLessThan(100);
  });
});
