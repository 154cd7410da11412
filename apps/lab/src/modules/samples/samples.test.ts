import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';

let lab: TestLab;
let sci: { auth: { authorization: string }; email: string };
let admin: { auth: { authorization: string }; email: string };
beforeAll(async () => {
  lab = await testLab();
  sci = await userWithRole(lab, 'scientist');
  admin = await userWithRole(lab, 'admin');
});
afterAll(async () => lab.close());

const call = (
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
  who = sci,
) =>
  lab.app.inject({
    method,
    url,
    headers: who.auth,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const count = async () =>
  (await queryRows<{ n: number }>(lab.database.db, sql`SELECT count(*)::int AS n FROM samples`))[0]!.n;

describe('samples', () => {
  it('creates with a generated id from the pattern, and audits it', async () => {
    const res = await call('POST', '/api/samples', {
      name: 'API lot 7',
      quantity: 10,
      unit: 'mL',
      metadata: { matrix: 'plasma' },
    });
    expect(res.statusCode).toBe(201);
    const s = res.json();
    expect(s.sample_id).toMatch(new RegExp(`^S-${new Date().getUTCFullYear()}-\\d{6}$`));
    expect(s).toMatchObject({
      status: 'active',
      quantity: 10,
      unit: 'mL',
      created_by: sci.email,
      lab_id: 'default',
    });
    const history = (await call('GET', `/api/samples/${s.sample_id}/history`)).json();
    expect(history.items.map((e: { action: string }) => e.action)).toEqual(['sample.created']);
    expect(history.items[0].after.sample_id).toBe(s.sample_id);
    const metrics = (await lab.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/polymorph_samples_created_total [1-9]/);
  });

  it('takes a user-given id, and refuses it twice with 409', async () => {
    expect((await call('POST', '/api/samples', { sample_id: 'USR-1', quantity: 1 })).statusCode).toBe(201);
    const again = await call('POST', '/api/samples', { sample_id: 'USR-1' });
    expect(again.statusCode).toBe(409);
  });

  it('enforces the status state machine with 409, and requires a reason', async () => {
    await call('POST', '/api/samples', { sample_id: 'SM-1' });
    const noReason = await call('PATCH', '/api/samples/SM-1', { status: 'quarantined' });
    expect(noReason.statusCode).toBe(400);
    // Field errors now also locate the field as a JSON Pointer (problem+json field-error format).
    expect(noReason.json().errors).toEqual([
      { field: 'body.reason', in: 'body', pointer: '/reason', message: expect.any(String) },
    ]);
    expect(
      (await call('PATCH', '/api/samples/SM-1', { status: 'quarantined', reason: 'OOS result' })).statusCode,
    ).toBe(200);
    expect(
      (await call('PUT', '/api/samples/SM-1', { status: 'disposed', reason: 'destroyed per SOP' }))
        .statusCode,
    ).toBe(200);
    const back = await call('PATCH', '/api/samples/SM-1', { status: 'active', reason: 'try to revive' });
    expect(back.statusCode).toBe(409);
    expect(back.json().type).toBe('/problems/invalid-status-transition');
  });

  it('bulk: 101 samples get 400 and nothing is written; one invalid item also writes nothing', async () => {
    const before = await count();
    const many = Array.from({ length: 101 }, (_, i) => ({ sample_id: `BULK-${i}` }));
    const tooMany = await call('POST', '/api/samples/bulk', { samples: many });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().errors[0].field).toBe('body.samples');
    const items = Array.from({ length: 5 }, (_, i) => ({ sample_id: `BULK-OK-${i}`, quantity: 1 }));
    items[3] = { sample_id: 'BULK-OK-3', quantity: -1 };
    const bad = await call('POST', '/api/samples/bulk', { samples: items });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toEqual(['body.samples[3].quantity']);
    // Semantic errors (unknown project, taken id) are listed per item, too.
    const semantic = await call('POST', '/api/samples/bulk', {
      samples: [
        { sample_id: 'BULK-S-0' },
        { sample_id: 'USR-1' },
        { sample_id: 'BULK-S-2', project_id: 'NOPE' },
      ],
    });
    expect(semantic.statusCode).toBe(400);
    expect(semantic.json().errors.map((e: { field: string }) => e.field)).toEqual([
      'body.samples[1].sample_id',
      'body.samples[2].project_id',
    ]);
    expect(await count()).toBe(before);
    const ok = await call('POST', '/api/samples/bulk', {
      samples: items.map((it, i) => ({ ...it, quantity: i + 1 })),
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().items).toHaveLength(5);
    expect(await count()).toBe(before + 5);
  });

  it('split: children inherit project and batch, parent quantity drops by the sum, 409 when they exceed it', async () => {
    expect(
      (await call('POST', '/api/projects', { project_id: 'P-SPLIT', name: 'Split study' })).statusCode,
    ).toBe(201);
    expect(
      (await call('POST', '/api/batches', { batch_id: 'B-SPLIT', project_id: 'P-SPLIT' })).statusCode,
    ).toBe(201);
    await call('POST', '/api/samples', {
      sample_id: 'PAR',
      quantity: 1,
      unit: 'g',
      project_id: 'P-SPLIT',
      batch_id: 'B-SPLIT',
      lot_number: 'L-9',
    });
    const over = await call('POST', '/api/samples/PAR/split', {
      children: [{ quantity: 0.6 }, { quantity: 0.5 }],
    });
    expect(over.statusCode).toBe(409);
    expect(over.json().type).toBe('/problems/insufficient-quantity');
    const res = await call('POST', '/api/samples/PAR/split', {
      children: [{ quantity: 0.1 }, { quantity: 0.2, sample_id: 'PAR-B' }],
    });
    expect(res.statusCode).toBe(201);
    const { parent, children } = res.json();
    expect(parent.quantity).toBeCloseTo(0.7, 10);
    expect(children).toHaveLength(2);
    for (const c of children)
      expect(c).toMatchObject({
        project_id: 'P-SPLIT',
        batch_id: 'B-SPLIT',
        lot_number: 'L-9',
        unit: 'g',
        parent_sample_id: 'PAR',
      });
    // Exactly what is left can still be split off; the parent is then consumed.
    const rest = await call('POST', '/api/samples/PAR/split', { children: [{ quantity: 0.7 }] });
    expect(rest.statusCode).toBe(201);
    expect(rest.json().parent).toMatchObject({ quantity: 0, status: 'consumed' });
    const one = (await call('GET', '/api/samples/PAR-B')).json();
    expect(one.parent_chain).toEqual([{ sample_id: 'PAR', status: 'consumed' }]);
    const p = (await call('GET', '/api/samples/PAR')).json();
    expect(p.children.map((c: { sample_id: string }) => c.sample_id)).toContain('PAR-B');
  });

  it('lineage: a 5-generation split tree comes back from /lineage and the quantities add up', async () => {
    await call('POST', '/api/samples', { sample_id: 'G0', quantity: 1024, unit: 'uL' });
    let generation = ['G0'];
    for (let g = 1; g <= 5; g++) {
      const next: string[] = [];
      for (const id of generation) {
        const res = await call('POST', `/api/samples/${id}/split`, {
          children: [
            { sample_id: `${id}.1`, quantity: 1024 / 2 ** g / 2 },
            { sample_id: `${id}.2`, quantity: 1024 / 2 ** g / 2 },
          ],
        });
        expect(res.statusCode).toBe(201);
        next.push(`${id}.1`, `${id}.2`);
      }
      generation = next;
    }
    const tree = (await call('GET', '/api/samples/G0/lineage?depth=5')).json();
    const walk = (
      nodes: { sample_id: string; quantity: number; edge_quantity: number; children: unknown[] }[],
      depth: number,
    ): number => {
      let leaves = 0;
      for (const n of nodes) {
        expect(n.sample_id.split('.').length - 1).toBe(depth);
        const kids = n.children as typeof nodes;
        if (depth < 5) {
          expect(kids).toHaveLength(2);
          // What went to the children plus what is left equals what the node received.
          expect(kids.reduce((s, k) => s + k.edge_quantity, 0) + n.quantity).toBeCloseTo(n.edge_quantity, 6);
          leaves += walk(kids, depth + 1);
        } else {
          expect(kids).toEqual([]);
          leaves += 1;
        }
      }
      return leaves;
    };
    expect(walk(tree.descendants, 1)).toBe(32);
    const shallow = (await call('GET', '/api/samples/G0/lineage?depth=2')).json();
    expect(shallow.descendants[0].children[0].children).toEqual([]);
    const up = (await call('GET', '/api/samples/G0.1.2.1.2.1/lineage?depth=10')).json();
    let chain = up.ancestors;
    const names: string[] = [];
    while (chain.length) {
      names.push(chain[0].sample_id);
      chain = chain[0].parents;
    }
    expect(names).toEqual(['G0.1.2.1.2', 'G0.1.2.1', 'G0.1.2', 'G0.1', 'G0']);
  });

  it('lineage can never form a cycle: the database refuses the edge', async () => {
    const [a] = await queryRows<{ id: string }>(
      lab.database.db,
      sql`SELECT id FROM samples WHERE sample_id = 'G0'`,
    );
    const [d] = await queryRows<{ id: string }>(
      lab.database.db,
      sql`SELECT id FROM samples WHERE sample_id = 'G0.1.1.1'`,
    );
    await expect(
      lab.database.db.execute(
        sql`INSERT INTO sample_lineage (parent_id, child_id, created_by) VALUES (${d!.id}, ${a!.id}, ${sci.email})`,
      ),
    ).rejects.toThrow();
  });

  it('search, filter, sort and CSV export', async () => {
    await call('POST', '/api/samples', {
      sample_id: 'SRCH-1',
      lot_number: 'LOT-ZEBRA',
      metadata: { note: '=cmd|calc' },
    });
    await call('POST', '/api/samples', { sample_id: 'SRCH-2', metadata: { supplier: 'zebra labs' } });
    const found = (await call('GET', '/api/samples?q=zebra&sort=sample_id')).json();
    expect(found.items.map((s: { sample_id: string }) => s.sample_id)).toEqual(['SRCH-1', 'SRCH-2']);
    const pct = (await call('GET', `/api/samples?q=${encodeURIComponent('%')}`)).json();
    expect(pct.items).toEqual([]);
    const page = (await call('GET', '/api/samples?limit=2&sort=sample_id')).json();
    expect(page.items).toHaveLength(2);
    expect(page.next_offset).toBe(2);
    // Keyset paging walks every sample exactly once, in order, for each sort.
    for (const sort of ['created_at', '-created_at', 'sample_id', '-sample_id', 'status']) {
      const full = (await call('GET', `/api/samples?limit=500&sort=${sort}`))
        .json()
        .items.map((x: { sample_id: string }) => x.sample_id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/samples?limit=7&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`;
        const pageRes = (await call('GET', url)).json();
        seen.push(...pageRes.items.map((x: { sample_id: string }) => x.sample_id));
        cursor = pageRes.next_cursor;
      } while (cursor);
      expect(full.length).toBeGreaterThan(50);
      expect(seen, sort).toEqual(full);
    }
    const c1 = (await call('GET', '/api/samples?limit=2&sort=sample_id')).json().next_cursor;
    expect((await call('GET', `/api/samples?limit=2&sort=-sample_id&cursor=${c1}`)).statusCode).toBe(400);
    expect((await call('GET', `/api/samples?limit=2&offset=2&sort=sample_id&cursor=${c1}`)).statusCode).toBe(
      400,
    );
    expect((await call('GET', '/api/samples?cursor=garbage')).statusCode).toBe(400);
    const csv = await call('GET', '/api/samples/export.csv?q=SRCH');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]!.startsWith('sample_id,name,lot_number')).toBe(true);
    expect(lines).toHaveLength(3);
    expect(csv.body).toContain('SRCH-1');
  });

  it('containers: capacity 409, moves audited', async () => {
    expect(
      (
        await call('POST', '/api/containers', {
          container_id: 'BOX-1',
          container_type: 'box',
          location: 'site/r1/f2/s3/box1',
          capacity: 1,
        })
      ).statusCode,
    ).toBe(201);
    await call('POST', '/api/samples', { sample_id: 'C-1', container_id: 'BOX-1' });
    const full = await call('POST', '/api/samples', { sample_id: 'C-2', container_id: 'BOX-1' });
    expect(full.statusCode).toBe(409);
    expect(full.json().type).toBe('/problems/container-full');
    await call('POST', '/api/samples', { sample_id: 'C-2' });
    expect(
      (await call('POST', '/api/containers/BOX-1/samples', { sample_id: 'C-2', reason: 'move' })).statusCode,
    ).toBe(409);
    await call('POST', '/api/containers', {
      container_id: 'BOX-2',
      container_type: 'box',
      location: 'site/r1/f2/s3/box2',
      capacity: 2,
    });
    const moved = await call('POST', '/api/containers/BOX-2/samples', {
      sample_id: 'C-1',
      reason: 'rebalance freezer',
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().container_id).toBe('BOX-2');
    const events = (await call('GET', '/api/samples/C-1/history')).json().items;
    expect(events.at(-1)).toMatchObject({
      action: 'sample.moved',
      reason: 'rebalance freezer',
      before: { container_id: 'BOX-1' },
      after: { container_id: 'BOX-2' },
    });
    const box = (await call('GET', '/api/containers/BOX-2')).json();
    expect(box).toMatchObject({ occupancy: 1, capacity: 2, samples: [{ sample_id: 'C-1' }] });
  });

  it('soft delete is admin only, needs a reason, and hides the sample from lists', async () => {
    await call('POST', '/api/samples', { sample_id: 'DEL-1' });
    expect((await call('DELETE', '/api/samples/DEL-1?reason=mistake')).statusCode).toBe(403);
    expect((await call('DELETE', '/api/samples/DEL-1', undefined, admin)).statusCode).toBe(400);
    const del = await call('DELETE', '/api/samples/DEL-1?reason=entered%20twice', undefined, admin);
    expect(del.statusCode).toBe(200);
    expect(del.json().deleted_at).not.toBeNull();
    const list = (await call('GET', '/api/samples?q=DEL-1')).json();
    expect(list.items).toEqual([]);
    expect(
      (await call('PATCH', '/api/samples/DEL-1', { name: 'x', reason: 'edit after delete' })).statusCode,
    ).toBe(409);
  });

  it('projects archive, batches need a visible active project, assign-workflow needs a run', async () => {
    await call('POST', '/api/projects', { project_id: 'P-ARCH', name: 'Old' });
    expect((await call('PATCH', '/api/projects/P-ARCH', { name: 'Older' })).statusCode).toBe(400);
    expect((await call('POST', '/api/projects/P-ARCH/archive', { reason: 'study closed' })).statusCode).toBe(
      200,
    );
    expect((await call('POST', '/api/batches', { batch_id: 'B-X', project_id: 'P-ARCH' })).statusCode).toBe(
      409,
    );
    expect((await call('GET', '/api/samples/projects')).json().items.length).toBeGreaterThan(0);
    const noRun = await call('POST', '/api/samples/USR-1/assign-workflow', { run_id: 'RUN-404' });
    expect(noRun.statusCode).toBe(400);
  });

  it('history is read through the (entity_type, entity_id) index', async () => {
    const plan = await lab.database.db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL enable_seqscan = off`);
      return queryRows<{ 'QUERY PLAN': string }>(
        tx,
        sql`EXPLAIN SELECT seq FROM audit_events WHERE entity_type = 'sample' AND entity_id = 'USR-1' ORDER BY seq`,
      );
    });
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('audit_events_entity_idx');
  });

  it('the audit chain verifies after all of the above', async () => {
    expect((await lab.app.lab.audit.verify()).valid).toBe(true);
  });
});
