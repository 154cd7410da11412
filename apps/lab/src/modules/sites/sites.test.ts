import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';
import { ensureDefaultSite } from './port.ts';

let lab: TestLab;
let admin: { auth: { authorization: string }; email: string };
let alice: { auth: { authorization: string }; email: string }; // lab A (the default lab)
let bob: { auth: { authorization: string }; email: string }; // lab B
beforeAll(async () => {
  lab = await testLab();
  admin = await userWithRole(lab, 'admin');
  alice = await userWithRole(lab, 'scientist');
  bob = await userWithRole(lab, 'scientist');
});
afterAll(async () => lab.close());

type Who = { auth: { authorization: string } };
const call = (
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
  who: Who = admin,
) =>
  lab.app.inject({
    method,
    url,
    headers: who.auth,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

describe('multi-site', () => {
  it('an empty database starts with one default organization and lab; ensureDefaultSite is idempotent', async () => {
    const again = await ensureDefaultSite(lab.app.lab.uow);
    const labs = (await call('GET', '/api/labs')).json().items;
    expect(labs).toEqual([
      expect.objectContaining({ lab_id: 'default', org_id: 'default', is_active: true }),
    ]);
    expect(again.labId).toBeTruthy();
    const me = (await call('GET', '/api/labs/default/members')).json();
    expect(me.items.map((u: { email: string }) => u.email)).toContain(alice.email);
  });

  it('organizations, labs, nodes with heartbeat and device hubs: CRUD, audited', async () => {
    expect(
      (await call('POST', '/api/organizations', { org_id: 'ACME', name: 'Acme Pharma' })).statusCode,
    ).toBe(201);
    expect((await call('POST', '/api/organizations', { org_id: 'ACME', name: 'dup' })).statusCode).toBe(409);
    expect(
      (
        await call('PATCH', '/api/organizations/ACME', { name: 'Acme Pharma AG', reason: 'legal name' })
      ).json().name,
    ).toBe('Acme Pharma AG');
    expect(
      (await call('POST', '/api/labs', { lab_id: 'LAB-B', org_id: 'ACME', name: 'Basel QC' })).statusCode,
    ).toBe(201);
    expect((await call('DELETE', '/api/organizations/ACME?reason=cleanup')).statusCode).toBe(409);
    const node = await call('POST', '/api/nodes', {
      node_id: 'NODE-1',
      lab_id: 'LAB-B',
      hostname: 'bench-pc-1',
    });
    expect(node.statusCode).toBe(201);
    expect(node.json().status).toBe('offline');
    const beat = await call('POST', '/api/nodes/NODE-1/heartbeat');
    expect(beat.json()).toMatchObject({ status: 'online' });
    expect(beat.json().last_heartbeat_at).not.toBeNull();
    await call('POST', '/api/nodes/NODE-1/heartbeat');
    expect(
      (await call('POST', '/api/device-hubs', { hub_id: 'HUB-1', node_id: 'NODE-1', hub_type: 'serial' }))
        .statusCode,
    ).toBe(201);
    expect(
      (await call('PATCH', '/api/device-hubs/HUB-1', { status: 'online', reason: 'cabled' })).json().status,
    ).toBe('online');
    expect((await call('DELETE', '/api/nodes/NODE-1?reason=retired')).statusCode).toBe(409);
    expect((await call('DELETE', '/api/device-hubs/HUB-1?reason=retired')).statusCode).toBe(204);
    expect((await call('DELETE', '/api/nodes/NODE-1?reason=retired')).statusCode).toBe(204);
    expect((await call('GET', '/api/nodes/NODE-1')).statusCode).toBe(404);
    const actions: string[] = [];
    for await (const e of lab.app.lab.audit.events()) if (e.entity_id === 'NODE-1') actions.push(e.action);
    // Only the change to online is audited, not every beat.
    expect(actions).toEqual(['node.created', 'node.online', 'node.deleted']);
    expect(
      (await call('PATCH', '/api/labs/default', { is_active: false, reason: 'close it' })).statusCode,
    ).toBe(409);
  });

  it('tenant isolation: a user of lab B asking for a sample of lab A gets 404, and lists show only their lab', async () => {
    expect(
      (await call('PUT', `/api/labs/LAB-B/members/${bob.email}`, { reason: 'transferred to Basel' }))
        .statusCode,
    ).toBe(200);
    const a = await call('POST', '/api/samples', { sample_id: 'A-ONLY', quantity: 5 }, alice);
    expect(a.json().lab_id).toBe('default');
    const b = await call('POST', '/api/samples', { sample_id: 'B-ONLY', quantity: 5 }, bob);
    expect(b.json().lab_id).toBe('LAB-B');
    for (const url of ['/api/samples/A-ONLY', '/api/samples/A-ONLY/history', '/api/samples/A-ONLY/lineage']) {
      const res = await call('GET', url, undefined, bob);
      expect(res.statusCode, url).toBe(404);
    }
    expect(
      (await call('PATCH', '/api/samples/A-ONLY', { name: 'x', reason: 'cross-lab edit' }, bob)).statusCode,
    ).toBe(404);
    expect(
      (await call('POST', '/api/samples/A-ONLY/split', { children: [{ quantity: 1 }] }, bob)).statusCode,
    ).toBe(404);
    expect((await call('GET', '/api/samples/B-ONLY', undefined, alice)).statusCode).toBe(404);
    const bobsList = (await call('GET', '/api/samples', undefined, bob))
      .json()
      .items.map((s: { sample_id: string }) => s.sample_id);
    expect(bobsList).toEqual(['B-ONLY']);
    // Records of other kinds too: a project of lab A cannot be used from lab B.
    await call('POST', '/api/projects', { project_id: 'P-A', name: 'A study' }, alice);
    expect((await call('GET', '/api/projects/P-A', undefined, bob)).statusCode).toBe(404);
    const useIt = await call('POST', '/api/samples', { sample_id: 'B-2', project_id: 'P-A' }, bob);
    expect(useIt.statusCode).toBe(400);
    expect((await call('GET', '/api/labs/default', undefined, bob)).statusCode).toBe(404);
    // Devices, calibration and containers are lab-scoped the same way.
    await call('POST', '/api/devices', {
      device_id: 'DEV-A',
      vendor: 'V',
      model: 'M',
      serial_number: 'S-A',
      device_type: 'hplc',
    });
    const cal = await call('POST', '/api/calibration', {
      device_id: 'DEV-A',
      calibration_date: '2020-01-01',
      next_due_date: '2020-06-01',
      result: 'valid',
    });
    expect((await call('GET', '/api/devices/DEV-A', undefined, bob)).statusCode).toBe(404);
    expect((await call('GET', `/api/calibration/${cal.json().id}`, undefined, bob)).statusCode).toBe(404);
    expect((await call('GET', '/api/calibration/overdue', undefined, bob)).json().items).toEqual([]);
    expect((await call('GET', '/api/calibration/overdue', undefined, alice)).json().items).toHaveLength(1);
    await call(
      'POST',
      '/api/containers',
      { container_id: 'BOX-A', container_type: 'box', location: 'a/b', capacity: 5 },
      alice,
    );
    expect(
      (await call('POST', '/api/containers/BOX-A/samples', { sample_id: 'B-ONLY', reason: 'move it' }, bob))
        .statusCode,
    ).toBe(400);
    // (Another lab's container is answered like one that does not exist: 400 on the reference.)
    // Inventory items and their lots, too.
    await call('POST', '/api/inventory/items', {
      item_code: 'INV-A',
      name: 'A',
      category: 'reagent',
      unit: 'g',
    });
    await call('POST', '/api/inventory/lots', { lot_number: 'LOT-INV-A', item_code: 'INV-A', quantity: 5 });
    expect((await call('GET', '/api/inventory/items/INV-A', undefined, bob)).statusCode).toBe(404);
    expect(
      (await call('POST', '/api/inventory/lots/LOT-INV-A/consume', { quantity: 1 }, bob)).statusCode,
    ).toBe(404);
    expect((await call('GET', '/api/inventory/lots', undefined, bob)).json().items).toEqual([]);
    expect(
      (await call('POST', '/api/inventory/lots/LOT-INV-A/consume', { quantity: 1 }, alice)).statusCode,
    ).toBe(200);
    // An admin sees both labs.
    const all = (await call('GET', '/api/samples?q=ONLY&sort=sample_id'))
      .json()
      .items.map((s: { sample_id: string }) => s.sample_id);
    expect(all).toEqual(['A-ONLY', 'B-ONLY']);
  });
});
