import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';

let lab: TestLab;
beforeAll(async () => {
  lab = await testLab();
});
afterAll(async () => lab.close());

describe('electronic signatures', () => {
  it('re-authenticates, stores the manifestation, and shows current: false once the record changes', async () => {
    const admin = await userWithRole(lab, 'admin');
    const subject = await userWithRole(lab, 'scientist');
    const sign = await lab.app.inject({
      method: 'POST',
      url: '/api/signatures',
      headers: admin.auth,
      payload: {
        record_type: 'user',
        record_id: subject.email,
        meaning: 'reviewed',
        reason: 'access review Q4',
        user_id: admin.email,
        password: admin.password,
      },
    });
    expect(sign.statusCode, sign.body).toBe(201);
    const s = sign.json();
    expect(s).toMatchObject({
      signer_email: admin.email,
      signer_name: 'Test admin',
      meaning: 'reviewed',
      current: true,
      signature_valid: true,
    });
    expect(s.signed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(s.manifestation).toMatch(/^Reviewed by Test admin/);

    const read = async () =>
      (
        await lab.app.inject({
          method: 'GET',
          url: `/api/signatures?record_type=user&record_id=${subject.email}`,
          headers: admin.auth,
        })
      ).json().items;
    expect((await read())[0].current).toBe(true);
    const edit = await lab.app.inject({
      method: 'PATCH',
      url: `/api/users/${subject.email}`,
      headers: admin.auth,
      payload: { name: 'Renamed', reason: 'name change per HR' },
    });
    expect(edit.statusCode).toBe(200);
    expect((await read())[0]).toMatchObject({ current: false, signature_valid: true });

    const metrics = (await lab.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/polymorph_esignatures_total\{meaning="reviewed"\} 1/);
    const events = [];
    for await (const e of lab.app.lab.audit.events()) if (e.action === 'signature.applied') events.push(e);
    expect(events).toHaveLength(1);
  });

  it('a wrong password is refused and counts toward lockout', async () => {
    const admin = await userWithRole(lab, 'admin');
    const subject = await userWithRole(lab, 'technician');
    for (let i = 0; i < 5; i++) {
      const res = await lab.app.inject({
        method: 'POST',
        url: '/api/signatures',
        headers: admin.auth,
        payload: {
          record_type: 'user',
          record_id: subject.email,
          meaning: 'approved',
          user_id: admin.email,
          password: `wrong-${i}-password`,
        },
      });
      expect(res.statusCode).toBe(401);
    }
    const locked = await lab.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: admin.email, password: admin.password },
    });
    expect(locked.statusCode).toBe(423);
  });

  it('nobody signs their own record as reviewer or approver (segregation of duties)', async () => {
    const admin = await userWithRole(lab, 'admin');
    const res = await lab.app.inject({
      method: 'POST',
      url: '/api/signatures',
      headers: admin.auth,
      payload: {
        record_type: 'user',
        record_id: admin.email,
        meaning: 'approved',
        user_id: admin.email,
        password: admin.password,
      },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().type).toBe('/problems/segregation-of-duties');
  });

  it('signatures are immutable', async () => {
    await expect(
      lab.database.withSession((s) => s.exec("UPDATE electronic_signatures SET meaning = 'approved'")),
    ).rejects.toThrow(/append-only|permission denied/);
  });

  it('rejects an unknown record type naming the field', async () => {
    const admin = await userWithRole(lab, 'admin');
    const res = await lab.app.inject({
      method: 'POST',
      url: '/api/signatures',
      headers: admin.auth,
      payload: { record_type: 'spaceship', record_id: 'x', meaning: 'approved', password: admin.password },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('body.record_type');
  });
});
