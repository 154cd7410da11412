import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { strongPassword, type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';
import { onPostgres } from '../../testing/test-database.ts';

let lab: TestLab;
type Who = { auth: { authorization: string }; email: string };
let sci: Who;
let other: Who;
let admin: Who;
// What the server logs: a keyed create that stores something other than what it sends is an error.
const logLines: string[] = [];
const logStream = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});
beforeAll(async () => {
  lab = await testLab({ logLevel: 'error' }, logStream);
  sci = await userWithRole(lab, 'scientist');
  other = await userWithRole(lab, 'scientist');
  admin = await userWithRole(lab, 'admin');
});
afterAll(async () => {
  await lab.close();
  expect(logLines.filter((l) => l.includes('idempotent create') || l.includes('Idempotency-Key'))).toEqual(
    [],
  );
});

let keys = 0;
const newKey = () => `key-${++keys}-${Date.now()}`;

const post = (url: string, payload: object, key?: string, who: Who = sci) =>
  lab.app.inject({
    method: 'POST',
    url,
    headers: { ...who.auth, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    payload,
  });

const count = async (table: string, where = sql`true`) =>
  (
    await queryRows<{ n: number }>(
      lab.superuser.db,
      sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)} WHERE ${where}`,
    )
  )[0]!.n;
const samplesNamed = (name: string) => count('samples', sql`name = ${name}`);
const keyRows = (key: string) => count('idempotency_keys', sql`key = ${key}`);

describe('Idempotency-Key on creates', () => {
  it('the same key twice makes one sample and answers the first response again, byte for byte', async () => {
    const key = newKey();
    const first = await post('/api/samples', { name: 'idem-once', quantity: 2, unit: 'mL' }, key);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post('/api/samples', { unit: 'mL', quantity: 2, name: 'idem-once' }, key);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect(await samplesNamed('idem-once')).toBe(1);
    const id = first.json().sample_id;
    expect(await count('audit_events', sql`action = 'sample.created' AND entity_id = ${id}`)).toBe(1);
  });

  it('the same key with a different body answers 422 and creates nothing', async () => {
    const key = newKey();
    expect((await post('/api/samples', { name: 'idem-a' }, key)).statusCode).toBe(201);
    const other = await post('/api/samples', { name: 'idem-b' }, key);
    expect(other.statusCode).toBe(422);
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(other.json().type).toBe('/problems/idempotency-key-reused');
    expect(await samplesNamed('idem-b')).toBe(0);
    // Another operation under the same key is a different request too.
    const project = await post('/api/projects', { project_id: 'P-IDEM-X', name: 'x' }, key);
    expect(project.statusCode).toBe(422);
  });

  it("keys are per user: another user's identical key creates their own record and never sees the first", async () => {
    const key = newKey();
    const mine = await post('/api/samples', { name: 'idem-shared-key' }, key, sci);
    const theirs = await post('/api/samples', { name: 'idem-shared-key' }, key, other);
    expect(theirs.statusCode).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.json().sample_id).not.toBe(mine.json().sample_id);
    expect(theirs.json().created_by).toBe(other.email);
    expect(await samplesNamed('idem-shared-key')).toBe(2);
  });

  it('without the header a create behaves as before: every request makes a record, no key is kept', async () => {
    const before = await count('idempotency_keys');
    expect((await post('/api/samples', { name: 'idem-none' })).statusCode).toBe(201);
    expect((await post('/api/samples', { name: 'idem-none' })).statusCode).toBe(201);
    expect(await samplesNamed('idem-none')).toBe(2);
    expect(await count('idempotency_keys')).toBe(before);
  });

  it('a malformed key answers 400 naming the header', async () => {
    for (const bad of ['', 'has space', 'x'.repeat(256), 'naïve', '"unclosed']) {
      const res = await post('/api/samples', { name: 'idem-bad' }, bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(['headers.idempotency-key']);
    }
    expect(await samplesNamed('idem-bad')).toBe(0);
  });

  it("a key sent as a structured-field string (the draft's form) is the same key as the bare one", async () => {
    const key = newKey();
    const quoted = await post('/api/samples', { name: 'idem-quoted' }, `"${key}"`);
    const bare = await post('/api/samples', { name: 'idem-quoted' }, key);
    expect(bare.headers['idempotent-replayed']).toBe('true');
    expect(bare.body).toBe(quoted.body);
  });

  it('a create that fails keeps no key: the retry is judged again', async () => {
    const key = newKey();
    expect((await post('/api/samples', { sample_id: 'IDEM-TAKEN' })).statusCode).toBe(201);
    const refused = await post('/api/samples', { sample_id: 'IDEM-TAKEN', name: 'idem-fail' }, key);
    expect(refused.statusCode).toBe(409);
    expect(await keyRows(key)).toBe(0);
    expect((await post('/api/samples', { sample_id: 'IDEM-TAKEN', name: 'idem-fail' }, key)).statusCode).toBe(
      409,
    );
  });

  it('the key and the record commit together: a failure after either is written leaves neither', async () => {
    // A trigger refuses, at COMMIT time (the audit append), the event of one sample: the key row is
    // already written in that transaction.
    await lab.superuser.db.execute(sql`CREATE FUNCTION refuse_idem_test() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.after->>'name' = 'idem-doomed' THEN RAISE EXCEPTION 'refused by test'; END IF;
        RETURN NEW;
      END $$`);
    await lab.superuser.db.execute(
      sql`CREATE TRIGGER refuse_idem_test BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_idem_test()`,
    );
    try {
      const key = newKey();
      const res = await post('/api/samples', { name: 'idem-doomed' }, key);
      expect(res.statusCode).toBe(500);
      expect(await keyRows(key)).toBe(0);
      expect(await samplesNamed('idem-doomed')).toBe(0);
    } finally {
      await lab.superuser.db.execute(sql`DROP TRIGGER refuse_idem_test ON audit_events`);
    }
    // And the other way: the key row is refused, so the sample written before it goes too.
    await lab.superuser.db.execute(sql`CREATE FUNCTION refuse_key_test() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused by test'; END $$`);
    await lab.superuser.db.execute(
      sql`CREATE TRIGGER refuse_key_test BEFORE INSERT ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION refuse_key_test()`,
    );
    try {
      const res = await post('/api/samples', { name: 'idem-keyless' }, newKey());
      expect(res.statusCode).toBe(500);
      expect(await samplesNamed('idem-keyless')).toBe(0);
    } finally {
      await lab.superuser.db.execute(sql`DROP TRIGGER refuse_key_test ON idempotency_keys`);
    }
  });

  it('concurrent requests with one key make one record; each answers it or 409 in use', async () => {
    const key = newKey();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => post('/api/samples', { name: 'idem-race' }, key)),
    );
    expect(await samplesNamed('idem-race')).toBe(1);
    const created = responses.filter((r) => r.statusCode === 201);
    expect(created.length).toBeGreaterThan(0);
    expect(new Set(created.map((r) => r.body)).size).toBe(1);
    for (const r of responses.filter((r) => r.statusCode !== 201)) {
      expect(r.statusCode).toBe(409);
      expect(r.json().type).toBe('/problems/idempotency-key-in-use');
    }
  });

  it.skipIf(!onPostgres)('a key whose first request is still in its transaction answers 409', async () => {
    const key = newKey();
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    // Plays the first request: holds the key's lock in an open transaction.
    const holder = lab.superuser.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${sci.email}\n${key}`}, 16))`);
      locked();
      await held;
    });
    await isLocked;
    const busy = await post('/api/samples', { name: 'idem-busy' }, key);
    release();
    await holder;
    expect(busy.statusCode).toBe(409);
    expect(busy.json().type).toBe('/problems/idempotency-key-in-use');
    expect((await post('/api/samples', { name: 'idem-busy' }, key)).statusCode).toBe(201);
    expect(await samplesNamed('idem-busy')).toBe(1);
  });

  it('a key lives 24 hours; after that it may be used again and the expired row is purged', async () => {
    const key = newKey();
    expect((await post('/api/samples', { name: 'idem-old' }, key)).statusCode).toBe(201);
    const [row] = await queryRows<{ hours: number }>(
      lab.superuser.db,
      sql`SELECT extract(epoch FROM expires_at - created_at)::int / 3600 AS hours FROM idempotency_keys WHERE key = ${key}`,
    );
    expect(row?.hours).toBe(24);
    await lab.superuser.db.execute(
      sql`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = ${key}`,
    );
    const reused = await post('/api/samples', { name: 'idem-new' }, key);
    expect(reused.statusCode).toBe(201);
    expect(reused.headers['idempotent-replayed']).toBeUndefined();
    expect(await keyRows(key)).toBe(1);
    expect(await count('idempotency_keys', sql`expires_at <= now()`)).toBe(0);
  });

  it('other creates replay the same way (bulk, projects, batches, users)', async () => {
    const cases: [string, object, Who, string][] = [
      ['/api/samples/bulk', { samples: [{ name: 'idem-bulk' }, { name: 'idem-bulk' }] }, sci, 'samples'],
      ['/api/projects', { project_id: 'P-IDEM', name: 'Idempotent' }, admin, 'projects'],
      ['/api/batches', { batch_id: 'B-IDEM', project_id: 'P-IDEM' }, admin, 'batches'],
      [
        '/api/users',
        { email: 'retry@lab.test', name: 'Retry', password: strongPassword(), roles: [] },
        admin,
        'users',
      ],
    ];
    for (const [url, body, who, table] of cases) {
      const key = newKey();
      const first = await post(url, body, key, who);
      expect(first.statusCode, `${url}: ${first.body}`).toBe(201);
      const rows = await count(table);
      const again = await post(url, body, key, who);
      expect(again.statusCode, url).toBe(201);
      expect(again.headers['idempotent-replayed'], url).toBe('true');
      expect(again.body, url).toBe(first.body);
      expect(await count(table), url).toBe(rows);
    }
  });

  it('a split retried with its key splits once', async () => {
    await post('/api/samples', { sample_id: 'IDEM-PARENT', quantity: 1, unit: 'g' });
    const key = newKey();
    const body = { children: [{ quantity: 0.25 }] };
    const first = await post('/api/samples/IDEM-PARENT/split', body, key);
    expect(first.statusCode).toBe(201);
    const again = await post('/api/samples/IDEM-PARENT/split', body, key);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    const parent = await lab.app.inject({ url: '/api/samples/IDEM-PARENT', headers: sci.auth });
    expect(parent.json().quantity).toBe(0.75);
    // The same key on another parent is another request.
    await post('/api/samples', { sample_id: 'IDEM-PARENT-2', quantity: 1 });
    expect((await post('/api/samples/IDEM-PARENT-2/split', body, key)).statusCode).toBe(422);
  });

  it('a signing retried with its key signs once; a refused signing keeps no key', async () => {
    const signer = await userWithRole(lab, 'admin');
    const subject = await userWithRole(lab, 'scientist');
    const body = (password: string) => ({
      record_type: 'user',
      record_id: subject.email,
      meaning: 'reviewed',
      user_id: signer.email,
      password,
    });
    const key = newKey();
    expect((await post('/api/signatures', body('wrong-password-1'), key, signer)).statusCode).toBe(401);
    expect(await keyRows(key)).toBe(0);
    const first = await post('/api/signatures', body(signer.password), key, signer);
    expect(first.statusCode, first.body).toBe(201);
    const again = await post('/api/signatures', body(signer.password), key, signer);
    expect(again.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    expect(await count('electronic_signatures', sql`signer_email = ${signer.email}`)).toBe(1);
    // The password is in neither the stored response nor, readably, the fingerprint.
    const rows = await queryRows(lab.superuser.db, sql`SELECT * FROM idempotency_keys WHERE key = ${key}`);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(signer.password);
  });

  it('every create replays its documented example: the retry answers the first response, byte for byte', async () => {
    const doc = (await lab.app.inject({ url: '/openapi.json' })).json();
    const replayed = new Set<string>();
    // The calibration example names a balance no example makes.
    const device = doc.paths['/api/devices'].post.requestBody.content['application/json'].example;
    expect(
      (
        await post(
          '/api/devices',
          { ...device, device_id: 'BAL-01', serial_number: 'BAL-SN-1' },
          undefined,
          admin,
        )
      ).statusCode,
    ).toBe(201);
    // Twice, so that examples referring to records other examples make (a batch's project) resolve.
    for (let pass = 0; pass < 2; pass++) {
      for (const [path, item] of Object.entries<Record<string, OpenApiOperation>>(doc.paths)) {
        const op = item['post'];
        const example = op?.requestBody?.content?.['application/json']?.example;
        if (!op?.responses['201'] || path.includes('{') || example === undefined) continue;
        if (replayed.has(op.operationId)) continue;
        const key = newKey();
        const first = await post(path, example, key, admin);
        if (first.statusCode !== 201) continue;
        const again = await post(path, example, key, admin);
        expect(again.statusCode, path).toBe(201);
        expect(again.headers['idempotent-replayed'], path).toBe('true');
        expect(again.body, path).toBe(first.body);
        replayed.add(op.operationId);
      }
    }
    // Signing needs a password in the body; the checkpoint takes no key; a run needs an effective
    // workflow and bound, calibrated instruments that no example makes (runs.test.ts replays it); an
    // alias under /api/samples shares its twin's example (whose id the twin took) and its handler; a
    // reference upload is multipart (no JSON example, no key: a retry is a 409 on the taken id).
    const notReplayed = ['signRecord', 'createAuditCheckpoint', 'startRun', 'createPolymorphReference'];
    const expected = Object.entries<Record<string, OpenApiOperation>>(doc.paths)
      .filter(([path, item]) => item['post']?.responses['201'] && !path.includes('{'))
      .map(([, item]) => item['post']!.operationId)
      .filter((id) => !notReplayed.includes(id) && !id.endsWith('UnderSamples'));
    expect([...replayed].sort()).toEqual(expected.sort());
  });

  it('every create (POST answering 201) declares the header and the 409 and 422 answers', async () => {
    const doc = (await lab.app.inject({ url: '/openapi.json' })).json();
    const creates: string[] = [];
    for (const [path, item] of Object.entries<Record<string, OpenApiOperation>>(doc.paths)) {
      const op = item['post'];
      if (!op?.responses['201']) continue;
      const header = op.parameters?.find((p) => p.in === 'header' && p.name === 'idempotency-key');
      if (!header) continue;
      creates.push(path);
      expect(header.required ?? false, path).toBe(false);
      expect(op.responses['409'], path).toBeDefined();
      expect(op.responses['422'], path).toBeDefined();
    }
    const exempt = [
      '/api/compliance/audit/checkpoints',
      '/api/calibration/{id}/attach-certificate',
      '/api/polymorph/references',
      '/api/polymorph/references/{referenceId}/versions',
    ];
    const all = Object.entries<Record<string, OpenApiOperation>>(doc.paths)
      .filter(([, item]) => item['post']?.responses['201'])
      .map(([path]) => path);
    expect(all.filter((p) => !creates.includes(p)).sort()).toEqual(exempt.sort());
    expect(creates.length).toBeGreaterThanOrEqual(20);
  });
});

interface OpenApiOperation {
  operationId: string;
  requestBody?: { content?: Record<string, { example?: object }> };
  parameters?: { in: string; name: string; required?: boolean }[];
  responses: Record<string, unknown>;
}
