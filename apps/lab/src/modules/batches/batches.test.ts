import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';

let lab: TestLab;
type User = Awaited<ReturnType<typeof userWithRole>>;
let author: User;
let reviewer: User;
let tech: User;
beforeAll(async () => {
  lab = await testLab();
  author = await userWithRole(lab, 'scientist');
  reviewer = await userWithRole(lab, 'scientist');
  tech = await userWithRole(lab, 'technician');
});
afterAll(async () => lab.close());

const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload: unknown, who: User) =>
  lab.app.inject({
    method,
    url,
    headers: who.auth,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

describe('batches: release and reject by electronic signature', () => {
  beforeAll(async () => {
    await call('POST', '/api/projects', { project_id: 'P-REL', name: 'Release study' }, author);
    for (const b of ['B-1', 'B-2', 'B-3']) {
      expect(
        (await call('POST', '/api/batches', { batch_id: b, project_id: 'P-REL' }, author)).statusCode,
      ).toBe(201);
    }
    await call('POST', '/api/samples', { sample_id: 'B1-S1', batch_id: 'B-1', project_id: 'P-REL' }, author);
  });

  it('the creator cannot release their own batch (segregation of duties); nothing changes', async () => {
    const res = await call(
      'POST',
      '/api/batches/B-1/release',
      { user_id: author.email, password: author.password, reason: 'QA release' },
      author,
    );
    expect(res.statusCode).toBe(403);
    expect(res.json().type).toBe('/problems/segregation-of-duties');
    expect((await call('GET', '/api/batches/B-1', undefined, author)).json().status).toBe('active');
  });

  it('a role without batches:approve gets 403; a wrong password is refused', async () => {
    expect(
      (
        await call(
          'POST',
          '/api/batches/B-1/release',
          { user_id: tech.email, password: tech.password, reason: 'QA release' },
          tech,
        )
      ).statusCode,
    ).toBe(403);
    const wrong = await call(
      'POST',
      '/api/batches/B-1/release',
      { user_id: reviewer.email, password: 'not-my-password', reason: 'QA release' },
      reviewer,
    );
    expect(wrong.statusCode).toBe(401);
    expect((await call('GET', '/api/batches/B-1', undefined, author)).json().status).toBe('active');
  });

  it("a session's first release asks for the user id as well as the password (11.200(a)(1))", async () => {
    const res = await call(
      'POST',
      '/api/batches/B-1/release',
      { password: reviewer.password, reason: 'QA release after review' },
      reviewer,
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toContainEqual(expect.objectContaining({ field: 'body.user_id' }));
    expect((await call('GET', '/api/batches/B-1', undefined, author)).json().status).toBe('active');
  });

  it('another approver releases with a signature (meaning approved); the batch is then frozen', async () => {
    const res = await call(
      'POST',
      '/api/batches/B-1/release',
      { user_id: reviewer.email, password: reviewer.password, reason: 'QA release after review' },
      reviewer,
    );
    expect(res.statusCode).toBe(200);
    const batch = res.json();
    expect(batch).toMatchObject({ status: 'released', decided_by: reviewer.email });
    const sigs = await call('GET', `/api/signatures?record_type=batch&record_id=B-1`, undefined, reviewer);
    expect(sigs.statusCode).toBe(200);
    // The signature stays current: it binds to the batch as reviewed, not to its decision fields.
    expect(sigs.json().items).toEqual([
      expect.objectContaining({
        id: batch.decision_signature_id,
        meaning: 'approved',
        current: true,
        signature_valid: true,
      }),
    ]);
    expect(
      (
        await call(
          'POST',
          '/api/batches/B-1/reject',
          { user_id: reviewer.email, password: reviewer.password, reason: 'changed mind' },
          reviewer,
        )
      ).statusCode,
    ).toBe(409);
    expect(
      (await call('PATCH', '/api/batches/B-1', { description: 'edit', reason: 'late edit' }, author))
        .statusCode,
    ).toBe(409);
  });

  it('reject signs with meaning rejected; a reason is required', async () => {
    expect(
      (
        await call(
          'POST',
          '/api/batches/B-2/reject',
          { user_id: reviewer.email, password: reviewer.password },
          reviewer,
        )
      ).statusCode,
    ).toBe(400);
    const res = await call(
      'POST',
      '/api/batches/B-2/reject',
      { user_id: reviewer.email, password: reviewer.password, reason: 'OOS assay' },
      reviewer,
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('rejected');
    const events: string[] = [];
    for await (const e of lab.app.lab.audit.events()) if (e.entity_id === 'B-2') events.push(e.action);
    expect(events).toEqual(['batch.created', 'signature.applied', 'batch.rejected']);
    expect((await lab.app.lab.audit.verify()).valid).toBe(true);
  });
});
