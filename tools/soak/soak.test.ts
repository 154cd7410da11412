// The soak harness end to end, briefly: a real lab under the mixed load for about 25 s. It asserts what
// the run must produce (samples, every kind of operation succeeding, a valid chain), never timings or
// growth: this machine is shared and noisy, and those figures are the report's, not a test's.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KINDS } from './mixed-load.ts';
import { buildReport } from './report.ts';
import { leastSquaresSlope, parsePrometheusText, summarise } from './sampler.ts';
import { runSoak } from './soak.ts';

describe('soak', () => {
  it('drives reads, audited writes, logins and signatures, samples the process, and verifies the chain', async () => {
    const database = process.env['TEST_DATABASE_URL'] ? 'postgres' : 'pglite';
    const result = await runSoak({ seconds: 25, clients: 4, database, sampleEveryMs: 1_000 });
    const report = buildReport(result);

    expect(result.samples.length).toBeGreaterThanOrEqual(3);
    for (const series of ['rss_bytes', 'open_fds', 'heap_used_bytes', 'eventloop_lag_p99_seconds'] as const)
      expect(report.series[series]?.points, series).toBeGreaterThanOrEqual(2);
    for (const kind of KINDS) expect(report.kinds[kind].ok, kind).toBeGreaterThan(0);
    expect(result.records.filter((r) => r.outcome.startsWith('5'))).toEqual([]);
    expect(result.liveVerify?.status).toBe('valid');
    expect(result.postCheck.chain.valid).toBe(true);
    expect(result.postCheck.lost).toEqual([]);
    expect(result.exit.code).toBe(0);
    expect(report.failures).toEqual([]);
  }, 600_000); // Start-up (up to 2 min on a busy machine), 25 s of load, the stop and the post-check.

  it('reads unlabelled samples from Prometheus text and skips labelled ones and comments', () => {
    const text = [
      '# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.',
      '# TYPE nodejs_heap_size_used_bytes gauge',
      'nodejs_heap_size_used_bytes 12345678',
      'nodejs_eventloop_lag_p99_seconds 0.012',
      'nodejs_heap_space_size_used_bytes{space="old"} 999',
      'process_start_time_seconds 1.7e9',
    ].join('\n');
    const m = parsePrometheusText(text);
    expect(m.get('nodejs_heap_size_used_bytes')).toBe(12345678);
    expect(m.get('nodejs_eventloop_lag_p99_seconds')).toBe(0.012);
    expect(m.get('process_start_time_seconds')).toBe(1.7e9);
    expect(m.has('nodejs_heap_space_size_used_bytes')).toBe(false);
  });

  it('gives growth per hour from the least-squares slope after the warm-up', () => {
    expect(leastSquaresSlope([{ t: 0, v: 1 }])).toBeNull();
    expect(
      leastSquaresSlope([
        { t: 0, v: 1 },
        { t: 10, v: 21 },
      ]),
    ).toBe(2);
    // A start-up spike in the first 20% is left out; afterwards 1 fd per 100 s is 36 per hour.
    const samples = Array.from({ length: 11 }, (_, i) => ({
      t: i * 100,
      values: { open_fds: i < 2 ? 500 : 100 + i },
    }));
    const s = summarise(samples, 'open_fds', 1000);
    expect(s).toMatchObject({ points: 11, first: 500, last: 110, max: 500 });
    expect(s?.growthPerHour).toBeCloseTo(36, 6);
    expect(s?.floorGrowthPerHour).toBeCloseTo(36, 6);
  });

  it('sees through a garbage-collection saw-tooth to a flat floor', () => {
    // The heap climbs 10 MB and drops back to the same floor every 50 s.
    const samples = Array.from({ length: 101 }, (_, i) => ({
      t: i * 10,
      values: { heap_used_bytes: 50e6 + (i % 5) * 2.5e6 },
    }));
    const s = summarise(samples, 'heap_used_bytes', 1000);
    expect(s?.floorGrowthPerHour).toBeCloseTo(0, 6);
  });

  it('refuses bad arguments with exit code 2 and says which', () => {
    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
    for (const [args, message] of [
      [['--minutes', '0'], '--minutes takes a positive number'],
      [['--clients', '2.5'], '--clients takes a positive integer'],
      [['--database', 'mysql'], '--database is pglite or postgres'],
      [['--bogus'], "Unknown option '--bogus'"],
    ] as const) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { encoding: 'utf8' });
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(message);
    }
  });
});
