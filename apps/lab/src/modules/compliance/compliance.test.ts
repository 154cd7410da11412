import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';
import { verifyAuditExport, writeAuditExport } from './audit-export.ts';

let lab: TestLab;
let dir: string;
beforeAll(async () => {
  lab = await testLab({ auditCheckpointInterval: 5 });
  dir = await mkdtemp(join(tmpdir(), 'audit-export-'));
});
afterAll(async () => {
  await lab.close();
  await rm(dir, { recursive: true, force: true });
});

describe('audit trail API', () => {
  it('filters by entity and actor, pages with a cursor, and is closed to scientists', async () => {
    const qa = await userWithRole(lab, 'compliance');
    const scientist = await userWithRole(lab, 'scientist');
    const page1 = await lab.app.inject({
      method: 'GET',
      url: `/api/compliance/audit?entity_type=user&entity_id=${scientist.email}&limit=1`,
      headers: qa.auth,
    });
    expect(page1.statusCode).toBe(200);
    const body = page1.json();
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({
      entity_type: 'user',
      entity_id: scientist.email,
      action: 'user.created',
    });
    const page2 = await lab.app.inject({
      method: 'GET',
      url: `/api/compliance/audit?entity_type=user&entity_id=${scientist.email}&cursor=${body.next_cursor}`,
      headers: qa.auth,
    });
    expect(page2.json().items.map((e: { action: string }) => e.action)).toContain('auth.login');
    expect(
      (await lab.app.inject({ method: 'GET', url: '/api/compliance/audit', headers: scientist.auth }))
        .statusCode,
    ).toBe(403);
  });

  it('lists newest first with order=desc, paging downwards with the cursor', async () => {
    const qa = await userWithRole(lab, 'compliance');
    const get = async (query: string) => {
      const res = await lab.app.inject({
        method: 'GET',
        url: `/api/compliance/audit?${query}`,
        headers: qa.auth,
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { items: { seq: number }[]; next_cursor: number | null };
    };
    const seqs = (page: { items: { seq: number }[] }) => page.items.map((e) => e.seq);
    const all = seqs(await get('limit=1000'));
    const newest = [...all].reverse();
    const page1 = await get('order=desc&limit=3');
    expect(seqs(page1)).toEqual(newest.slice(0, 3));
    expect(page1.next_cursor).toBe(newest[2]);
    const page2 = await get(`order=desc&limit=3&cursor=${page1.next_cursor}`);
    expect(seqs(page2)).toEqual(newest.slice(3, 6));
    // The last page downwards has no next cursor; the default stays oldest first.
    const tail = await get(`order=desc&limit=1000&cursor=${newest[newest.length - 3]}`);
    expect(seqs(tail)).toEqual(newest.slice(-2));
    expect(tail.next_cursor).toBeNull();
    expect(seqs(await get('limit=3'))).toEqual(all.slice(0, 3));
    const bad = await lab.app.inject({
      method: 'GET',
      url: '/api/compliance/audit?order=newest',
      headers: qa.auth,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('order');
  });

  it('ignores client time: events carry the database time', async () => {
    const admin = await userWithRole(lab, 'admin');
    await lab.app.inject({
      method: 'PATCH',
      url: `/api/users/${admin.email}`,
      headers: {
        ...admin.auth,
        date: 'Thu, 01 Jan 1999 00:00:00 GMT',
        'x-client-time': '1999-01-01T00:00:00Z',
      },
      payload: { name: 'Clock Test', reason: 'clock test' },
    });
    const res = await lab.app.inject({
      method: 'GET',
      url: `/api/compliance/audit?action=user.updated&entity_id=${admin.email}`,
      headers: admin.auth,
    });
    const ts = Date.parse(res.json().items[0].ts);
    expect(Math.abs(ts - Date.now())).toBeLessThan(60_000);
    // And a timestamp in the body is not accepted at all.
    const withTs = await lab.app.inject({
      method: 'PATCH',
      url: `/api/users/${admin.email}`,
      headers: admin.auth,
      payload: { name: 'X', reason: 'clock test', ts: '1999-01-01T00:00:00Z' },
    });
    expect(withTs.statusCode).toBe(400);
  });

  it('verifies the chain and lists signed checkpoints', async () => {
    const qa = await userWithRole(lab, 'compliance');
    const verify = await lab.app.inject({
      method: 'GET',
      url: '/api/compliance/audit/verify',
      headers: qa.auth,
    });
    expect(verify.json()).toMatchObject({ valid: true, first_invalid_seq: null, reason: null });
    expect(verify.json().checked).toBeGreaterThan(5);
    const cps = (
      await lab.app.inject({ method: 'GET', url: '/api/compliance/audit/checkpoints', headers: qa.auth })
    ).json().items;
    expect(cps.length).toBeGreaterThan(0);
    expect(cps[0]).toMatchObject({ seq: 5, key_id: expect.any(String), signature: expect.any(String) });
    const metrics = (await lab.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/polymorph_audit_chain_valid 1/);
    const counted = Number(/polymorph_audit_events_total (\d+)/.exec(metrics)?.[1]);
    expect(counted).toBeGreaterThan(5);
  });

  it('signs a missing checkpoint late on request: audited, compliance only, and verification passes again', async () => {
    const qa = await userWithRole(lab, 'compliance');
    const scientist = await userWithRole(lab, 'scientist');
    // What a stop between event 5's commit and its checkpoint leaves behind.
    await lab.superuser.withSession(async (s) => {
      await s.exec('ALTER TABLE audit_checkpoints DISABLE TRIGGER USER');
      await s.exec('DELETE FROM audit_checkpoints WHERE seq = 5');
      await s.exec('ALTER TABLE audit_checkpoints ENABLE TRIGGER USER');
    });
    const get = (url: string, auth = qa.auth) => lab.app.inject({ method: 'GET', url, headers: auth });
    // Intact but unsealed, not tampered: the chain-valid gauge stays 1.
    expect((await get('/api/compliance/audit/verify')).json()).toMatchObject({
      valid: true,
      status: 'unsealed',
      first_invalid_seq: null,
      reason: null,
      missing_checkpoints: { count: 1, first_seq: 5 },
    });
    const metrics = (await lab.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^polymorph_audit_chain_valid 1$/m);
    expect(metrics).toMatch(/^polymorph_audit_checkpoints_missing 1$/m);
    const url = '/api/compliance/audit/checkpoints/missing';
    expect((await lab.app.inject({ method: 'POST', url, headers: scientist.auth })).statusCode).toBe(403);
    const signed = await lab.app.inject({ method: 'POST', url, headers: qa.auth });
    expect(signed.statusCode).toBe(200);
    expect(signed.json()).toEqual({ signed: [5] });
    expect((await get('/api/compliance/audit/verify')).json()).toMatchObject({
      valid: true,
      status: 'valid',
      missing_checkpoints: null,
    });
    const events = (await get('/api/compliance/audit?action=audit.checkpoints_signed_late')).json().items;
    expect(events).toEqual([
      expect.objectContaining({
        actor: qa.email,
        after: { seqs: [5] },
        request_id: signed.headers['x-request-id'],
      }),
    ]);
  });

  it('exports CSV and JSON lines', async () => {
    const qa = await userWithRole(lab, 'compliance');
    const csv = await lab.app.inject({
      method: 'GET',
      url: '/api/compliance/audit/export?format=csv',
      headers: qa.auth,
    });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe(
      'seq,ts,actor,action,entity_type,entity_id,before,after,reason,request_id,ip,prev_hash,hash',
    );
    const jsonl = await lab.app.inject({
      method: 'GET',
      url: '/api/compliance/audit/export?format=jsonl',
      headers: qa.auth,
    });
    const events = jsonl.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(lines.length - 1).toBe(events.length);
  });

  it('an export file verifies offline, and an edited copy does not', async () => {
    const out = join(dir, 'trail.jsonl');
    const key = lab.app.lab.signatures as unknown as {
      key: { publicKey: import('node:crypto').KeyObject; keyId: string };
    };
    await lab.app.lab.audit.checkpointNow();
    await writeAuditExport(out, {
      publicKeyPem: key.key.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      keyId: key.key.keyId,
      checkpointInterval: 5,
      events: lab.app.lab.audit.events(),
      checkpoints: await lab.app.lab.audit.checkpoints(),
      signatures: await lab.app.lab.signatures.all(),
    });
    expect(await verifyAuditExport(out, { publicKey: key.key.publicKey })).toMatchObject({ valid: true });
    const text = await readFile(out, 'utf8');
    const tampered = text.replace(/"action":"auth.login"/, '"action":"auth.logout"');
    expect(tampered).not.toBe(text);
    await writeFile(join(dir, 'tampered.jsonl'), tampered);
    const result = await verifyAuditExport(join(dir, 'tampered.jsonl'), { publicKey: key.key.publicKey });
    expect(result.valid).toBe(false);
    expect(result.chain.reason).toBe('hash_mismatch');
  });
});
