/**
 * The cooling crystallization end to end, as a lab does it: a scientist authors the published example,
 * a second user approves it with an e-signature and makes it effective, an admin binds three calibrated
 * devices to an instrument served over SCPI on a real TCP port (`instrument-sim`, its own process), and
 * a technician runs it through the API. The engine drives the instruments over the wire; the spectra
 * show Form I, then Form II; the repeat_until loop stops on the classifier's result; the live stream
 * gives the same events; the audit chain verifies.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { createBoundDeviceSet } from '../../testing/instrument-fixtures.ts';
import type { InstrumentSimProcess } from '../../testing/instrument-sim-process.ts';
import { type TestLab, userWithRole } from '../../testing/lab-app.ts';
import { COOLING_EXAMPLE, type TestUser } from '../../testing/run-fixtures.ts';
import { type ScpiRunRig, startScpiRunRig } from '../../testing/scpi-run-rig.ts';
import { waitFor } from '../../testing/wait.ts';

// Experiment time per wall time: the example's 80 min of cooling and watching take seconds.
const ACCELERATION = 150;

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

describe('cooling crystallization, end to end over SCPI/TCP', () => {
  it('authored, approved by a second user, made effective, run by a technician: Form I, then Form II, loop stopped by the classifier, chain intact', async () => {
    const scientist = await userWithRole(lab, 'scientist');
    const approver = await userWithRole(lab, 'scientist');
    const technician = await userWithRole(lab, 'technician');
    const admin = await userWithRole(lab, 'admin');

    // 1. A scientist authors the published example and submits it for review.
    const created = await call(scientist, 'POST', '/api/workflows', {
      source: COOLING_EXAMPLE,
      format: 'yaml',
    });
    expect(created.status).toBe(201);
    const V = `/api/workflows/cooling-crystallization/versions/${created.body['version']}`;
    expect((await call(scientist, 'POST', `${V}/submit`, {})).status).toBe(200);

    // 2. The author may not approve their own version; a second user approves it with a signature.
    const selfApproval = await call(scientist, 'POST', `${V}/approve`, {
      user_id: scientist.email,
      password: scientist.password,
      reason: 'I wrote it',
    });
    expect(selfApproval.status).toBeGreaterThanOrEqual(400);
    const approved = await call(approver, 'POST', `${V}/approve`, {
      user_id: approver.email,
      password: approver.password,
      reason: 'Reviewed: parameters and interlocks are right',
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', approved_by: approver.email });

    // 3. It is made effective, by a second signature.
    const effective = await call(approver, 'POST', `${V}/activate`, {
      password: approver.password,
      reason: 'Released for the lab',
    });
    expect(effective.status).toBe(200);
    expect(effective.body['status']).toBe('effective');

    // The lab's instruments: calibrated devices bound to the reactor served over SCPI on a real port.
    const devices = await createBoundDeviceSet(lab, {
      auth: admin.auth,
      prefix: 'E2E',
      transport: { transport: 'scpi', host: sim.host, port: sim.port },
    });

    // 4. A technician starts it. Cooling to 30 °C at 1 °C/min, the loop starts while Form I is there.
    const started = await call(technician, 'POST', '/api/runs', {
      workflow: 'cooling-crystallization',
      parameters: { end_temp_c: 30, cooling_rate: 1 },
      devices,
    });
    expect(started.status).toBe(201);
    const runId = started.body['run_id'] as string;
    await waitFor(`run ${runId} to end`, 600_000, async () =>
      ['completed', 'failed', 'aborted', 'interrupted'].includes(
        (await call(technician, 'GET', `/api/runs/${runId}`)).body['status'] as string,
      ),
    );
    const run = await call(technician, 'GET', `/api/runs/${runId}`);
    expect(run.body).toMatchObject({ status: 'completed' });

    const events = await allEvents(technician, runId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));

    // The spectra came over the wire from the simulated instrument, and say so.
    const spectra = events.filter((e) => e.type === 'spectrum');
    expect(spectra.length).toBeGreaterThan(2);
    expect(spectra.every((e) => e.payload['simulated'] === true)).toBe(true);

    // 5. The classifier saw Form I first, then Form II.
    const labels = events.filter((e) => e.type === 'classified').map((e) => labelOf(e.payload));
    expect(labels[0]).toBe('form_i');
    expect(labels.at(-1)).toBe('form_ii');
    expect(labels.indexOf('form_ii')).toBe(labels.length - 1);

    // 6. repeat_until stopped on the classifier's result, not on max_iterations.
    const loopEnds = events.filter(
      (e) => e.type === 'step_ended' && e.step_id === 'watch_form' && e.payload['op'] === 'loop_until',
    );
    expect(loopEnds.at(-1)?.payload).toMatchObject({ summary: { met: true } });
    expect(loopEnds).toHaveLength(labels.length);

    // Every step ran in order, once each outside the loop; the stirrer was switched off last.
    const steps = await lab.app.lab.uow.read((tx) =>
      queryRows<{ step_id: string; outcome: string }>(
        tx,
        sql`SELECT s.step_id, s.outcome FROM run_steps s JOIN workflow_executions w ON w.id = s.execution_id
             WHERE w.run_id = ${runId} ORDER BY s.started_at, s.pc`,
      ),
    );
    expect(steps.every((s) => s.outcome === 'completed')).toBe(true);
    expect(steps.slice(0, 5).map((s) => s.step_id)).toEqual([
      'stirrer_on',
      'dissolve',
      'dissolve_hold',
      'solution_spectrum',
      'cool',
    ]);
    expect(steps.at(-1)?.step_id).toBe('stirrer_off');

    // 7. The audit chain verifies, with the approval and the run's steps in it.
    const verified = await call(admin, 'GET', '/api/compliance/audit/verify');
    expect(verified.status).toBe(200);
    expect(verified.body['valid']).toBe(true);
  }, 900_000);
});

function labelOf(payload: Record<string, unknown>): string {
  const result = payload['result'];
  if (typeof result !== 'object' || result === null || !('label' in result)) throw new Error('no label');
  return String(result.label);
}
