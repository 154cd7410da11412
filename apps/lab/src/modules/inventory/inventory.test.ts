import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';

let lab: TestLab;
let tech: { auth: { authorization: string } };
let sci: { auth: { authorization: string } };
beforeAll(async () => {
  lab = await testLab();
  tech = await userWithRole(lab, 'technician');
  sci = await userWithRole(lab, 'scientist');
  admin = await userWithRole(lab, 'admin');
});
let admin: { auth: { authorization: string } };
afterAll(async () => lab.close());

const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, who = tech) =>
  lab.app.inject({
    method,
    url,
    headers: who.auth,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const isoDay = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe('inventory', () => {
  it('vendors, items and receiving a lot raise the stock', async () => {
    expect(
      (await call('POST', '/api/inventory/vendors', { vendor_id: 'V-SIGMA', name: 'Sigma' })).statusCode,
    ).toBe(201);
    const item = await call('POST', '/api/inventory/items', {
      item_code: 'ACN-HPLC',
      name: 'Acetonitrile HPLC grade',
      category: 'solvent',
      unit: 'L',
      reorder_point: 10,
      vendor_id: 'V-SIGMA',
    });
    expect(item.statusCode).toBe(201);
    expect(item.json()).toMatchObject({ current_stock: 0, low_stock: true });
    const lot = await call('POST', '/api/inventory/lots', {
      lot_number: 'LOT-A',
      item_code: 'ACN-HPLC',
      quantity: 20,
      vendor_id: 'V-SIGMA',
      expiration_date: isoDay(365),
    });
    expect(lot.statusCode).toBe(201);
    expect(lot.json()).toMatchObject({ quantity_received: 20, quantity_remaining: 20, status: 'available' });
    const got = (await call('GET', '/api/inventory/items/ACN-HPLC')).json();
    expect(got).toMatchObject({ current_stock: 20, low_stock: false });
    expect(got.lots).toHaveLength(1);
  });

  it('50 concurrent consumes of 1 from a lot of 20: exactly 20 succeed, the rest 409, 0 left, chain verifies', async () => {
    await call('POST', '/api/inventory/items', {
      item_code: 'TIPS',
      name: 'Pipette tips',
      category: 'consumable',
      unit: 'box',
    });
    await call('POST', '/api/inventory/lots', { lot_number: 'LOT-RACE', item_code: 'TIPS', quantity: 20 });
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        call('POST', '/api/inventory/lots/LOT-RACE/consume', { quantity: 1, reason: 'assay run' }, sci),
      ),
    );
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(20);
    expect(codes.filter((c) => c === 409)).toHaveLength(30);
    const lot = (await call('GET', '/api/inventory/lots/LOT-RACE')).json();
    expect(lot).toMatchObject({ quantity_remaining: 0, status: 'depleted' });
    expect((await call('GET', '/api/inventory/items/TIPS')).json().current_stock).toBe(0);
    const verification = await lab.app.lab.audit.verify();
    expect(verification.valid).toBe(true);
  });

  it('never goes negative; depleted, quarantined and expired lots get 409', async () => {
    await call('POST', '/api/inventory/items', {
      item_code: 'BUF',
      name: 'Buffer',
      category: 'reagent',
      unit: 'mL',
    });
    await call('POST', '/api/inventory/lots', { lot_number: 'LOT-B', item_code: 'BUF', quantity: 5 });
    const tooMuch = await call('POST', '/api/inventory/lots/LOT-B/consume', { quantity: 5.000001 });
    expect(tooMuch.statusCode).toBe(409);
    expect(tooMuch.json().type).toBe('/problems/insufficient-stock');
    expect(
      (
        await call(
          'POST',
          '/api/inventory/lots/LOT-B/status',
          { status: 'quarantined', reason: 'QC hold' },
          admin,
        )
      ).statusCode,
    ).toBe(200);
    const held = await call('POST', '/api/inventory/lots/LOT-B/consume', { quantity: 1 });
    expect(held.statusCode).toBe(409);
    expect(held.json().type).toBe('/problems/lot-quarantined');
    await call('POST', '/api/inventory/lots', {
      lot_number: 'LOT-OLD',
      item_code: 'BUF',
      quantity: 5,
      received_date: isoDay(-400),
      expiration_date: isoDay(-1),
    });
    // Expired on read, with no job having run ...
    expect((await call('GET', '/api/inventory/lots/LOT-OLD')).json().status).toBe('expired');
    expect(
      (await call('GET', '/api/inventory/lots?status=expired'))
        .json()
        .items.map((l: { lot_number: string }) => l.lot_number),
    ).toEqual(['LOT-OLD']);
    // ... and on consume.
    const expired = await call('POST', '/api/inventory/lots/LOT-OLD/consume', { quantity: 1 });
    expect(expired.statusCode).toBe(409);
    expect(expired.json().type).toBe('/problems/lot-expired');
  });

  it('adjustments need a reason and cannot go below zero', async () => {
    expect((await call('POST', '/api/inventory/lots/LOT-A/adjust', { delta: -2 }, admin)).statusCode).toBe(
      400,
    );
    const adj = await call(
      'POST',
      '/api/inventory/lots/LOT-A/adjust',
      { delta: -2.5, reason: 'cycle count' },
      admin,
    );
    expect(adj.statusCode).toBe(200);
    expect(adj.json().quantity_remaining).toBe(17.5);
    expect(
      (await call('POST', '/api/inventory/lots/LOT-A/adjust', { delta: -100, reason: 'cycle count' }, admin))
        .statusCode,
    ).toBe(409);
  });

  it('alerts: low stock below the reorder point, lots expiring within N days; gauges follow', async () => {
    await call('POST', '/api/inventory/items', {
      item_code: 'LOWY',
      name: 'Low',
      category: 'reagent',
      unit: 'g',
      reorder_point: 100,
    });
    await call('POST', '/api/inventory/lots', {
      lot_number: 'LOT-SOON',
      item_code: 'LOWY',
      quantity: 3,
      expiration_date: isoDay(10),
    });
    const low = (await call('GET', '/api/inventory/alerts/low-stock'))
      .json()
      .items.map((i: { item_code: string }) => i.item_code);
    expect(low).toContain('LOWY');
    expect(low).not.toContain('ACN-HPLC');
    const byStock = (await call('GET', '/api/inventory/items?sort=-current_stock'))
      .json()
      .items.map((i: { current_stock: number }) => i.current_stock);
    expect(byStock).toEqual([...byStock].sort((a, b) => b - a));
    expect((await call('GET', '/api/inventory/items?sort=bogus')).statusCode).toBe(400);
    const soon = (await call('GET', '/api/inventory/alerts/expiring?days=30'))
      .json()
      .items.map((l: { lot_number: string }) => l.lot_number);
    expect(soon).toEqual(['LOT-SOON']);
    expect((await call('GET', '/api/inventory/alerts/expiring?days=5')).json().items).toEqual([]);
    const metrics = (await lab.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^polymorph_inventory_expiring_lots 1$/m);
    expect(metrics).toMatch(/^polymorph_inventory_low_stock_items [1-9]\d*$/m);
  });

  it('scientists consume but cannot create items', async () => {
    const res = await call(
      'POST',
      '/api/inventory/items',
      { item_code: 'X1', name: 'x', category: 'c', unit: 'u' },
      sci,
    );
    expect(res.statusCode).toBe(403);
  });
});
