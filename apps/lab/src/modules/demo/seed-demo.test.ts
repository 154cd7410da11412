import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { type TestLab, testLab } from '../../testing/lab-app.ts';
import { seedDemo } from './seed-demo.ts';

let lab: TestLab;
beforeAll(async () => {
  lab = await testLab();
});
afterAll(async () => lab.close());

describe('seed-demo', () => {
  it('loads 2 labs, users in every role, 200 samples with aliquots, 30 items, 10 devices; all audited; idempotent', async () => {
    const s = await seedDemo(lab.app, () => 'Demo-Quartz-Lantern-42');
    expect(s).toMatchObject({
      alreadySeeded: false,
      samples: 200,
      aliquots: 40,
      items: 30,
      devices: 10,
      overdueDevices: 2,
    });
    expect(new Set(s.users.map((u) => u.role))).toEqual(
      new Set(['admin', 'scientist', 'technician', 'compliance']),
    );
    const count = async (q: ReturnType<typeof sql>) =>
      (await queryRows<{ n: number }>(lab.database.db, q))[0]!.n;
    expect(await count(sql`SELECT count(*)::int AS n FROM samples`)).toBe(200);
    expect(await count(sql`SELECT count(DISTINCT lab_id)::int AS n FROM samples`)).toBe(2);
    expect(await count(sql`SELECT count(*)::int AS n FROM sample_lineage`)).toBe(40);
    // Everything came through the services: one sample.created event per sample.
    expect(
      await count(sql`SELECT count(*)::int AS n FROM audit_events WHERE action = 'sample.created'`),
    ).toBe(200);
    const login = await lab.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'demo-technician@polymorph.example', password: 'Demo-Quartz-Lantern-42' },
    });
    const auth = { authorization: `Bearer ${login.json().access_token}` };
    const overdue = (
      await lab.app.inject({ method: 'GET', url: '/api/calibration/overdue', headers: auth })
    ).json().items;
    expect(overdue.map((d: { device_id: string }) => d.device_id)).toEqual(['DEV-03']);
    const expiring = (
      await lab.app.inject({ method: 'GET', url: '/api/inventory/alerts/expiring?days=30', headers: auth })
    ).json();
    expect(expiring.items.length).toBeGreaterThan(0);
    expect((await seedDemo(lab.app)).alreadySeeded).toBe(true);
    expect((await lab.app.lab.audit.verify()).valid).toBe(true);
  });
});
