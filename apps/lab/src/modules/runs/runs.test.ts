import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { canonicalJson, sha256Hex } from '../../platform/audit/canonical-hash.ts';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';
import {
  exampleNamed,
  type RigIds,
  runRowCounts,
  type TestUser,
  testDevice,
  testRig,
  testWorkflow,
} from '../../testing/run-fixtures.ts';
import { appendRunEvent, lockRun } from './events.ts';

let lab: TestLab;
let admin: TestUser;
let author: TestUser;
let approver: TestUser;
let tech: TestUser;
let auditor: TestUser;
let rig: RigIds;
beforeAll(async () => {
  lab = await testLab();
  admin = await userWithRole(lab, 'admin');
  author = await userWithRole(lab, 'scientist');
  approver = await userWithRole(lab, 'scientist');
  tech = await userWithRole(lab, 'technician');
  auditor = await userWithRole(lab, 'compliance');
  rig = await testRig(lab, admin, 'R1');
  await testWorkflow(lab, author, approver, exampleNamed('cooling'));
});
afterAll(async () => lab.close());

const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload: unknown, who: TestUser, headers = {}) =>
  lab.app.inject({
    method,
    url,
    headers: { ...who.auth, ...headers },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const start = (body: Record<string, unknown>, who = tech, headers = {}) =>
  call('POST', '/api/runs', { workflow: 'cooling', devices: rig, seed: 7, ...body }, who, headers);

async function setStatus(runId: string, status: string): Promise<void> {
  await lab.database.db.execute(
    sql`UPDATE workflow_executions SET status = ${status} WHERE run_id = ${runId}`,
  );
}
async function newRun(body: Record<string, unknown> = {}): Promise<string> {
  const res = await start(body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().run_id;
}
async function eventTypes(runId: string): Promise<string[]> {
  const res = await call('GET', `/api/runs/${runId}/events`, undefined, auditor);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items.map((e: { type: string }) => e.type);
}

describe('start refusals: nothing is stored', () => {
  const refused = async (body: Record<string, unknown>, status: number, type: string) => {
    const before = await runRowCounts(lab);
    const res = await start(body);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json().type).toBe(`/problems/${type}`);
    expect(await runRowCounts(lab)).toEqual(before);
    return res.json();
  };

  it('a draft (unapproved) version, by name or by version id', async () => {
    const draft = await testWorkflow(lab, author, approver, exampleNamed('draft-wf'), 'draft');
    await refused({ workflow: 'draft-wf' }, 409, 'workflow-not-effective');
    const byId = await refused({ workflow: draft.versionId }, 409, 'workflow-not-effective');
    expect(byId.detail).toMatch(/is draft/);
  });

  it('a retired version', async () => {
    const retired = await testWorkflow(lab, author, approver, exampleNamed('retired-wf'), 'retired');
    await refused({ workflow: 'retired-wf' }, 409, 'workflow-not-effective');
    expect((await refused({ workflow: retired.versionId }, 409, 'workflow-not-effective')).detail).toMatch(
      /retired/,
    );
  });

  it('an out-of-calibration device, and one never calibrated', async () => {
    const overdue = await testDevice(lab, admin, 'TC-OVERDUE', {
      kind: 'temperature_controller',
      calibration: 'overdue',
    });
    const p = await refused(
      { devices: { ...rig, temperature_controller: overdue } },
      409,
      'device-not-usable',
    );
    expect(p).toMatchObject({
      device_id: overdue,
      kind: 'temperature_controller',
      device_status: 'maintenance',
    });
    const never = await testDevice(lab, admin, 'RAMAN-NEW', { kind: 'spectrometer', calibration: 'never' });
    const q = await refused({ devices: { ...rig, spectrometer: never } }, 409, 'device-not-usable');
    expect(q.detail).toMatch(/never been calibrated/);
  });

  it('an unbound device, and one bound as another kind', async () => {
    const unbound = await testDevice(lab, admin, 'DAQ-UNBOUND', { kind: 'daq', bind: null });
    await refused({ devices: { ...rig, daq: unbound } }, 409, 'instrument-not-bound');
    await refused({ devices: { ...rig, daq: rig.spectrometer } }, 409, 'instrument-not-bound');
  });

  it('a bad parameter: 400 naming body.parameters.<name>', async () => {
    const p = await refused({ parameters: { end_temp_c: 95, nonsense: 1 } }, 400, 'validation-error');
    expect(p.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'body.parameters.end_temp_c',
      'body.parameters.nonsense',
    ]);
  });

  it("another lab's sample answers like an unknown one: 400 naming body.samples[i]", async () => {
    const outsider = await userWithRole(lab, 'scientist');
    for (const [url, body] of [
      ['/api/organizations', { org_id: 'RUN-ORG', name: 'Other org' }],
      ['/api/labs', { lab_id: 'RUN-LAB-B', org_id: 'RUN-ORG', name: 'Other lab' }],
    ] as const) {
      expect((await call('POST', url, body, admin)).statusCode).toBe(201);
    }
    const moved = await call(
      'PUT',
      `/api/labs/RUN-LAB-B/members/${outsider.email}`,
      { reason: 'works there' },
      admin,
    );
    expect(moved.statusCode, moved.body).toBeLessThan(300);
    expect((await call('POST', '/api/samples', { sample_id: 'S-OTHER-LAB' }, outsider)).statusCode).toBe(201);
    expect((await call('POST', '/api/samples', { sample_id: 'S-OURS-1' }, author)).statusCode).toBe(201);
    const p = await refused({ samples: ['S-OURS-1', 'S-OTHER-LAB', 'S-NOWHERE'] }, 400, 'validation-error');
    expect(p.errors).toEqual([
      expect.objectContaining({ field: 'body.samples[1]', message: 'no sample S-OTHER-LAB in your lab' }),
      expect.objectContaining({ field: 'body.samples[2]', message: 'no sample S-NOWHERE in your lab' }),
    ]);
  });

  it('an expired lot', async () => {
    const item = await call(
      'POST',
      '/api/inventory/items',
      { item_code: 'SOLVENT-1', name: 'Ethanol', category: 'solvent', unit: 'L' },
      tech,
    );
    expect(item.statusCode, item.body).toBe(201);
    const lot = await call(
      'POST',
      '/api/inventory/lots',
      { lot_number: 'LOT-OLD', item_code: 'SOLVENT-1', quantity: 5, expiration_date: '2020-01-31' },
      tech,
    );
    expect(lot.statusCode, lot.body).toBe(201);
    const p = await refused({ lots: ['LOT-OLD'] }, 409, 'lot-expired');
    expect(p).toMatchObject({ lot_number: 'LOT-OLD', expiration_date: '2020-01-31' });
    const unknown = await refused({ lots: ['LOT-NONE'] }, 400, 'validation-error');
    expect(unknown.errors[0].field).toBe('body.lots[0]');
  });
});

describe('a run that starts', () => {
  it('is pending with its config snapshot, samples, lots, a created event and an audit event', async () => {
    expect((await call('POST', '/api/samples', { sample_id: 'S-RUN-1' }, author)).statusCode).toBe(201);
    expect(
      (
        await call(
          'POST',
          '/api/inventory/lots',
          { lot_number: 'LOT-GOOD', item_code: 'SOLVENT-1', quantity: 5, expiration_date: '2099-01-31' },
          tech,
        )
      ).statusCode,
    ).toBe(201);
    const res = await start({ parameters: { end_temp_c: 5 }, samples: ['S-RUN-1'], lots: ['LOT-GOOD'] });
    expect(res.statusCode, res.body).toBe(201);
    const run = res.json();
    expect(run).toMatchObject({
      status: 'pending',
      workflow: { name: 'cooling', version: 1 },
      operator: tech.email,
      seed: 7,
      samples: ['S-RUN-1'],
      lots: ['LOT-GOOD'],
      checkpoint: { pc: 0, iterations: {} },
      current_step: null,
      resume_count: 0,
      last_event_seq: 1,
    });
    expect(run.run_id).toMatch(/^RUN-\d{8}-[0-9A-F]{6}$/);
    // Defaults filled: what the engine runs is what the snapshot says.
    expect(run.parameters).toEqual({
      dissolve_temp_c: 70,
      end_temp_c: 5,
      cooling_rate: 0.5,
      integration_ms: 500,
      pass_interval_s: 30,
    });
    const [snapshot] = await queryRows<{ config: Record<string, unknown>; config_hash: string }>(
      lab.database.db,
      sql`SELECT config, config_hash FROM config_snapshots WHERE snapshot_id = ${run.config_snapshot_id}`,
    );
    expect(snapshot!.config_hash).toBe(run.config_hash);
    expect(sha256Hex(canonicalJson(snapshot!.config))).toBe(run.config_hash);
    expect(snapshot!.config).toMatchObject({
      definition_hash: run.definition_hash,
      devices: rig,
      samples: ['S-RUN-1'],
      lots: [{ lot_number: 'LOT-GOOD', item_code: 'SOLVENT-1', expiration_date: '2099-01-31' }],
      seed: 7,
    });
    expect(await eventTypes(run.run_id)).toEqual(['created']);
    const actions: string[] = [];
    for await (const e of lab.app.lab.audit.events()) if (e.entity_id === run.run_id) actions.push(e.action);
    expect(actions).toEqual(['run.created']);
    expect((await lab.app.lab.audit.verify()).valid).toBe(true);

    const read = await call('GET', `/api/runs/${run.run_id}`, undefined, auditor);
    expect(read.json()).toEqual(run);
    const list = await call('GET', '/api/runs?status=pending&workflow=cooling', undefined, auditor);
    expect(list.json().items.map((r: { run_id: string }) => r.run_id)).toContain(run.run_id);
    expect((await call('GET', '/api/runs?workflow=nothing', undefined, auditor)).json().items).toEqual([]);
  });

  it('an Idempotency-Key retry answers the same run and stores one', async () => {
    const before = await runRowCounts(lab);
    const key = { 'idempotency-key': 'start-once-1' };
    const first = await start({}, tech, key);
    const again = await start({}, tech, key);
    expect(first.statusCode, first.body).toBe(201);
    expect(again.json().run_id).toBe(first.json().run_id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect((await runRowCounts(lab)).runs).toBe(before.runs! + 1);
  });

  it('a read-only role cannot start or control a run (403), and nothing changes', async () => {
    const runId = await newRun();
    expect((await start({}, auditor)).statusCode).toBe(403);
    for (const step of ['pause', 'resume', 'abort']) {
      const res = await call('POST', `/api/runs/${runId}/${step}`, { reason: 'not mine to do' }, auditor);
      expect(res.statusCode, step).toBe(403);
    }
    expect((await call('GET', `/api/runs/${runId}`, undefined, auditor)).json().status).toBe('pending');
  });
});

describe('controls', () => {
  it('pause and resume a running run; illegal transitions are 409 run-state-conflict', async () => {
    const runId = await newRun();
    const pausePending = await call('POST', `/api/runs/${runId}/pause`, {}, tech);
    expect(pausePending.statusCode).toBe(409);
    expect(pausePending.json()).toMatchObject({ type: '/problems/run-state-conflict', status: 409 });
    await setStatus(runId, 'running');
    const paused = await call('POST', `/api/runs/${runId}/pause`, { reason: 'sampling' }, tech);
    expect(paused.statusCode, paused.body).toBe(200);
    expect(paused.json().status).toBe('paused');
    expect((await call('POST', `/api/runs/${runId}/pause`, {}, tech)).statusCode).toBe(409);
    const resumed = await call('POST', `/api/runs/${runId}/resume`, {}, tech);
    expect(resumed.statusCode, resumed.body).toBe(200);
    expect(resumed.json()).toMatchObject({ status: 'running', resume_count: 0 });
    expect(await eventTypes(runId)).toEqual(['created', 'paused', 'resumed']);
    const actions: string[] = [];
    for await (const e of lab.app.lab.audit.events()) if (e.entity_id === runId) actions.push(e.action);
    expect(actions).toEqual(['run.created', 'run.paused', 'run.resumed']);
  });

  it('two pauses at once: the run lock lets exactly one through, the other is 409', async () => {
    const runId = await newRun();
    await setStatus(runId, 'running');
    const results = await Promise.all(
      [1, 2].map(() => call('POST', `/api/runs/${runId}/pause`, { reason: 'at once' }, tech)),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(await eventTypes(runId)).toEqual(['created', 'paused']);
  });

  it('abort: a running run gets the request (the engine finishes it); a second request is 409', async () => {
    const runId = await newRun();
    await setStatus(runId, 'running');
    const res = await call('POST', `/api/runs/${runId}/abort`, { reason: 'wrong charge' }, tech);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'running', abort_reason: 'wrong charge' });
    expect((await call('POST', `/api/runs/${runId}/abort`, { reason: 'again!' }, tech)).statusCode).toBe(409);
    expect(await eventTypes(runId)).toEqual(['created', 'abort_requested']);
  });

  it('abort: a pending run is aborted at once, finished, counted; an ended run is 409', async () => {
    const metric = async () =>
      Number(
        /^polymorph_runs_total\{status="aborted"\} (\d+)$/m.exec(
          (await lab.app.inject({ method: 'GET', url: '/metrics' })).body,
        )?.[1] ?? 0,
      );
    const before = await metric();
    const runId = await newRun();
    expect((await call('POST', `/api/runs/${runId}/abort`, {}, tech)).statusCode).toBe(400);
    const res = await call('POST', `/api/runs/${runId}/abort`, { reason: 'not needed' }, tech);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'aborted', abort_reason: 'not needed' });
    expect(res.json().completed_at).not.toBeNull();
    expect(await eventTypes(runId)).toEqual(['created', 'abort_requested', 'finished']);
    expect(await metric()).toBe(before + 1);
    const ended = await call('POST', `/api/runs/${runId}/abort`, { reason: 'once more' }, tech);
    expect(ended.statusCode).toBe(409);
    expect(ended.json()).toMatchObject({ type: '/problems/run-state-conflict', run_status: 'aborted' });
    expect((await call('POST', `/api/runs/${runId}/resume`, {}, tech)).statusCode).toBe(409);
  });
});

describe('resuming an interrupted run', () => {
  it('needs an e-signature (meaning resumed) and a reason; then it is pending again, resume_count 1', async () => {
    const runId = await newRun();
    await setStatus(runId, 'interrupted');
    const bare = await call('POST', `/api/runs/${runId}/resume`, {}, tech);
    expect(bare.statusCode).toBe(400);
    expect(bare.json().errors.map((e: { field: string }) => e.field)).toEqual([
      'body.password',
      'body.reason',
    ]);
    const wrong = await call(
      'POST',
      `/api/runs/${runId}/resume`,
      { user_id: tech.email, password: 'not-the-password', reason: 'power back' },
      tech,
    );
    expect(wrong.statusCode).toBe(401);
    expect((await call('GET', `/api/runs/${runId}`, undefined, tech)).json().status).toBe('interrupted');

    const res = await call(
      'POST',
      `/api/runs/${runId}/resume`,
      { user_id: tech.email, password: tech.password, reason: 'Power restored; resume from checkpoint' },
      tech,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'pending', resume_count: 1, claimed_by: null });
    const sigs = await call('GET', `/api/signatures?record_type=run&record_id=${runId}`, undefined, tech);
    expect(sigs.statusCode, sigs.body).toBe(200);
    expect(sigs.json().items).toEqual([
      expect.objectContaining({ meaning: 'resumed', signer_email: tech.email }),
    ]);
    const events = (await call('GET', `/api/runs/${runId}/events`, undefined, tech)).json().items;
    expect(events.at(-1)).toMatchObject({
      type: 'resumed',
      payload: { from: 'interrupted', signature_id: sigs.json().items[0].id, resume_count: 1 },
    });
    expect((await lab.app.lab.audit.verify()).valid).toBe(true);
  });

  it('is refused with 409 definition-changed when the definition no longer hashes to the run', async () => {
    const runId = await newRun();
    await lab.database.db.execute(
      sql`UPDATE workflow_executions SET status = 'interrupted', definition_hash = ${'0'.repeat(64)} WHERE run_id = ${runId}`,
    );
    const res = await call(
      'POST',
      `/api/runs/${runId}/resume`,
      { user_id: tech.email, password: tech.password, reason: 'Power restored; resume' },
      tech,
    );
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json()).toMatchObject({ type: '/problems/definition-changed', expected: '0'.repeat(64) });
    expect((await call('GET', `/api/runs/${runId}`, undefined, tech)).json()).toMatchObject({
      status: 'interrupted',
      resume_count: 0,
    });
  });
});

describe('human input', () => {
  const SOURCE = [
    'schema_version: 1',
    'name: confirm-wf',
    'title: Confirm',
    'parameters: []',
    'steps:',
    '  - { id: warm, type: set_temperature, setpoint_c: 30 }',
    '  - { id: filtered, type: human_input, prompt: Filter the slurry, signature_meaning: verified }',
    '',
  ].join('\n');

  it('answers the step the run waits at, signed as the step asks; 409 at any other step or twice', async () => {
    await testWorkflow(lab, author, approver, SOURCE);
    const res = await start({ workflow: 'confirm-wf' });
    expect(res.statusCode, res.body).toBe(201);
    const runId = res.json().run_id;
    const [row] = await queryRows<{ id: string }>(
      lab.database.db,
      sql`SELECT id FROM workflow_executions WHERE run_id = ${runId}`,
    );
    await setStatus(runId, 'running');
    await lab.app.lab.uow.write(async (tx) => {
      await lockRun(tx, row!.id);
      await appendRunEvent(tx, row!.id, { type: 'step_started', pc: 1, stepId: 'filtered', payload: {} });
    });
    const input = (pc: number, body: object, who = author) =>
      call('POST', `/api/runs/${runId}/steps/${pc}/input`, body, who);
    expect((await input(0, { note: 'x' })).statusCode).toBe(409);
    expect((await input(1, { note: 'done' }, tech)).statusCode).toBe(403); // runs:update
    expect((await input(1, { note: 'done' })).statusCode).toBe(400); // the step asks for a signature
    const ok = await input(1, {
      note: 'Slurry filtered',
      user_id: author.email,
      password: author.password,
      reason: 'Filtration done',
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const events = (await call('GET', `/api/runs/${runId}/events?after=2`, undefined, author)).json();
    expect(events.items).toEqual([
      expect.objectContaining({
        type: 'human_input_answered',
        pc: 1,
        step_id: 'filtered',
        payload: { confirmed_by: author.email, signature_id: expect.any(String), note: 'Slurry filtered' },
      }),
    ]);
    const again = await input(1, { user_id: author.email, password: author.password, reason: 'again' });
    expect(again.statusCode).toBe(409);
  });
});

describe('what the engine recorded', () => {
  it('steps in start order, and the current step in the run view', async () => {
    const runId = await newRun();
    await lab.database.db.execute(sql`INSERT INTO run_steps (execution_id, pc, step_id, op, started_at, ended_at, outcome, summary)
        SELECT id, 0, 'stirrer_on', 'set_output', now() - interval '2 seconds', now() - interval '1 second', 'completed', '{"value": true}'::jsonb
          FROM workflow_executions WHERE run_id = ${runId}`);
    await lab.database.db.execute(sql`INSERT INTO run_steps (execution_id, pc, step_id, op)
        SELECT id, 1, 'dissolve', 'set_temperature' FROM workflow_executions WHERE run_id = ${runId}`);
    const steps = await call('GET', `/api/runs/${runId}/steps`, undefined, auditor);
    expect(steps.statusCode, steps.body).toBe(200);
    expect(steps.json().items).toEqual([
      expect.objectContaining({
        pc: 0,
        step_id: 'stirrer_on',
        outcome: 'completed',
        summary: { value: true },
      }),
      expect.objectContaining({ pc: 1, step_id: 'dissolve', outcome: null, ended_at: null }),
    ]);
    const run = (await call('GET', `/api/runs/${runId}`, undefined, auditor)).json();
    expect(run).toMatchObject({ steps_completed: 1, current_step: { pc: 1, step_id: 'dissolve' } });
  });

  it('a spectrum is served byte for byte, only through a run it is linked to, and never when it does not hash to its key', async () => {
    const runId = await newRun();
    const otherRun = await newRun();
    const content = JSON.stringify({ shift_cm1: [100, 101], intensities: [5, 6], simulated: true });
    const sha = sha256Hex(content);
    const forged = JSON.stringify({ shift_cm1: [1], intensities: [999] });
    const forgedKey = sha256Hex('something else');
    for (const [key, text] of [
      [sha, content],
      [forgedKey, forged],
    ] as const) {
      await lab.database.db.execute(
        sql`INSERT INTO run_spectra (sha256, content, byte_size) VALUES (${key}, ${text}, ${text.length})`,
      );
      await lab.database.db.execute(sql`INSERT INTO run_spectrum_links (execution_id, event_seq, sha256, role, pc, step_id)
          SELECT id, 1, ${key}, ${key === sha ? 'raw' : 'cleaned'}, 3, 'solution_spectrum' FROM workflow_executions WHERE run_id = ${runId}`);
    }
    const res = await call('GET', `/api/runs/${runId}/spectra/${sha}`, undefined, auditor);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toBe(content);
    expect(sha256Hex(res.body)).toBe(sha);
    expect((await call('GET', `/api/runs/${otherRun}/spectra/${sha}`, undefined, auditor)).statusCode).toBe(
      404,
    );
    const bad = await call('GET', `/api/runs/${runId}/spectra/${forgedKey}`, undefined, auditor);
    expect(bad.statusCode).toBe(500);
    expect(bad.body).not.toContain('999');
  });
});

describe('lab scope', () => {
  it("another lab's user sees none of a run: 404 on every route, absent from the list", async () => {
    const runId = await newRun();
    const outsider = await userWithRole(lab, 'scientist');
    // RUN-LAB-B exists: the sample refusal above created it.
    const moved = await call(
      'PUT',
      `/api/labs/RUN-LAB-B/members/${outsider.email}`,
      { reason: 'works there' },
      admin,
    );
    expect(moved.statusCode, moved.body).toBeLessThan(300);
    for (const url of ['', '/steps', '/events', `/spectra/${'a'.repeat(64)}`]) {
      expect((await call('GET', `/api/runs/${runId}${url}`, undefined, outsider)).statusCode, url).toBe(404);
    }
    expect(
      (await call('POST', `/api/runs/${runId}/abort`, { reason: 'not yours' }, outsider)).statusCode,
    ).toBe(404);
    const list = (await call('GET', '/api/runs', undefined, outsider)).json();
    expect(list.items).toEqual([]);
  });
});
