// Input that passes a naive schema but that the database cannot store: each must be a 400 naming the
// field, and must leave nothing behind (no row, no audit event, no stored file).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_JSON_DEPTH } from '@polymorph/http-problem/input-guard';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../db/schema/audit.ts';
import { type TestLab, testLab, userWithRole } from './lab-app.ts';

let lab: TestLab;
let auth: { authorization: string };
let calibrationId: string;

beforeAll(async () => {
  lab = await testLab();
  auth = (await userWithRole(lab, 'admin')).auth;
  const ok = async (method: 'POST', url: string, payload: object) => {
    const res = await lab.app.inject({ method, url, headers: auth, payload });
    if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  await ok('POST', '/api/inventory/items', {
    item_code: 'ACN',
    name: 'Acetonitrile',
    category: 'solvent',
    unit: 'L',
  });
  await ok('POST', '/api/inventory/lots', { lot_number: 'LOT-1', item_code: 'ACN', quantity: 20 });
  await ok('POST', '/api/samples', { sample_id: 'S-1', quantity: 5, unit: 'mL' });
  await ok('POST', '/api/devices', {
    device_id: 'BAL-01',
    vendor: 'Mettler',
    model: 'XPR',
    serial_number: 'SN-1',
    device_type: 'balance',
    location: 'lab1',
  });
  calibrationId = (
    await ok('POST', '/api/calibration', {
      device_id: 'BAL-01',
      calibration_date: '2026-03-02',
      result: 'valid',
    })
  ).id;
});
afterAll(async () => lab.close());

const auditCount = async () => (await lab.superuser.db.select({ n: count() }).from(auditEvents))[0]!.n;

interface Attack {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  url: string;
  payload?: unknown;
  /** The body as text, for JSON that JSON.stringify cannot write (too deep for its recursion). */
  raw?: string;
  /** The field the 400 must name: where the value was sent and its JSON Pointer. */
  in: 'body' | 'query' | 'params';
  pointer: string;
}

const nested = (depth: number) => `${'{"a":'.repeat(depth)}"leaf"${'}'.repeat(depth)}`;

const ATTACKS: Attack[] = [
  // PostgreSQL refuses NUL in text and jsonb.
  {
    name: 'NUL in a text field',
    method: 'POST',
    url: '/api/samples',
    payload: { name: 'a\u0000b' },
    in: 'body',
    pointer: '/name',
  },
  {
    name: 'NUL in a JSON value',
    method: 'POST',
    url: '/api/samples',
    payload: { metadata: { matrix: ['plasma', 'x\u0000'] } },
    in: 'body',
    pointer: '/metadata/matrix/1',
  },
  {
    name: 'NUL in a JSON key',
    method: 'POST',
    url: '/api/devices',
    payload: {
      device_id: 'HPLC-9',
      vendor: 'Agilent',
      model: '1260',
      serial_number: 'SN-9',
      device_type: 'hplc',
      location: 'lab1',
      capabilities: { 'k\u0000': 1 },
    },
    in: 'body',
    pointer: '/capabilities/k\u0000',
  },
  {
    name: 'NUL in a reason',
    method: 'PATCH',
    url: '/api/samples/S-1',
    payload: { name: 'renamed', reason: 'typo\u0000fix' },
    in: 'body',
    pointer: '/reason',
  },
  { name: 'NUL in a sample search', method: 'GET', url: '/api/samples?q=ab%00c', in: 'query', pointer: '/q' },
  {
    name: 'NUL in an item search',
    method: 'GET',
    url: '/api/inventory/items?q=%00',
    in: 'query',
    pointer: '/q',
  },
  // numeric(18,6) holds less than 10^12.
  {
    name: 'a sample quantity of 1e12',
    method: 'POST',
    url: '/api/samples',
    payload: { quantity: 1e12 },
    in: 'body',
    pointer: '/quantity',
  },
  {
    name: 'a reorder point of 1e12',
    method: 'POST',
    url: '/api/inventory/items',
    payload: { item_code: 'BIG', name: 'Big', category: 'c', unit: 'L', reorder_point: 1e12 },
    in: 'body',
    pointer: '/reorder_point',
  },
  {
    name: 'a lot of 1e12',
    method: 'POST',
    url: '/api/inventory/lots',
    payload: { lot_number: 'LOT-BIG', item_code: 'ACN', quantity: 1e12 },
    in: 'body',
    pointer: '/quantity',
  },
  {
    name: 'a stock adjustment of 1e12',
    method: 'POST',
    url: '/api/inventory/lots/LOT-1/adjust',
    payload: { delta: 1e12, reason: 'Monthly count' },
    in: 'body',
    pointer: '/delta',
  },
  {
    name: 'a split child of 1e12',
    method: 'POST',
    url: '/api/samples/S-1/split',
    payload: { children: [{ quantity: 1e12 }] },
    in: 'body',
    pointer: '/children/0/quantity',
  },
  // bigint ends at 2^63 - 1; seq numbers are JavaScript numbers, so the safe-integer limit is the real one.
  {
    name: 'history after_seq beyond 2^63',
    method: 'GET',
    url: '/api/samples/S-1/history?after_seq=9223372036854775808',
    in: 'query',
    pointer: '/after_seq',
  },
  // PostgreSQL has no year 0.
  {
    name: 'a calibration in year 0000',
    method: 'POST',
    url: '/api/calibration',
    payload: { device_id: 'BAL-01', calibration_date: '0000-01-01', result: 'valid' },
    in: 'body',
    pointer: '/calibration_date',
  },
  {
    name: 'a lot received in year 0000',
    method: 'POST',
    url: '/api/inventory/lots',
    payload: { lot_number: 'LOT-0', item_code: 'ACN', quantity: 1, received_date: '0000-02-29' },
    in: 'body',
    pointer: '/received_date',
  },
  {
    name: 'metadata nested 20,000 levels',
    method: 'POST',
    url: '/api/samples',
    raw: `{"metadata":${nested(20_000)}}`,
    in: 'body',
    // The body is level 1 and metadata level 2: the 33rd level is the first refused.
    pointer: `/metadata${'/a'.repeat(MAX_JSON_DEPTH - 1)}`,
  },
  // Bodies are not coerced: "5" is not a number.
  {
    name: 'a quantity sent as a string',
    method: 'POST',
    url: '/api/samples',
    payload: { quantity: '5' },
    in: 'body',
    pointer: '/quantity',
  },
  // The column keeps 6 decimals; more would be silently rounded away.
  {
    name: 'a quantity of 1e-7',
    method: 'POST',
    url: '/api/samples',
    payload: { quantity: 1e-7 },
    in: 'body',
    pointer: '/quantity',
  },
  {
    name: 'a consumption with 7 decimals',
    method: 'POST',
    url: '/api/inventory/lots/LOT-1/consume',
    payload: { quantity: 0.1234567 },
    in: 'body',
    pointer: '/quantity',
  },
];

describe('input the database cannot store is a 400 naming the field, and writes nothing', () => {
  it.each(ATTACKS)('$name', async (attack) => {
    const before = await auditCount();
    const body = attack.raw ?? (attack.payload === undefined ? undefined : JSON.stringify(attack.payload));
    const res = await lab.app.inject({
      method: attack.method,
      url: attack.url,
      ...(body === undefined
        ? { headers: auth }
        : { headers: { ...auth, 'content-type': 'application/json' }, payload: body }),
    });
    expect(res.statusCode, res.body.slice(0, 500)).toBe(400);
    const problem = res.json();
    expect(problem.type).toBe('/problems/validation-error');
    expect(problem.errors).toContainEqual(
      expect.objectContaining({ in: attack.in, pointer: attack.pointer }),
    );
    expect(await auditCount()).toBe(before);
  });

  it('refuses a receipt or adjustment whose stock total would pass 10^12, writing nothing', async () => {
    const post = (url: string, payload: object) =>
      lab.app.inject({ method: 'POST', url, headers: auth, payload });
    await post('/api/inventory/items', {
      item_code: 'BULK',
      name: 'Bulk water',
      category: 'solvent',
      unit: 'L',
    });
    expect(
      (
        await post('/api/inventory/lots', {
          lot_number: 'BULK-1',
          item_code: 'BULK',
          quantity: 999_999_999_999,
        })
      ).statusCode,
    ).toBe(201);
    const before = await auditCount();
    const receipt = await post('/api/inventory/lots', {
      lot_number: 'BULK-2',
      item_code: 'BULK',
      quantity: 1,
    });
    expect(receipt.statusCode, receipt.body).toBe(400);
    expect(receipt.json().errors).toContainEqual(
      expect.objectContaining({ in: 'body', pointer: '/quantity' }),
    );
    const adjust = await post('/api/inventory/lots/BULK-1/adjust', { delta: 1, reason: 'Recount' });
    expect(adjust.statusCode, adjust.body).toBe(400);
    expect(adjust.json().errors).toContainEqual(expect.objectContaining({ in: 'body', pointer: '/delta' }));
    expect(await auditCount()).toBe(before);
    const lot = await lab.app.inject({ url: '/api/inventory/lots/BULK-2', headers: auth });
    expect(lot.statusCode).toBe(404);
  });

  it('accepts the largest values the columns hold, with 6 decimals', async () => {
    const big = 999_999_999_999.5;
    const res = await lab.app.inject({
      method: 'POST',
      url: '/api/samples',
      headers: auth,
      payload: { sample_id: 'S-BIG', quantity: big },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().quantity).toBe(big);
    const small = await lab.app.inject({
      method: 'POST',
      url: '/api/samples',
      headers: auth,
      payload: { sample_id: 'S-SMALL', quantity: 0.000001 },
    });
    expect(small.statusCode, small.body).toBe(201);
    expect(small.json().quantity).toBe(0.000001);
    const day = await lab.app.inject({
      method: 'POST',
      url: '/api/calibration',
      headers: auth,
      payload: {
        device_id: 'BAL-01',
        calibration_date: '0001-01-01',
        next_due_date: '9999-12-31',
        result: 'valid',
      },
    });
    expect(day.statusCode, day.body).toBe(201);
    expect(day.json()).toMatchObject({ calibration_date: '0001-01-01', next_due_date: '9999-12-31' });
  });

  it('still reads numbers and booleans from the query string', async () => {
    const res = await lab.app.inject({
      method: 'GET',
      url: '/api/inventory/items?limit=1&low_stock=false',
      headers: auth,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items).toHaveLength(1);
  });
});

describe('certificate uploads take exactly one whole file', () => {
  const boundary = '----hostile-input-boundary';
  const filePart = (name: string, bytes: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
    `Content-Type: application/pdf\r\n\r\n${bytes}\r\n`;
  const pdf = '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n';
  const upload = (payload: string) =>
    lab.app.inject({
      method: 'POST',
      url: `/api/calibration/${calibrationId}/attach-certificate`,
      headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: Buffer.from(payload),
    });
  const stored = async () => readdir(join(lab.dataDir, 'certificates')).catch(() => []);
  const entry = async () =>
    (await lab.app.inject({ method: 'GET', url: `/api/calibration/${calibrationId}`, headers: auth })).json();

  it('refuses a form cut off in the middle of the file', async () => {
    const before = await auditCount();
    const res = await upload(filePart('cert.pdf', pdf).slice(0, -20));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().type).toBe('/problems/bad-request');
    expect(await auditCount()).toBe(before);
    expect((await entry()).has_certificate).toBe(false);
  });

  it('refuses two files instead of keeping the first', async () => {
    const before = await auditCount();
    const res = await upload(`${filePart('a.pdf', pdf)}${filePart('b.pdf', pdf)}--${boundary}--\r\n`);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().detail).toMatch(/one file/);
    expect(await auditCount()).toBe(before);
    expect((await entry()).has_certificate).toBe(false);
    expect((await stored()).filter((f) => !f.startsWith('.'))).toEqual([]);
  });

  it('takes one whole file', async () => {
    const res = await upload(`${filePart('a.pdf', pdf)}--${boundary}--\r\n`);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().has_certificate).toBe(true);
  });
});

describe("the router's own refusals are problem+json, declared on every operation they can reach", () => {
  type Operation = { responses: Record<string, unknown> };
  const operation = async (path: string, method: string): Promise<Operation | undefined> => {
    const doc: { paths: Record<string, Record<string, Operation>> } = (
      await lab.app.inject({ method: 'GET', url: '/openapi.json' })
    ).json();
    return doc.paths[path]?.[method];
  };

  it('a path parameter over 100 characters is a 414 uri-too-long', async () => {
    const res = await lab.app.inject({
      method: 'GET',
      url: `/api/samples/${'S'.repeat(101)}`,
      headers: auth,
    });
    expect(res.statusCode).toBe(414);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ type: '/problems/uri-too-long', status: 414 });
    expect(res.body.length).toBeLessThan(400); // the path is not echoed in the detail
    expect((await operation('/api/samples/{sampleId}', 'get'))?.responses['414']).toBeDefined();
  });

  it('a malformed percent-encoding in a path parameter is a 400 bad-request', async () => {
    const res = await lab.app.inject({ method: 'GET', url: '/api/samples/S-%ZZ', headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ type: '/problems/bad-request', status: 400 });
  });

  it('a number in the query must be finite: Infinity and 1e400 are 400s naming the parameter', async () => {
    for (const query of ['limit=Infinity', 'offset=1e400', 'limit=-Infinity']) {
      const res = await lab.app.inject({ method: 'GET', url: `/api/samples?${query}`, headers: auth });
      expect(res.statusCode, query).toBe(400);
      const name = query.split('=')[0];
      expect(res.json().errors).toEqual([
        expect.objectContaining({ in: 'query', pointer: `/${name}`, message: 'must be a finite number' }),
      ]);
    }
  });

  type Schema = {
    type?: string;
    format?: string;
    pattern?: string;
    maximum?: number;
    properties?: Record<string, Schema>;
    items?: Schema;
  };
  /** Where in the served document a request can carry a value whose schema fails `holds`. */
  const requestSchemasWhere = async (fails: (schema: Schema) => boolean): Promise<string[]> => {
    type Parameter = { name: string; in: string; schema: Schema };
    type Op = { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } };
    const doc: { paths: Record<string, Record<string, Op>> } = (
      await lab.app.inject({ method: 'GET', url: '/openapi.json' })
    ).json();
    const found: string[] = [];
    const walk = (schema: Schema | undefined, where: string): void => {
      if (!schema) return;
      if (fails(schema)) found.push(where);
      for (const [name, child] of Object.entries(schema.properties ?? {})) walk(child, `${where}.${name}`);
      walk(schema.items, `${where}[]`);
    };
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const p of op.parameters ?? []) walk(p.schema, `${method} ${path} ${p.in}.${p.name}`);
        for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
          walk(media.schema, `${method} ${path} body(${type})`);
        }
      }
    }
    return found;
  };

  const expectAuditQueryRefused = async (query: string, pointer: string) => {
    const res = await lab.app.inject({ method: 'GET', url: `/api/compliance/audit?${query}`, headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ in: 'query', pointer })]);
  };

  it('every integer a request can carry has a maximum that a bigint column holds', async () => {
    // An unbounded integer lets 1e308 (an integer to JSON Schema) through to SQL, which refuses it: 500.
    const unbounded = await requestSchemasWhere(
      (s) => s.type === 'integer' && !(s.maximum !== undefined && s.maximum <= 2 ** 63),
    );
    expect(unbounded).toEqual([]);
    await expectAuditQueryRefused('cursor=1e308', '/cursor');
  });

  it('every date a request can carry refuses year 0000, which PostgreSQL does not hold', async () => {
    const yearZeroAllowed = await requestSchemasWhere(
      (s) => (s.format === 'date' || s.format === 'date-time') && s.pattern !== '^(?!0000)[0-9]{4}-',
    );
    expect(yearZeroAllowed).toEqual([]);
    await expectAuditQueryRefused('from=0000-01-01T00%3A00%3A00Z', '/from');
  });

  it('a DELETE sent a form body is a declared 415', async () => {
    const res = await lab.app.inject({
      method: 'DELETE',
      url: '/api/samples/S-1',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=1',
    });
    expect(res.statusCode).toBe(415);
    expect((await operation('/api/samples/{sampleId}', 'delete'))?.responses['415']).toBeDefined();
  });
});
