import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';
import { effectiveVersionForRun } from './port.ts';

const EXAMPLE = readFileSync(
  new URL('../../../../../docs/examples/cooling-crystallization.yaml', import.meta.url),
  'utf8',
);

let lab: TestLab;
type User = Awaited<ReturnType<typeof userWithRole>>;
let author: User;
let approver: User;
let tech: User;
beforeAll(async () => {
  lab = await testLab();
  author = await userWithRole(lab, 'scientist');
  approver = await userWithRole(lab, 'scientist');
  tech = await userWithRole(lab, 'technician');
});
afterAll(async () => lab.close());

const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload: unknown, who: User) =>
  lab.app.inject({
    method,
    url,
    headers: who.auth,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

const W = '/api/workflows/cooling-crystallization';
const sign = (who: User) => ({ user_id: who.email, password: who.password, reason: 'Reviewed and approved' });

async function statusOf(version: number): Promise<string> {
  const res = await call('GET', `${W}/versions/${version}`, undefined, author);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().status;
}

/** A new version from the example with one text replacement, taken through review to approved. */
async function approvedVersion(from: string, to: string): Promise<number> {
  const created = await call(
    'POST',
    `${W}/versions`,
    { source: EXAMPLE.replace(from, to), format: 'yaml' },
    author,
  );
  expect(created.statusCode, created.body).toBe(201);
  const v = created.json().version;
  expect((await call('POST', `${W}/versions/${v}/submit`, {}, author)).statusCode).toBe(200);
  const approved = await call('POST', `${W}/versions/${v}/approve`, sign(approver), approver);
  expect(approved.statusCode, approved.body).toBe(200);
  return v;
}

describe('workflow lifecycle', () => {
  it('author creates v1; a second user approves it by signature; activation makes it effective', async () => {
    const created = await call('POST', '/api/workflows', { source: EXAMPLE, format: 'yaml' }, author);
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      name: 'cooling-crystallization',
      version: 1,
      status: 'draft',
      locked: false,
    });
    expect(created.json().definition_hash).toMatch(/^[0-9a-f]{64}$/);

    // Not yet in review: neither approval nor activation.
    expect((await call('POST', `${W}/versions/1/approve`, sign(approver), approver)).json().type).toBe(
      '/problems/workflow-transition-not-allowed',
    );
    expect((await call('POST', `${W}/versions/1/submit`, { reason: 'ready' }, author)).statusCode).toBe(200);

    // The author cannot approve their own version: 403 segregation-of-duties, nothing changes.
    const own = await call('POST', `${W}/versions/1/approve`, sign(author), author);
    expect(own.statusCode).toBe(403);
    expect(own.json().type).toBe('/problems/segregation-of-duties');
    // A technician lacks workflows:approve.
    expect((await call('POST', `${W}/versions/1/approve`, sign(tech), tech)).statusCode).toBe(403);
    expect(await statusOf(1)).toBe('in_review');

    const approved = await call('POST', `${W}/versions/1/approve`, sign(approver), approver);
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', locked: true, approved_by: approver.email });
    const sigs = await call(
      'GET',
      `/api/signatures?record_type=workflow_version&record_id=${approved.json().id}`,
      undefined,
      approver,
    );
    expect(sigs.json().items).toEqual([
      expect.objectContaining({
        id: approved.json().approval_signature_id,
        meaning: 'approved',
        current: true,
      }),
    ]);

    // Runs refuse a version that is approved but not effective.
    await expect(
      lab.app.lab.uow.write((tx) =>
        effectiveVersionForRun(tx, { ...runner(), allLabs: true }, { versionId: approved.json().id }),
      ),
    ).rejects.toMatchObject({ status: 409, slug: 'workflow-not-effective' });

    expect((await call('POST', `${W}/versions/1/activate`, sign(tech), tech)).statusCode).toBe(403);
    // Activation is signed too (meaning made_effective): not by the author, not without the password.
    const ownActivation = await call('POST', `${W}/versions/1/activate`, sign(author), author);
    expect(ownActivation.json().type).toBe('/problems/segregation-of-duties');
    const unsigned = await call('POST', `${W}/versions/1/activate`, { reason: 'go live' }, approver);
    expect(unsigned.statusCode).toBe(400);
    const wrong = { ...sign(approver), password: `${approver.password}-wrong` };
    expect((await call('POST', `${W}/versions/1/activate`, wrong, approver)).statusCode).toBe(401);
    expect(await statusOf(1)).toBe('approved');
    const active = await call('POST', `${W}/versions/1/activate`, sign(approver), approver);
    expect(active.statusCode, active.body).toBe(200);
    expect(active.json()).toMatchObject({ status: 'effective', effective_by: approver.email });
    const signatures = await call(
      'GET',
      `/api/signatures?record_type=workflow_version&record_id=${active.json().id}`,
      undefined,
      approver,
    );
    expect(
      signatures
        .json()
        .items.map((x: { meaning: string }) => x.meaning)
        .sort(),
    ).toEqual(['approved', 'made_effective']);
  });

  it('an approved version is locked: edits answer 409 and a new version carries the change; diff shows it', async () => {
    const edit = await call(
      'PUT',
      `${W}/versions/1`,
      { source: EXAMPLE.replace('seconds: 300', 'seconds: 600'), format: 'yaml', reason: 'longer hold' },
      author,
    );
    expect(edit.statusCode).toBe(409);
    expect(edit.json().type).toBe('/problems/workflow-version-locked');
    expect(edit.json().detail).toMatch(/new version/);

    const v2 = await call('POST', `${W}/versions`, { source: EXAMPLE, format: 'yaml' }, author);
    expect(v2.statusCode, v2.body).toBe(201);
    expect(v2.json()).toMatchObject({ version: 2, status: 'draft' });
    const edited = await call(
      'PUT',
      `${W}/versions/2`,
      { source: EXAMPLE.replace('seconds: 300', 'seconds: 600'), format: 'yaml', reason: 'longer hold' },
      author,
    );
    expect(edited.statusCode, edited.body).toBe(200);
    // Someone else cannot edit the author's draft (they would become an unrecorded co-author).
    expect(
      (await call('PUT', `${W}/versions/2`, { source: EXAMPLE, format: 'yaml', reason: 'revert' }, approver))
        .statusCode,
    ).toBe(403);

    const diff = await call('GET', `${W}/versions/2/diff?against=1`, undefined, tech);
    expect(diff.statusCode, diff.body).toBe(200);
    expect(diff.json().changes).toEqual([{ op: 'changed', pointer: '/steps/2/seconds', old: 300, new: 600 }]);
  });

  it('activating v2 retires v1 in the same transaction; runs get v2 from the port', async () => {
    expect((await call('POST', `${W}/versions/2/submit`, {}, author)).statusCode).toBe(200);
    expect((await call('POST', `${W}/versions/2/approve`, sign(approver), approver)).statusCode).toBe(200);
    expect((await call('POST', `${W}/versions/2/activate`, sign(approver), approver)).statusCode).toBe(200);
    expect([await statusOf(1), await statusOf(2)]).toEqual(['retired', 'effective']);

    const runnable = await lab.app.lab.uow.write((tx) =>
      effectiveVersionForRun(tx, { ...runner(), allLabs: true }, { name: 'cooling-crystallization' }),
    );
    expect(runnable).toMatchObject({ version: 2, status: 'effective' });
    expect(runnable.definition.steps[2]).toMatchObject({ id: 'dissolve_hold', seconds: 600 });

    const detail = await call('GET', W, undefined, tech);
    expect(detail.json()).toMatchObject({ latest: { version: 2 }, effective: { version: 2 } });
    const list = await call('GET', '/api/workflows', undefined, tech);
    expect(list.json().items).toEqual([
      expect.objectContaining({ name: 'cooling-crystallization', latest_version: 2, effective_version: 2 }),
    ]);
    expect((await call('GET', `${W}/executions`, undefined, tech)).json()).toEqual({
      items: [],
      next_offset: null,
    });

    // Every step of v1's life is in the audit trail, the refused self-approval included.
    const v1 = (await call('GET', `${W}/versions/1`, undefined, tech)).json().id;
    const actions: string[] = [];
    for await (const e of lab.app.lab.audit.events()) if (e.entity_id === v1) actions.push(e.action);
    expect(actions).toEqual([
      'workflow.version_created',
      'workflow.version_submitted',
      'signature.refused',
      'signature.applied',
      'workflow.version_approved',
      // The author's own activation, refused (a wrong password is the user's event, not the version's).
      'signature.refused',
      'signature.applied',
      'workflow.version_activated',
      'workflow.version_retired',
    ]);
  });

  it("another lab's user sees none of it: 404, as for an unknown workflow", async () => {
    const admin = await userWithRole(lab, 'admin');
    const outsider = await userWithRole(lab, 'scientist');
    for (const [url, body] of [
      ['/api/organizations', { org_id: 'WF-ORG', name: 'Other org' }],
      ['/api/labs', { lab_id: 'WF-LAB-B', org_id: 'WF-ORG', name: 'Other lab' }],
    ] as const) {
      const res = await call('POST', url, body, admin);
      expect(res.statusCode, res.body).toBe(201);
    }
    const moved = await call(
      'PUT',
      `/api/labs/WF-LAB-B/members/${outsider.email}`,
      { reason: 'works there' },
      admin,
    );
    expect(moved.statusCode, moved.body).toBeLessThan(300);
    expect((await call('GET', W, undefined, outsider)).statusCode).toBe(404);
    expect((await call('GET', `${W}/versions/2`, undefined, outsider)).statusCode).toBe(404);
    expect((await call('POST', `${W}/versions/2/retire`, {}, outsider)).statusCode).toBe(404);
    expect((await call('GET', '/api/workflows', undefined, outsider)).json().items).toEqual([]);
  });

  it('two concurrent activations leave exactly one effective version', async () => {
    const a = await approvedVersion('max_iterations: 240', 'max_iterations: 200');
    const b = await approvedVersion('max_iterations: 240', 'max_iterations: 100');
    const results = await Promise.all([
      call('POST', `${W}/versions/${a}/activate`, sign(approver), approver),
      call('POST', `${W}/versions/${b}/activate`, sign(approver), approver),
    ]);
    const codes = results.map((r) => r.statusCode);
    // PostgreSQL: the partial unique index lets one win (409 for the other) or, when the second waits for
    // the first's row lock, it runs after it and retires it. PGlite runs them one after the other.
    for (const r of results) {
      if (r.statusCode !== 200) expect(r.json().type).toBe('/problems/workflow-transition-not-allowed');
    }
    expect(codes).toContain(200);
    const [row] = await queryRows<{ n: number }>(
      lab.database.db,
      sql`SELECT count(*)::int AS n FROM workflow_versions WHERE workflow_name = 'cooling-crystallization' AND status = 'effective'`,
    );
    expect(row?.n).toBe(1);
    // The database itself refuses a second effective version, whoever connects.
    await expect(
      lab.superuser.db.execute(
        sql`UPDATE workflow_versions SET status = 'effective' WHERE workflow_name = 'cooling-crystallization' AND version = 1`,
      ),
    ).rejects.toThrow();
    expect((await lab.app.lab.audit.verify()).valid).toBe(true);
  });
});

describe('workflow sources that are refused', () => {
  it('a bad field in YAML answers 400 with a field pointer into the source', async () => {
    const res = await call(
      'POST',
      '/api/workflows',
      {
        source: EXAMPLE.replace('name: cooling-crystallization', 'name: other').replace(
          'seconds: 300',
          'seconds: -5',
        ),
        format: 'yaml',
      },
      author,
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().type).toBe('/problems/validation-error');
    expect(res.json().errors).toEqual([
      {
        field: 'body.source.steps[2].seconds',
        in: 'body',
        pointer: '/source/steps/2/seconds',
        message: 'must be >= 0',
      },
    ]);
  });

  it('an unknown parameter reference answers 400', async () => {
    const res = await call(
      'POST',
      '/api/workflows',
      {
        source: EXAMPLE.replace('name: cooling-crystallization', 'name: other').replace(
          '{ param: end_temp_c }',
          '{ param: nope }',
        ),
        format: 'yaml',
      },
      author,
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      expect.objectContaining({
        field: 'body.source.steps[4].target_c.param',
        message: 'names no parameter (nope)',
      }),
    ]);
  });

  it('the JSON Schema is served to any signed-in user', async () => {
    const res = await call('GET', '/api/workflows/schema', undefined, tech);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ title: 'WorkflowDefinition', $schema: expect.any(String) });
  });
});

/** The caller a run would act as (the port takes the runs module's caller). */
function runner() {
  return {
    ctx: { actor: tech.email, requestId: null, ip: null },
    email: tech.email,
    labId: null,
    allLabs: false,
    roles: ['technician'],
    sessionId: null,
  };
}
