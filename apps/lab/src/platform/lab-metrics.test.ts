import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLabMetrics, INTERLOCK_LINES, RUN_STATUSES } from './lab-metrics.ts';

describe('run metrics at start-up', () => {
  it('expose every run status and interlock line at 0, and the claim-lag buckets, before any run', async () => {
    const registry = new Registry();
    createLabMetrics(registry);
    const text = await registry.metrics();
    for (const status of RUN_STATUSES) expect(text).toContain(`polymorph_runs_total{status="${status}"} 0`);
    for (const line of INTERLOCK_LINES)
      expect(text).toContain(`polymorph_interlock_trips_total{line="${line}"} 0`);
    expect(text).toContain('polymorph_engine_claim_lag_seconds_bucket{le="30"} 0');
    // Step durations carry the engine's step type, known only once a step ends.
    expect(text).not.toContain('polymorph_run_step_duration_seconds_bucket');
  });

  it('count from the zeroed series', async () => {
    const registry = new Registry();
    const metrics = createLabMetrics(registry);
    metrics.interlockTrips.inc({ line: 'estop' });
    metrics.runsTotal.inc({ status: 'failed' });
    const text = await registry.metrics();
    expect(text).toContain('polymorph_interlock_trips_total{line="estop"} 1');
    expect(text).toContain('polymorph_interlock_trips_total{line="door"} 0');
    expect(text).toContain('polymorph_runs_total{status="failed"} 1');
  });
});
