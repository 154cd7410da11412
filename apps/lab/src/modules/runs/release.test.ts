/**
 * Review and release of runs by e-signature: runs completed by the engine on the simulated reactor,
 * reviewed by a scientist who did not start them, then approved (or rejected) by QA. Every refusal
 * leaves the run's release status and its signatures as they were.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';
import type { TestUser } from '../../testing/run-fixtures.ts';
import { waitFor } from '../../testing/wait.ts';
import { RunEngine } from './engine/run-engine.ts';
import { insertPendingRun, type RunFixture, runFixture } from './engine/test-fixtures.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

let lab: TestLab;
let fixture: RunFixture;
let starter: TestUser; // a scientist who starts the runs: may review others' runs, never their own
let reviewer: TestUser;
let qa: TestUser;
let tech: TestUser;
/** Completed runs, each for one story. */
const completed: Record<'released' | 'refusals' | 'tampered' | 'rejected', string> = {
  released: '',
  refusals: '',
  tampered: '',
  rejected: '',
};

beforeAll(async () => {
  lab = await testLab();
  starter = await userWithRole(lab, 'scientist');
  reviewer = await userWithRole(lab, 'scientist');
  qa = await userWithRole(lab, 'compliance');
  tech = await userWithRole(lab, 'technician');
  fixture = { ...(await runFixture(lab.app)), operator: starter };
  const engine = new RunEngine({
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
  try {
    for (const story of Object.keys(completed) as (keyof typeof completed)[]) {
      const run = await insertPendingRun(fixture, { wait_s: 0 });
      completed[story] = run.runId;
    }
    await waitFor('the runs to complete', 120_000, async () => {
      const rows = await queryRows<{ n: number }>(
        lab.database.db,
        sql`SELECT count(*)::int AS n FROM workflow_executions WHERE status = 'completed'`,
      );
      return rows[0]!.n === Object.keys(completed).length;
    });
  } finally {
    // Runs created from here on stay where the tests put them: no engine claims them.
    await engine.stop();
  }
}, 180_000);
afterAll(async () => lab?.close());

const call = (method: 'GET' | 'POST', url: string, who: TestUser, payload?: object) =>
  lab.app.inject({ method, url, headers: who.auth, ...(payload ? { payload } : {}) });

const signStep = (runId: string, step: 'review' | 'approve' | 'reject', who: TestUser, reason = 'checked') =>
  call('POST', `/api/runs/${runId}/${step}`, who, { user_id: who.email, password: who.password, reason });

/** What a refusal must leave untouched: the run's release fields and its signatures. */
async function releaseState(runId: string) {
  const [row] = await queryRows<Record<string, unknown>>(
    lab.database.db,
    sql`SELECT x.release_status, x.reviewed_by, x.review_signature_id, x.review_record_hash, x.decided_by,
               x.decision_signature_id, x.updated_at::text AS updated_at,
               (SELECT count(*)::int FROM electronic_signatures s WHERE s.record_type = 'run' AND s.record_id = x.run_id) AS signatures
          FROM workflow_executions x WHERE x.run_id = ${runId}`,
  );
  return row!;
}

async function refused(
  runId: string,
  step: 'review' | 'approve' | 'reject',
  who: TestUser,
  status: number,
  type: string,
) {
  const before = await releaseState(runId);
  const res = await signStep(runId, step, who);
  expect(res.statusCode, res.body).toBe(status);
  expect(res.json().type).toBe(`/problems/${type}`);
  expect(await releaseState(runId)).toEqual(before);
  return res.json();
}

async function newRun(status: 'pending' | 'running' | 'aborted'): Promise<string> {
  const run = await insertPendingRun(fixture, { wait_s: 0 });
  if (status === 'aborted') {
    const res = await call('POST', `/api/runs/${run.runId}/abort`, starter, {
      reason: 'Wrong charge loaded',
    });
    expect(res.json().status, res.body).toBe('aborted');
  }
  if (status === 'running') {
    await lab.superuser.db.execute(
      sql`UPDATE workflow_executions SET status = 'running' WHERE run_id = ${run.runId}`,
    );
  }
  return run.runId;
}

describe('review and release of a completed run', () => {
  it('reviewed by a scientist who did not start it, then approved by QA: both signatures on the run, audited', async () => {
    const runId = completed.released;
    const fresh = (await call('GET', `/api/runs/${runId}`, qa)).json();
    expect(fresh).toMatchObject({ status: 'completed', release_status: 'unreviewed', reviewed_by: null });

    const reviewed = await signStep(runId, 'review', reviewer, 'Steps, spectra and identification checked');
    expect(reviewed.statusCode, reviewed.body).toBe(200);
    expect(reviewed.json()).toMatchObject({ release_status: 'reviewed', reviewed_by: reviewer.email });

    const approved = await signStep(runId, 'approve', qa, 'QA release');
    expect(approved.statusCode, approved.body).toBe(200);
    const run = approved.json();
    expect(run).toMatchObject({
      status: 'completed',
      release_status: 'approved',
      reviewed_by: reviewer.email,
      decided_by: qa.email,
    });
    expect(run.reviewed_at).not.toBeNull();
    expect(run.decided_at).not.toBeNull();

    const signatures = (await call('GET', `/api/signatures?record_type=run&record_id=${runId}`, qa)).json();
    expect(signatures.items.map((s: { meaning: string }) => s.meaning)).toEqual(['reviewed', 'approved']);
    expect(signatures.items.map((s: { id: string }) => s.id)).toEqual([
      run.review_signature_id,
      run.decision_signature_id,
    ]);
    for (const s of signatures.items) {
      // 11.50: printed name, UTC time and meaning; both still bind to the run as it is.
      expect(s.manifestation).toMatch(
        /^(Reviewed|Approved) by Test (scientist|compliance) \(.+\) on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\./,
      );
      expect([s.current, s.signature_valid]).toEqual([true, true]);
    }
    // The review and the approval bind to the same content.
    expect(signatures.items[0].record_hash).toBe(signatures.items[1].record_hash);

    const audit = (
      await call('GET', `/api/compliance/audit?entity_type=run&entity_id=${runId}&limit=1000`, qa)
    ).json();
    const actions = audit.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['signature.applied', 'run.reviewed', 'run.approved']));
    const approval = audit.items.find((e: { action: string }) => e.action === 'run.approved');
    expect(approval).toMatchObject({ actor: qa.email, reason: 'QA release' });
    expect(approval.before.release_status).toBe('reviewed');
    expect(approval.after.release_status).toBe('approved');
    expect((await lab.app.lab.audit.verify()).valid).toBe(true);

    await refused(runId, 'approve', qa, 409, 'run-release-conflict');
    await refused(runId, 'reject', qa, 409, 'run-release-conflict');

    // QA's queue: runs by release status.
    const approvedRuns = (await call('GET', '/api/runs?release_status=approved', qa)).json().items;
    expect(approvedRuns.map((r: { run_id: string }) => r.run_id)).toEqual([runId]);
    expect(approvedRuns[0].release_status).toBe('approved');
    const waiting = (await call('GET', '/api/runs?release_status=unreviewed', qa)).json().items;
    expect(waiting.map((r: { run_id: string }) => r.run_id)).not.toContain(runId);
  });

  it('refusals store nothing: approval before review, the starter reviewing, technicians, the reviewer approving', async () => {
    const runId = completed.refusals;
    const early = await refused(runId, 'approve', qa, 409, 'run-release-conflict');
    expect(early.release_status).toBe('unreviewed');
    await refused(runId, 'review', starter, 403, 'segregation-of-duties');
    await refused(runId, 'review', tech, 403, 'forbidden');
    await refused(runId, 'review', qa, 403, 'forbidden');
    const wrong = await call('POST', `/api/runs/${runId}/review`, reviewer, {
      user_id: reviewer.email,
      password: 'not-the-password',
      reason: 'checked',
    });
    expect(wrong.statusCode).toBe(401);
    // The release meanings are signed through the run's routes only, which record the decision with them.
    for (const [who, meaning] of [
      [reviewer, 'reviewed'],
      [qa, 'approved'],
      [qa, 'rejected'],
    ] as const) {
      const before = await releaseState(runId);
      const generic = await call('POST', '/api/signatures', who, {
        user_id: who.email,
        password: who.password,
        record_type: 'run',
        record_id: runId,
        meaning,
      });
      expect(generic.statusCode, generic.body).toBe(400);
      expect(generic.json().errors[0].field).toBe('body.meaning');
      expect(await releaseState(runId)).toEqual(before);
    }

    expect((await signStep(runId, 'review', reviewer)).statusCode).toBe(200);
    await refused(runId, 'review', reviewer, 409, 'run-release-conflict');
    await refused(runId, 'approve', reviewer, 403, 'segregation-of-duties');
    await refused(runId, 'approve', tech, 403, 'forbidden');
    await refused(runId, 'approve', starter, 403, 'forbidden');
    expect((await signStep(runId, 'approve', qa)).json().release_status).toBe('approved');

    // The starter's refusal was a refused signing, audited with its reason.
    const [self] = await queryRows<{ after: { reason: string } }>(
      lab.database.db,
      sql`SELECT after FROM audit_events WHERE action = 'signature.refused' AND entity_id = ${runId} AND actor = ${starter.email}`,
    );
    expect(self!.after.reason).toBe('self_review');
  });

  it('a run that has not ended cannot be reviewed or decided', async () => {
    for (const status of ['pending', 'running'] as const) {
      const runId = await newRun(status);
      const problem = await refused(runId, 'review', reviewer, 409, 'run-state-conflict');
      expect(problem.run_status).toBe(status);
      await refused(runId, 'reject', qa, 409, 'run-state-conflict');
    }
  });

  it('an approval needs the content the reviewer signed: a run changed after its review is refused', async () => {
    const runId = completed.tampered;
    expect((await signStep(runId, 'review', reviewer)).statusCode).toBe(200);
    await lab.superuser.db.execute(
      sql`UPDATE workflow_executions SET parameters = '{"wait_s": 3600}'::jsonb WHERE run_id = ${runId}`,
    );
    const problem = await refused(runId, 'approve', qa, 409, 'run-release-conflict');
    expect(problem.detail).toMatch(/changed after its review/);
  });

  it('QA rejects a run; a rejected run is decided and can never be approved', async () => {
    const runId = completed.rejected;
    // QA of another lab: the run does not exist for them.
    const basel = await userWithRole(lab, 'compliance');
    const admin = await userWithRole(lab, 'admin');
    for (const [method, url, payload] of [
      ['POST', '/api/organizations', { org_id: 'ACME', name: 'Acme Pharma' }],
      ['POST', '/api/labs', { lab_id: 'LAB-B', org_id: 'ACME', name: 'Basel QC' }],
      ['PUT', `/api/labs/LAB-B/members/${basel.email}`, { reason: 'works in Basel' }],
    ] as const) {
      const res = await lab.app.inject({ method, url, headers: admin.auth, payload });
      expect(res.statusCode, res.body).toBeLessThan(300);
    }
    await refused(runId, 'reject', basel, 404, 'not-found');
    const rejected = await signStep(runId, 'reject', qa, 'Spectra saturated; repeat the run');
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(rejected.json()).toMatchObject({ release_status: 'rejected', decided_by: qa.email });
    await refused(runId, 'review', reviewer, 409, 'run-release-conflict');
    await refused(runId, 'approve', qa, 409, 'run-release-conflict');
  });

  it('an aborted run is reviewed and approved as evidence of what happened; its status stays aborted', async () => {
    const runId = await newRun('aborted');
    // An admin holds both authorities, and still does not approve a run they reviewed.
    const admin = await userWithRole(lab, 'admin');
    expect((await signStep(runId, 'review', admin)).statusCode).toBe(200);
    await refused(runId, 'approve', admin, 403, 'segregation-of-duties');
    await refused(runId, 'reject', admin, 403, 'segregation-of-duties');
    const attempts = await queryRows<{ after: { meaning: string; reason: string } }>(
      lab.database.db,
      sql`SELECT after FROM audit_events WHERE action = 'signature.refused' AND entity_id = ${runId} AND actor = ${admin.email} ORDER BY seq`,
    );
    expect(attempts.map((a) => [a.after.meaning, a.after.reason])).toEqual([
      ['approved', 'reviewer_decides'],
      ['rejected', 'reviewer_decides'],
    ]);
    const approved = await signStep(runId, 'approve', qa, 'Deviation record: aborted before the first step');
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'aborted', release_status: 'approved' });
  });
});
