/**
 * Polymorph identification in a run, end to end: the published cooling-crystallization-polymorph
 * example, approved and made effective, run by a technician on the simulated reactor served over SCPI
 * (`instrument-sim`, its own process, accelerated). Each spectrum is identified against the pinned
 * references; the run sees Form I, then Form II; repeat_until stops on the Form II fraction; the live
 * stream carries the fractions; every identification is stored, linked to the run and step; and the
 * onset detected over the run's series is checked against the simulator's own first nucleation.
 */
import { readFileSync } from 'node:fs';
import { ScpiLink } from '@polymorph/run-engine/scpi/link';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { createBoundDeviceSet } from '../../testing/instrument-fixtures.ts';
import type { InstrumentSimProcess } from '../../testing/instrument-sim-process.ts';
import { type TestLab, userWithRole } from '../../testing/lab-app.ts';
import type { TestUser } from '../../testing/run-fixtures.ts';
import { testRig, testWorkflow } from '../../testing/run-fixtures.ts';
import { type ScpiRunRig, startScpiRunRig } from '../../testing/scpi-run-rig.ts';
import { waitFor } from '../../testing/wait.ts';

const EXAMPLE = readFileSync(
  new URL('../../../../../docs/examples/cooling-crystallization-polymorph.yaml', import.meta.url),
  'utf8',
);
// Experiment time per wall time, the same for the instrument and the engine.
const ACCELERATION = 60;
/**
 * The onset may come up to GROWTH_ALLOWANCE_MS plus two passes after the first Form I nucleus, and at
 * most one pass before it (docs/polymorph.md). A 1 µm nucleus weighs nothing: in this example the
 * simulated Form I share is still under 1% 1.5 min after the first nucleus and 7% at 2.2 min, so
 * spectra cannot show crystals much sooner; and the series is sampled once per pass, whose
 * experiment-time length depends on how fast this machine stores a pass (28-45 s at 60x here).
 */
const GROWTH_ALLOWANCE_MS = 150_000;

/** The median time between the watch loop's identifications, ms. */
function medianPass(series: { measured_at: string; step_id: string | null }[]): number {
  const t = series.filter((p) => p.step_id === 'identify_form').map((p) => Date.parse(p.measured_at));
  const gaps = t
    .slice(1)
    .map((v, i) => v - t[i]!)
    .sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? 0;
}
let rig: ScpiRunRig;
let lab: TestLab;
let sim: InstrumentSimProcess;
beforeAll(async () => {
  rig = await startScpiRunRig(ACCELERATION);
  ({ lab, sim } = rig);
}, 120_000);
afterAll(async () => rig?.close());

const call: ScpiRunRig['call'] = (who, method, url, payload) => rig.call(who, method, url, payload);
const allEvents = (who: TestUser, runId: string) => rig.allEvents(who, runId);

/** The simulator's ground truth: when Form I and Form II first nucleated (epoch ms of its readings). */
async function firstNucleation(): Promise<{ formI: number; formII: number }> {
  const link = new ScpiLink({ host: sim.host, port: sim.port, timeoutMs: 10_000 }, 'INST:SEL DAQ');
  try {
    const reply = await link.exchange('SIM:NUCL?', { query: true, idempotent: true });
    const [formI, formII] = reply.split(';')[0]!.split(',').map(Number);
    return { formI: formI!, formII: formII! };
  } finally {
    await link.close();
  }
}

interface Classified {
  label: string;
  fractions: Record<string, { value: number; uncertainty: number }>;
}

describe('polymorph identification in a cooling crystallization, over SCPI/TCP', () => {
  it('identifies Form I then Form II, stops on the Form II fraction, stores every result, and finds the onset near the true nucleation', async () => {
    const scientist = await userWithRole(lab, 'scientist');
    const approver = await userWithRole(lab, 'scientist');
    const technician = await userWithRole(lab, 'technician');
    const admin = await userWithRole(lab, 'admin');
    await testWorkflow(lab, scientist, approver, EXAMPLE);
    const devices = await createBoundDeviceSet(lab, {
      auth: admin.auth,
      prefix: 'POLY',
      transport: { transport: 'scpi', host: sim.host, port: sim.port },
    });

    const started = await call(technician, 'POST', '/api/runs', {
      workflow: 'cooling-crystallization-polymorph',
      devices,
    });
    expect(started.status, started.raw).toBe(201);
    const runId = started.body['run_id'] as string;
    await waitFor(`run ${runId} to end`, 600_000, async () =>
      ['completed', 'failed', 'aborted', 'interrupted'].includes(
        (await call(technician, 'GET', `/api/runs/${runId}`)).body['status'] as string,
      ),
    );
    const run = await call(technician, 'GET', `/api/runs/${runId}`);
    expect(run.body, run.raw).toMatchObject({ status: 'completed' });

    // 1. Every classified event carries the fractions, and so does the live stream (SSE).
    const events = await allEvents(technician, runId);
    const allClassified = events.filter((e) => e.type === 'classified');
    const classified = allClassified.map((e) => e.payload['result'] as Classified);
    const watched = allClassified
      .filter((e) => e.step_id === 'identify_form')
      .map((e) => e.payload['result'] as Classified);
    expect(watched.length).toBeGreaterThan(5);
    for (const r of classified)
      expect(Object.keys(r.fractions).sort()).toEqual(['dissolved', 'form_i', 'form_ii']);
    const sse = await lab.app.inject({
      url: `/api/runs/${runId}/events`,
      headers: { ...technician.auth, accept: 'text/event-stream' },
    });
    const streamed = sse.body
      .split('\n\n')
      .filter((frame) => frame.includes('event: classified'))
      .map((frame) => JSON.parse(frame.split('\ndata: ')[1]!).payload.result as Classified);
    expect(streamed).toEqual(classified);

    // 2. Clear solution first (the settling passes), then Form I, then Form II: the crystalline forms in order of appearance.
    const labels = classified.map((r) => r.label);
    expect(labels[0]).toBe('none');
    const crystalline = labels.filter((l) => l !== 'none');
    expect(crystalline[0]).toBe('form_i');
    expect(crystalline.at(-1)).toBe('form_ii');
    expect(crystalline.lastIndexOf('form_i')).toBeLessThan(crystalline.indexOf('form_ii'));

    // 3. repeat_until stopped on the Form II fraction: met at the last pass, not before.
    const loopEnds = events.filter(
      (e) => e.type === 'step_ended' && e.step_id === 'watch_form' && e.payload['op'] === 'loop_until',
    );
    expect(loopEnds).toHaveLength(watched.length);
    expect(loopEnds.at(-1)?.payload).toMatchObject({ summary: { met: true, observed: { form: 'form_ii' } } });
    expect(loopEnds.slice(0, -1).every((e) => (e.payload['summary'] as { met: boolean }).met === false)).toBe(
      true,
    );
    expect(watched.at(-1)!.fractions['form_ii']!.value).toBeGreaterThanOrEqual(0.5);
    expect(watched.at(-2)!.fractions['form_ii']!.value).toBeLessThan(0.5);

    // 4. Each identification is stored, linked to the run, its step and the classified event.
    const rows = await queryRows<{ n: number; linked: number }>(
      lab.database.db,
      sql`SELECT count(*)::int AS n,
                 count(*) FILTER (WHERE i.step_id IN ('check_clear', 'identify_form') AND i.event_seq IS NOT NULL)::int AS linked
            FROM polymorph_identifications i JOIN workflow_executions x ON x.id = i.execution_id
           WHERE x.run_id = ${runId} AND i.origin = 'run'`,
    );
    expect(rows[0]).toEqual({ n: classified.length, linked: classified.length });

    // 5. The run's identification: the series, the last result, and the onset near the true nucleation.
    const identification = await call(technician, 'GET', `/api/runs/${runId}/identification`);
    expect(identification.status, identification.raw).toBe(200);
    const body = identification.body as {
      series: { measured_at: string; step_id: string | null; form: string }[];
      onset: { at: string } | null;
      last: { form: string } | null;
    };
    expect(body.series).toHaveLength(classified.length);
    expect(body.last?.form).toBe('form_ii');
    expect(body.onset).not.toBeNull();
    const truth = await firstNucleation();
    expect(truth.formI).toBeGreaterThan(0);
    const lagMs = Date.parse(body.onset!.at) - truth.formI;
    const pass = medianPass(body.series);
    const tolerance = GROWTH_ALLOWANCE_MS + 2 * pass;
    console.log(
      `onset - first Form I nucleation: ${(lagMs / 1000).toFixed(0)} s (pass ${(pass / 1000).toFixed(0)} s, allowed ${(-pass / 1000).toFixed(0)}..${(tolerance / 1000).toFixed(0)} s)`,
    );
    expect(pass).toBeGreaterThan(20_000);
    expect(lagMs).toBeGreaterThanOrEqual(-pass);
    expect(lagMs).toBeLessThanOrEqual(tolerance);

    // 6. The audit chain verifies, identifications included.
    const verified = await call(admin, 'GET', '/api/compliance/audit/verify');
    expect(verified.body['valid']).toBe(true);
  }, 900_000);

  it('a pin that does not resolve in the lab fails the run before any step (reference_unavailable)', async () => {
    const scientist = await userWithRole(lab, 'scientist');
    const approver = await userWithRole(lab, 'scientist');
    const admin = await userWithRole(lab, 'admin');
    const source = EXAMPLE.replace(/^name: .*$/m, 'name: ghost-pin').replaceAll(
      'SIM-FORM-II@1',
      'REF-GHOST@1',
    );
    await testWorkflow(lab, scientist, approver, source);
    const started = await call(scientist, 'POST', '/api/runs', {
      workflow: 'ghost-pin',
      devices: await testRig(lab, admin, 'GHOST'),
    });
    expect(started.status, started.raw).toBe(201);
    const runId = started.body['run_id'] as string;
    await waitFor(`run ${runId} to end`, 120_000, async () =>
      ['completed', 'failed'].includes(
        (await call(scientist, 'GET', `/api/runs/${runId}`)).body['status'] as string,
      ),
    );
    const run = await call(scientist, 'GET', `/api/runs/${runId}`);
    expect(run.body).toMatchObject({ status: 'failed', failure_code: 'reference_unavailable' });
    expect(String(run.body['error_message'])).toContain('REF-GHOST@1 does not exist in this lab');
    const steps = await call(scientist, 'GET', `/api/runs/${runId}/steps`);
    expect(steps.body['items']).toEqual([]);
  });
});
