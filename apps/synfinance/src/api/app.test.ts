import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generate, HANG_GUARD_MS, readAll, tmpDir } from '../generator/test-helpers.ts';
import type { ApiOptions } from './app.ts';
import { testApi } from './test-api.ts';
import { readRowsFromText } from './test-read.ts';

const apps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

/** An RFC 9457 problem response: status, content type, the five members, and the type. */
function expectProblem(res: LightMyRequestResponse, status: number, type: string): Record<string, unknown> {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  const body = res.json() as Record<string, unknown>;
  for (const key of ['type', 'title', 'status', 'detail', 'instance']) expect(body).toHaveProperty(key);
  expect(body['type']).toBe(type);
  expect(body['status']).toBe(status);
  expect(res.body).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  return body;
}

async function start(opts: ApiOptions = {}) {
  const api = await testApi(opts);
  apps.push(api);
  const { app, state } = api;
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return { app, state, base: `http://127.0.0.1:${port}` };
}

describe('SynFinance API', () => {
  it('streams CSV with the right content type and counts metrics', async () => {
    const { base } = await start({ dataDir: tmpDir() });
    const res = await fetch(`${base}/api/transactions/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 30_000, seed: 3, fraud_rate: 0.05, days: 90 }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await res.text();
    // the same bytes as the file the CLI writes for the same parameters
    const g = await generate(30_000, 'csv', { seed: 3, fraudRate: 0.05, days: 90 });
    expect(text).toBe(fs.readFileSync(g.file, 'utf8'));
    fs.rmSync(g.dir, { recursive: true, force: true });
    const rows = readRowsFromText(text);
    expect(rows.length).toBe(30_000);
    const fraud = rows.filter((r) => r.is_fraud === '1').length;
    expect(fraud / rows.length).toBeGreaterThan(0.045);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/synfinance_transactions_generated_total 30000/);
    expect(metrics).toMatch(/synfinance_fraud_injected_total\{fraud_type="[a-z_]+",severity="[a-z]+"\} \d+/);
    expect(metrics).toMatch(/synfinance_generation_rate_txn_per_sec \d/);
    expect(metrics).toMatch(/app_data_dir_bytes\{path="[^"]+"\} \d+/);
    expect(metrics).toMatch(
      /synfinance_anomalies_injected_total\{anomaly_type="(behavioural|geographic|temporal|amount)"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /http_server_requests_total\{method="POST",route="\/api\/transactions\/generate",status_code="200"\}/,
    );
    // The batch was checked against the declared schema: no violations, and a score.
    const quality = await vi.waitFor(
      async () => {
        const lines = (await (await fetch(`${base}/metrics`)).text())
          .split('\n')
          .filter((l) => l.startsWith('synfinance_data_'))
          .join('\n');
        expect(lines).toContain('stream="generated"}');
        return lines;
      },
      { timeout: HANG_GUARD_MS, interval: 100 },
    );
    const score = Number(/synfinance_data_quality_score\{stream="generated"\} ([0-9.]+)/.exec(quality)?.[1]);
    expect(score).toBeGreaterThan(95);
    expect(quality).toMatch(/synfinance_data_schema_violations_total\{stream="generated"\} 0/);
    expect(quality).toMatch(
      /synfinance_data_missing_values_rate\{stream="generated",field="card_type"\} 0\.[0-9]+/,
    );
  });

  it('streams Parquet that reads back', async () => {
    const { base } = await start();
    const res = await fetch(`${base}/api/transactions/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 25_000, seed: 4, format: 'parquet', days: 60 }),
    });
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    const buf = new Uint8Array(await res.arrayBuffer());
    const dir = tmpDir();
    const file = path.join(dir, 'api.parquet');
    fs.writeFileSync(file, buf);
    const rows = await readAll(file);
    expect(rows.length).toBe(25_000);
    expect(Object.keys(rows[0]!).length).toBe(58);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rejects a count above 1,000,000, unknown formats and impossible dates with a 400 problem naming the field', async () => {
    const { app } = await start();
    for (const [body, field] of [
      [{ count: 1_000_001 }, 'body.count'],
      [{ count: 10, format: 'xml' }, 'body.format'],
      [{ count: -1 }, 'body.count'],
      [{}, 'body.count'],
      [{ count: 10, fraud_rat: 0.1 }, 'body.fraud_rat'],
      [{ count: 10, start: '2025-02-30' }, 'body.start'],
    ] as const) {
      const r = await app.inject({ method: 'POST', url: '/api/transactions/generate', payload: body });
      const p = expectProblem(r, 400, '/problems/validation-error');
      expect(p['errors'], JSON.stringify(body)).toEqual([expect.objectContaining({ field })]);
      expect(p['instance']).toBe('/api/transactions/generate');
    }
  });

  it('refuses a window that runs past 9999-12-31 with a 400 naming body.start, and writes no row', async () => {
    const { app } = await start();
    const generate = (payload: object) =>
      app.inject({ method: 'POST', url: '/api/transactions/generate', payload });
    for (const body of [
      { count: 10, start: '9999-12-20', days: 30 },
      { count: 10, start: '9999-12-31', days: 2 },
      { count: 10, start: '9999-06-01' },
    ]) {
      const p = expectProblem(await generate(body), 400, '/problems/validation-error');
      expect(p['errors'], JSON.stringify(body)).toEqual([
        expect.objectContaining({ field: 'body.start', message: expect.stringMatching(/9999-12-31/) }),
      ]);
    }
    // the last day that can be written still is, with four-digit years
    const last = await generate({ count: 50, start: '9999-12-31', days: 1 });
    expect(last.statusCode).toBe(200);
    const rows = readRowsFromText(last.body);
    expect(rows.length).toBe(50);
    for (const r of rows) expect(r['timestamp']).toMatch(/^9999-12-31 \d{2}:\d{2}:\d{2}$/);
  });

  it('lists every bad field of one request', async () => {
    const { app } = await start();
    const r = await app.inject({
      method: 'POST',
      url: '/api/transactions/generate',
      payload: { count: 0, format: 'xml', days: 0 },
    });
    const p = expectProblem(r, 400, '/problems/validation-error');
    expect((p['errors'] as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'body.count',
      'body.days',
      'body.format',
    ]);
  });

  it('a number written as text must be finite: "-Infinity" as a seed is a 400, not a cut stream', async () => {
    const { app } = await start();
    for (const seed of ['-Infinity', 'Infinity', '1e400']) {
      const r = await app.inject({
        method: 'POST',
        url: '/api/transactions/generate',
        payload: { count: 5, seed, format: 'csv' },
      });
      const p = expectProblem(r, 400, '/problems/validation-error');
      expect(p['errors']).toEqual([
        expect.objectContaining({ field: 'body.seed', message: 'must be a finite number' }),
      ]);
    }
  });

  it("the router's own refusals are problems: a 414 for a path parameter over 100 characters, a 400 for bad percent-encoding", async () => {
    const { app } = await start();
    expectProblem(
      await app.inject({ method: 'GET', url: `/problems/${'x'.repeat(101)}` }),
      414,
      '/problems/uri-too-long',
    );
    expectProblem(await app.inject({ method: 'GET', url: '/problems/%ZZ' }), 400, '/problems/bad-request');
  });

  it('malformed JSON is a 400 problem, wrong content type 415, over-limit body 413', async () => {
    const { app } = await start();
    const malformed = await app.inject({
      method: 'POST',
      url: '/api/transactions/generate',
      headers: { 'content-type': 'application/json' },
      payload: '{"count": 10,',
    });
    expectProblem(malformed, 400, '/problems/malformed-json');
    const xml = await app.inject({
      method: 'POST',
      url: '/api/transactions/generate',
      headers: { 'content-type': 'application/xml' },
      payload: '<count>10</count>',
    });
    expect(expectProblem(xml, 415, '/problems/unsupported-media-type')['detail']).toContain(
      'application/xml',
    );
    const big = await app.inject({
      method: 'POST',
      url: '/api/transactions/generate',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ count: 10, pad: 'x'.repeat(1_100_000) }),
    });
    expectProblem(big, 413, '/problems/body-too-large');
  });

  it('an unknown route is a 404 problem', async () => {
    const { app } = await start();
    const r = await app.inject({ url: '/api/transactions/nope?x=1' });
    expect(expectProblem(r, 404, '/problems/not-found')['instance']).toBe('/api/transactions/nope');
    expect(r.headers['x-request-id']).toBeTruthy();
  });

  it('serves the schema, health, ready, openapi and docs', async () => {
    const { app } = await start();
    const schema = await app.inject({ url: '/api/transactions/schema' });
    expect(schema.json().columns.length).toBe(58);
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/ready' })).statusCode).toBe(200);
    const spec = (await app.inject({ url: '/openapi.json' })).json();
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/transactions/generate', '/api/transactions/schema']),
    );
    expect((await app.inject({ url: '/docs' })).statusCode).toBeLessThan(400);
  });

  it('requires a valid API key when keys are configured, but not for health and metrics', async () => {
    const { app } = await start({ apiKeys: ['k1'] });
    const missing = await app.inject({ url: '/api/transactions/schema' });
    expect(expectProblem(missing, 401, '/problems/unauthorized')['detail']).toMatch(/x-api-key/);
    expectProblem(
      await app.inject({ url: '/api/transactions/schema', headers: { 'x-api-key': 'nope' } }),
      401,
      '/problems/unauthorized',
    );
    // the fraud routes sit behind the same key check
    expectProblem(
      await app.inject({ method: 'POST', url: '/api/fraud/predict', payload: { transaction: {} } }),
      401,
      '/problems/unauthorized',
    );
    expect(
      (await app.inject({ url: '/api/transactions/schema', headers: { 'x-api-key': 'k1' } })).statusCode,
    ).toBe(200);
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(200);
  });

  it('rate-limits per client', async () => {
    const { app } = await start({ rateLimit: 2, rateWindowMs: 60_000 });
    const codes: number[] = [];
    for (let i = 0; i < 2; i++)
      codes.push((await app.inject({ url: '/api/transactions/schema' })).statusCode);
    expect(codes).toEqual([200, 200]);
    const limited = await app.inject({ url: '/api/transactions/schema' });
    expectProblem(limited, 429, '/problems/rate-limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('a new x-api-key value per request is still the same client (no keys configured)', async () => {
    const { app } = await start({ rateLimit: 3, rateWindowMs: 60_000 });
    const get = (i: number) =>
      app.inject({ url: '/api/transactions/schema', headers: { 'x-api-key': `fresh-${i}` } });
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await get(i)).statusCode);
    expect(codes).toEqual([200, 200, 200]);
    const limited = await get(3);
    expectProblem(limited, 429, '/problems/rate-limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // the operational routes are not limited
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
  });

  it('wrong keys are counted and throttled; a verified key has its own allowance', async () => {
    const { app } = await start({ apiKeys: ['k1', 'k2'], rateLimit: 3, rateWindowMs: 60_000 });
    const get = (key: string) =>
      app.inject({ url: '/api/transactions/schema', headers: { 'x-api-key': key } });
    for (let i = 0; i < 3; i++) expectProblem(await get(`guess-${i}`), 401, '/problems/unauthorized');
    // the burst of wrong keys is refused before its keys are even checked
    for (let i = 3; i < 6; i++) {
      const r = await get(`guess-${i}`);
      expectProblem(r, 429, '/problems/rate-limited');
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    }
    expectProblem(await app.inject({ url: '/api/transactions/schema' }), 429, '/problems/rate-limited');
    // the right key from the same address is counted on its own
    for (let i = 0; i < 3; i++) expect((await get('k1')).statusCode).toBe(200);
    expectProblem(await get('k1'), 429, '/problems/rate-limited');
    expect((await get('k2')).statusCode).toBe(200);
  });

  it('429 is declared on every limited operation, with its retry-after header', async () => {
    const { app } = await start({ rateLimit: 1 });
    const doc = (await app.inject({ url: '/openapi.json' })).json();
    const limited = doc.paths['/api/fraud/predict'].post.responses['429'];
    expect(limited.content['application/problem+json']).toBeDefined();
    expect(limited.headers['retry-after'].schema).toMatchObject({ type: 'integer' });
    expect(doc.paths['/health'].get.responses['429']).toBeUndefined();
  });

  it('sends security headers on every response, no CORS, and the docs page loads only what its CSP allows', async () => {
    const { app } = await start({ apiKeys: ['k1'] });
    const origin = { origin: 'https://elsewhere.example' };
    for (const res of [
      await app.inject({ url: '/health', headers: origin }),
      await app.inject({ url: '/api/transactions/schema', headers: { ...origin, 'x-api-key': 'k1' } }),
      await app.inject({ url: '/api/transactions/schema', headers: origin }),
      await app.inject({ url: '/nope', headers: origin }),
      await app.inject({ url: '/docs', headers: origin }),
    ]) {
      const h = res.headers;
      expect(h['content-security-policy']).toMatch(/default-src 'self'/);
      expect(h['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(h['content-security-policy']).toMatch(/object-src 'none'/);
      expect(h['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
      expect(h['x-content-type-options']).toBe('nosniff');
      expect(h['x-frame-options']).toBe('DENY');
      expect(h['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(h['referrer-policy']).toBe('no-referrer');
      expect(h['cross-origin-resource-policy']).toBe('same-origin');
      expect(h['access-control-allow-origin']).toBeUndefined();
    }
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/fraud/predict',
      headers: { ...origin, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
    // docs: no inline script (script-src 'self'); every script it names is served from here
    const docs = await app.inject({ url: '/docs' });
    expect(docs.statusCode).toBe(200);
    const scripts = [...docs.body.matchAll(/<script([^>]*)>/g)].map((m) => m[1] ?? '');
    expect(scripts.length).toBeGreaterThan(0);
    for (const attrs of scripts) {
      const src = /src="([^"]+)"/.exec(attrs)?.[1];
      expect(src, attrs).toMatch(/^\/docs\//);
      const js = await app.inject({ url: src! });
      expect(js.statusCode, src).toBe(200);
      expect(js.headers['content-type']).toMatch(/javascript/);
    }
  });

  it('a client that disconnects mid-stream leaves no running generation behind', async () => {
    const { state, base } = await start();
    const url = new URL(`${base}/api/transactions/generate`);
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        url,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          res.on('data', (d: Buffer) => {
            received += d.length;
            if (received > 200_000) {
              req.destroy();
              resolve();
            }
          });
          res.on('error', () => {});
        },
      );
      req.on('error', () => {});
      req.on('close', () => reject(new Error(`closed after ${received} bytes`)));
      req.end(JSON.stringify({ count: 1_000_000, seed: 1 }));
    });
    expect(state.activeGenerations).toBeLessThanOrEqual(1);
    await vi.waitFor(() => expect(state.activeGenerations).toBe(0), { timeout: HANG_GUARD_MS, interval: 20 });
    // it stopped early: far fewer rows than requested were generated
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const m = /synfinance_transactions_generated_total (\d+)/.exec(metrics);
    expect(Number(m?.[1])).toBeLessThan(200_000);
  });
});
