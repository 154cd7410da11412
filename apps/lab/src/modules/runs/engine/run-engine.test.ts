import { createHash } from 'node:crypto';
import { AcceleratedClock } from '@polymorph/run-engine/clock';
import { type ScpiServer, startScpiServer } from '@polymorph/run-engine/scpi/server';
import {
  createSimulatedReactor,
  type SimulatedReactorSet,
} from '@polymorph/run-engine/simulators/create-simulated-reactor';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../../db/client.ts';
import { type TestLab, testLab } from '../../../testing/lab-app.ts';
import { waitFor } from '../../../testing/wait.ts';
import { RunEngine } from './run-engine.ts';
import { interruptRun } from './run-store.ts';
import { insertPendingRun, type RunFixture, runFixture } from './test-fixtures.ts';

let lab: TestLab;
let engine: RunEngine;
let sim: RunFixture;

const silent = { debug() {}, info() {}, warn() {}, error() {} };

beforeAll(async () => {
  lab = await testLab();
  sim = await runFixture(lab.app);
  engine = new RunEngine({
    uow: lab.app.lab.uow,
    metrics: lab.app.lab.metrics,
    signals: lab.app.lab.runSignals,
    log: silent,
    leaseMs: 15_000,
    pollMs: 50,
    maxRuns: 2,
    acceleration: 600,
  });
  engine.start();
}, 120_000);
afterAll(async () => {
  await engine.stop();
  await lab.close();
});

const rows = <T>(query: ReturnType<typeof sql>) => lab.app.lab.uow.read((tx) => queryRows<T>(tx, query));

async function statusOf(id: string): Promise<string> {
  const [row] = await rows<{ status: string }>(sql`SELECT status FROM workflow_executions WHERE id = ${id}`);
  return row!.status;
}

async function settled(id: string): Promise<string> {
  await waitFor(`run ${id} to end`, 120_000, async () =>
    ['completed', 'failed', 'aborted', 'interrupted'].includes(await statusOf(id)),
  );
  return statusOf(id);
}

describe('run engine on the simulated reactor', () => {
  it('runs a pending run to completion: steps, checkpoint, spectra by content, events in order, audit chain', async () => {
    const run = await insertPendingRun(sim, { wait_s: 120 });
    expect(await settled(run.id)).toBe('completed');

    const [exec] = await rows<{
      checkpoint: { pc: number };
      claimed_by: string | null;
      completed_at: string | null;
      started_at: string | null;
    }>(
      sql`SELECT checkpoint, claimed_by, completed_at, started_at FROM workflow_executions WHERE id = ${run.id}`,
    );
    expect(exec).toMatchObject({ checkpoint: { pc: 6, iterations: {} }, claimed_by: null });
    expect(exec!.completed_at).not.toBeNull();

    const steps = await rows<{ pc: number; step_id: string; outcome: string; ended_at: string | null }>(
      sql`SELECT pc, step_id, outcome, ended_at FROM run_steps WHERE execution_id = ${run.id} ORDER BY started_at, pc`,
    );
    expect(steps.map((s) => [s.pc, s.step_id, s.outcome])).toEqual([
      [0, 'heat', 'completed'],
      [1, 'first_spectrum', 'completed'],
      [2, 'long_wait', 'completed'],
      [3, 'spectrum', 'completed'],
      [4, 'identify', 'completed'],
      [5, 'cool', 'completed'],
    ]);

    const events = await rows<{ seq: number; type: string; payload: Record<string, unknown> }>(
      sql`SELECT seq, type, payload FROM run_events WHERE execution_id = ${run.id} ORDER BY seq`,
    );
    expect(events.map((e) => Number(e.seq))).toEqual(events.map((_, i) => i + 1));
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('created');
    expect(types[1]).toBe('claimed');
    expect(types.at(-1)).toBe('finished');
    // the wait samples the temperature (every 5 s of experiment time)
    expect(types.filter((t) => t === 'temperature').length).toBeGreaterThan(0);
    expect(types.filter((t) => t === 'classified')).toHaveLength(1);

    const spectra = events.filter((e) => e.type === 'spectrum');
    expect(spectra).toHaveLength(2);
    for (const e of spectra) {
      const decimated = e.payload['decimated'] as { shift_cm1: number[]; intensities: number[] };
      expect(decimated.shift_cm1.length).toBeLessThanOrEqual(128);
      expect(decimated.intensities).toHaveLength(decimated.shift_cm1.length);
      const [stored] = await rows<{ content: string; byte_size: number }>(
        sql`SELECT content, byte_size FROM run_spectra WHERE sha256 = ${e.payload['sha256'] as string}`,
      );
      // content-addressed: the key is the SHA-256 of what is stored
      expect(createHash('sha256').update(stored!.content).digest('hex')).toBe(e.payload['sha256']);
      expect(JSON.parse(stored!.content).intensities.length).toBeGreaterThan(128);
    }
    const links = await rows<{ role: string; event_seq: number }>(
      sql`SELECT role, event_seq FROM run_spectrum_links WHERE execution_id = ${run.id} AND role = 'cleaned' ORDER BY event_seq`,
    );
    expect(links.map((l) => Number(l.event_seq))).toEqual(spectra.map((e) => Number(e.seq)));

    const audited = await rows<{ action: string }>(
      sql`SELECT action FROM audit_events WHERE entity_id = ${run.runId} ORDER BY seq`,
    );
    const actions = audited.map((a) => a.action);
    expect(actions.filter((a) => a === 'run.step_started')).toHaveLength(6);
    expect(actions.filter((a) => a === 'run.step_ended')).toHaveLength(6);
    expect(actions).toContain('run.claimed');
    expect(actions).toContain('run.classified');
    expect(actions.at(-1)).toBe('run.completed');
    expect((await lab.app.lab.audit.verify()).valid).toBe(true);

    const metrics = (await lab.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^polymorph_runs_total\{status="completed"\} [1-9]/m);
    expect(metrics).toMatch(/^polymorph_run_step_duration_seconds_count\{step_type="wait"\} [1-9]/m);
    expect(metrics).toMatch(/^polymorph_engine_claim_lag_seconds_count [1-9]/m);
  });

  it('an operator abort (abort_reason set on the row) ends the run aborted, the step too', async () => {
    const run = await insertPendingRun(sim, { wait_s: 36_000 });
    await waitFor('the long wait to start', 60_000, async () => {
      const open = await rows(
        sql`SELECT 1 FROM run_steps WHERE execution_id = ${run.id} AND step_id = 'long_wait' AND outcome IS NULL`,
      );
      return open.length === 1;
    });
    await lab.app.lab.uow.write((tx) =>
      tx.execute(
        sql`UPDATE workflow_executions SET abort_reason = 'wrong charge loaded' WHERE id = ${run.id}`,
      ),
    );
    expect(await settled(run.id)).toBe('aborted');
    const [step] = await rows<{ outcome: string }>(
      sql`SELECT outcome FROM run_steps WHERE execution_id = ${run.id} AND step_id = 'long_wait'`,
    );
    expect(step!.outcome).toBe('aborted');
    const [finished] = await rows<{ payload: Record<string, unknown> }>(
      sql`SELECT payload FROM run_events WHERE execution_id = ${run.id} AND type = 'finished'`,
    );
    expect(finished!.payload).toMatchObject({ status: 'aborted', abort_reason: 'wrong charge loaded' });
  });

  it('refuses to go on when a device went out of calibration: failed with device_not_usable', async () => {
    const fixture = await runFixture(lab.app);
    const tech = fixture.operator;
    const overdue = await lab.app.inject({
      method: 'POST',
      url: '/api/calibration',
      headers: tech.auth,
      payload: {
        device_id: fixture.devices.daq,
        calibration_date: new Date(Date.now() - 400 * 86_400_000).toISOString().slice(0, 10),
        next_due_date: new Date(Date.now() - 35 * 86_400_000).toISOString().slice(0, 10),
        result: 'valid',
      },
    });
    expect(overdue.statusCode, overdue.body).toBe(201);
    const second = await insertPendingRun(fixture, { wait_s: 1 });
    expect(await settled(second.id)).toBe('failed');
    const [row] = await rows<{ failure_code: string; error_message: string }>(
      sql`SELECT failure_code, error_message FROM workflow_executions WHERE id = ${second.id}`,
    );
    expect(row).toMatchObject({ failure_code: 'device_not_usable' });
    expect(row!.error_message).toContain(fixture.devices.daq);
    const steps = await rows(sql`SELECT 1 FROM run_steps WHERE execution_id = ${second.id}`);
    expect(steps).toHaveLength(0);
  });

  it('a paused run starts no step until it runs again, then completes', async () => {
    // 3000 s: 5 s at 600x, so the pause lands before the run could end
    const run = await insertPendingRun(sim, { wait_s: 3000 });
    await waitFor('the claim', 60_000, async () => (await statusOf(run.id)) === 'running');
    // what the API's pause does
    await lab.app.lab.uow.write((tx) =>
      tx.execute(
        sql`UPDATE workflow_executions SET status = 'paused' WHERE id = ${run.id} AND status = 'running'`,
      ),
    );
    const steps = () =>
      rows<{ step_id: string; outcome: string | null }>(
        sql`SELECT step_id, outcome FROM run_steps WHERE execution_id = ${run.id} ORDER BY started_at`,
      );
    const startedBeforePause = (await steps()).length;
    // The step under way finishes (and, if the engine had passed the gate just before the pause committed,
    // the one after it); the gate reads the status afresh, so nothing more starts. Without the gate the
    // run would go on to its 6th step and end.
    let last = -1;
    await waitFor('the steps to stop', 60_000, async () => {
      const now = await steps();
      const still = now.length === last && now.every((s) => s.outcome !== null);
      last = now.length;
      if (!still) await new Promise((r) => setTimeout(r, 1000));
      return still;
    });
    expect(last).toBeLessThanOrEqual(startedBeforePause + 1);
    expect(last).toBeLessThan(6);
    expect(await statusOf(run.id)).toBe('paused');
    await lab.app.lab.uow.write((tx) =>
      tx.execute(sql`UPDATE workflow_executions SET status = 'running' WHERE id = ${run.id}`),
    );
    expect(await settled(run.id)).toBe('completed');
    expect(await steps()).toHaveLength(6);
  });

  it('refuses a run whose definition hash is not its version’s: failed with definition_changed', async () => {
    const run = await insertPendingRun({ ...sim, definitionHash: 'f'.repeat(64) }, { wait_s: 1 });
    expect(await settled(run.id)).toBe('failed');
    const [row] = await rows<{ failure_code: string }>(
      sql`SELECT failure_code FROM workflow_executions WHERE id = ${run.id}`,
    );
    expect(row!.failure_code).toBe('definition_changed');
    expect(await rows(sql`SELECT 1 FROM run_steps WHERE execution_id = ${run.id}`)).toHaveLength(0);
  });
});

describe('interlock over SCPI', () => {
  let reactor: SimulatedReactorSet;
  let server: ScpiServer;
  beforeAll(async () => {
    reactor = createSimulatedReactor({ seed: 3, clock: new AcceleratedClock({ acceleration: 600 }) });
    const { reactor: r } = reactor;
    server = await startScpiServer({
      devices: reactor.devices,
      port: 0,
      simulator: { tripInterlock: (line) => r.trip(line), resetInterlocks: (line) => r.reset(line) },
    });
  });
  afterAll(async () => server.close());

  it('tripping the e-stop mid-run aborts the run with the trip latency, heater off', async () => {
    const fixture = await runFixture(lab.app, {
      transport: { transport: 'scpi', host: '127.0.0.1', port: server.port },
    });
    const run = await insertPendingRun(fixture, { wait_s: 36_000 });
    await waitFor('the long wait to start', 60_000, async () => {
      const open = await rows(
        sql`SELECT 1 FROM run_steps WHERE execution_id = ${run.id} AND step_id = 'long_wait' AND outcome IS NULL`,
      );
      return open.length === 1;
    });

    expect(reactor.reactor.heaterPower()).toBeGreaterThan(0);
    reactor.reactor.trip('estop');
    expect(await settled(run.id)).toBe('aborted');

    const [trip] = await rows<{ payload: { lines: string[]; latencyMs: number } }>(
      sql`SELECT payload FROM run_events WHERE execution_id = ${run.id} AND type = 'interlock_tripped'`,
    );
    expect(trip!.payload.lines).toEqual(['estop']);
    expect(typeof trip!.payload.latencyMs).toBe('number');
    expect(reactor.reactor.heaterPower()).toBe(0);
    const [exec] = await rows<{ abort_reason: string }>(
      sql`SELECT abort_reason FROM workflow_executions WHERE id = ${run.id}`,
    );
    expect(exec!.abort_reason).toContain('estop');
    const metrics = (await lab.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^polymorph_interlock_trips_total\{line="estop"\} 1$/m);
    reactor.reactor.reset('estop');
  });

  it('an engine whose run was marked interrupted elsewhere stops driving it at once: devices safe, no further event', async () => {
    const fixture = await runFixture(lab.app, {
      transport: { transport: 'scpi', host: '127.0.0.1', port: server.port },
    });
    const run = await insertPendingRun(fixture, { wait_s: 36_000 });
    await waitFor('the long wait to start', 60_000, async () => {
      const open = await rows(
        sql`SELECT 1 FROM run_steps WHERE execution_id = ${run.id} AND step_id = 'long_wait' AND outcome IS NULL`,
      );
      return open.length === 1;
    });
    expect(reactor.reactor.heaterPower()).toBeGreaterThan(0);
    // what another engine's sweep does to a run whose lease it found expired
    expect(
      await interruptRun(
        lab.app.lab.uow,
        lab.app.lab.metrics,
        run.id,
        engine.engineId,
        'lease expired (test)',
      ),
    ).toBe(true);
    await waitFor('the engine to let go of the run', 60_000, () => !engine.running.includes(run.id));
    expect(reactor.reactor.heaterPower()).toBe(0);
    const events = await rows<{ type: string }>(
      sql`SELECT type FROM run_events WHERE execution_id = ${run.id} ORDER BY seq`,
    );
    expect(events.at(-1)!.type).toBe('interrupted');
    expect(await statusOf(run.id)).toBe('interrupted');
  });
});
