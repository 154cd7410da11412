import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import Fastify from 'fastify';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import type { Database } from './db/client.ts';
import { registerRouteGuard } from './platform/access/route-guard.ts';
import { generateServerKeyPair } from './platform/signatures/server-key.ts';
import { TEST_CONFIG } from './testing/lab-app.ts';
import { migratedDatabase } from './testing/test-database.ts';

const config = { ...TEST_CONFIG, logLevel: 'info' as const, bodyLimitBytes: 1024 };
const logLines: Record<string, unknown>[] = [];
const logStream = new Writable({
  write(chunk, _enc, done) {
    for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
    done();
  },
});

let app: FastifyInstance;
let database: Database;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ database, cleanup } = await migratedDatabase());
  app = await buildApp({
    config,
    database,
    secrets: { tokenKey: new Uint8Array(randomBytes(32)), signingKey: generateServerKeyPair() },
    logStream,
  });
  // Routes that exercise the shared error mechanism the way real modules will use it.
  app.post(
    '/test/echo',
    {
      config: { public: true },
      schema: { body: Type.Object({ name: Type.String({ minLength: 1 }), count: Type.Integer() }) },
    },
    async (request) => request.body,
  );
  app.get('/test/crash', { config: { public: true } }, async () => {
    throw new Error('connection string postgres://secret@db leaked');
  });
  app.get('/test/protected', { config: { permission: 'samples:read' } }, async () => ({ ok: true }));
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await cleanup();
});

describe('system endpoints', () => {
  it('GET /health answers ok with version and uptime', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('ok');
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof body.uptime_s).toBe('number');
  });

  it('GET /ready makes a database round trip', async () => {
    const res = await app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', database: database.kind });
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas, and the docs UI', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/ready']));
    expect(doc.paths['/health'].get.responses['200']).toBeDefined();
    const ui = await app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(ui.statusCode);
  });
});

describe('request ids', () => {
  it('generates one, returns it in x-request-id and logs it on the request lines', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const lines = logLines.filter((l) => l['request_id'] === id);
    expect(lines.map((l) => l['msg'])).toEqual(
      expect.arrayContaining(['incoming request', 'request completed']),
    );
  });

  it("keeps a caller's plain id and replaces an unsafe one", async () => {
    const kept = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'a b\nforged' },
    });
    expect(replaced.headers['x-request-id']).not.toContain('forged');
  });
});

describe('problem+json errors', () => {
  const isProblem = (res: { headers: Record<string, unknown>; json: () => Record<string, unknown> }) => {
    expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
    const body = res.json();
    for (const key of ['type', 'title', 'status', 'detail', 'instance']) expect(body).toHaveProperty(key);
    return body;
  };

  it('unknown route -> 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/no/such/thing?x=1' });
    expect(res.statusCode).toBe(404);
    expect(isProblem(res).type).toBe('/problems/not-found');
  });

  it('validation failure -> 400 listing each bad field', async () => {
    const res = await app.inject({ method: 'POST', url: '/test/echo', payload: { name: '', count: 'many' } });
    expect(res.statusCode).toBe(400);
    const body = isProblem(res);
    expect(body['type']).toBe('/problems/validation-error');
    const fields = (body['errors'] as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['body.count', 'body.name']);
  });

  it('missing required field is named', async () => {
    const res = await app.inject({ method: 'POST', url: '/test/echo', payload: { name: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(isProblem(res)['errors']).toEqual([expect.objectContaining({ field: 'body.count' })]);
  });

  it('malformed JSON -> 400', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "x",',
    });
    expect(res.statusCode).toBe(400);
    expect(isProblem(res)['type']).toBe('/problems/malformed-json');
  });

  it('over-limit body -> 413', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { name: 'x'.repeat(5000), count: 1 },
    });
    expect(res.statusCode).toBe(413);
    expect(isProblem(res)['type']).toBe('/problems/body-too-large');
  });

  it('wrong content type -> 415 naming it', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<name>x</name>',
    });
    expect(res.statusCode).toBe(415);
    expect(isProblem(res)['detail']).toContain('application/xml');
  });

  it('unexpected error -> 500 without stack trace or internals', async () => {
    const res = await app.inject({ method: 'GET', url: '/test/crash' });
    expect(res.statusCode).toBe(500);
    const body = isProblem(res);
    expect(res.body).not.toContain('secret');
    expect(res.body).not.toContain('at ');
    expect(body['detail']).toContain(String(res.headers['x-request-id']));
  });
});

describe('access guard (default deny)', () => {
  it('refuses a protected route without credentials', async () => {
    const res = await app.inject({ method: 'GET', url: '/test/protected' });
    expect(res.statusCode).toBe(401);
  });

  it('refuses to start with a route that declares neither public nor a permission', async () => {
    const bare = Fastify();
    registerRouteGuard(bare, { publicPrefixes: [] });
    expect(() => bare.get('/forgotten', async () => 'oops')).toThrow(/GET \/forgotten declares neither/);
  });
});

describe('metrics', () => {
  it('records /health under its route template and exposes Prometheus text', async () => {
    await app.inject({ method: 'GET', url: '/health' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toMatch(/http_server_request_duration_seconds_bucket\{[^}]*route="\/health"[^}]*\} \d+/);
    expect(res.body).toMatch(
      /http_server_requests_total\{method="GET",route="\/health",status_code="200"\} \d+/,
    );
    expect(res.body).toContain('http_server_requests_in_flight');
    expect(res.body).toContain('nodejs_eventloop_lag_seconds');
    expect(res.body).toContain('process_cpu_seconds_total');
  });

  it('http_server_requests_total counts each request once and keeps counting across scrapes', async () => {
    const count = async () => {
      const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      const line = body
        .split('\n')
        .find((l) =>
          l.startsWith('http_server_requests_total{method="GET",route="/ready",status_code="200"}'),
        );
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await count();
    for (let i = 0; i < 7; i++) await app.inject({ method: 'GET', url: '/ready' });
    expect(await count()).toBe(before + 7);
    await app.inject({ method: 'GET', url: '/ready' });
    expect(await count()).toBe(before + 8);
  });

  it('1,000 random unknown paths make one unmatched series per method and status', async () => {
    for (let i = 0; i < 1000; i++) {
      await app.inject({ method: 'GET', url: `/random/${i}/${Math.random().toString(36).slice(2)}` });
    }
    const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const series = body
      .split('\n')
      .filter((l) => l.startsWith('http_server_requests_total{') && l.includes('route="unmatched"'));
    expect(series).toEqual([
      expect.stringMatching(/method="GET",route="unmatched",status_code="404"\} (\d+)/),
    ]);
    expect(Number(series[0]?.split(' ').pop())).toBeGreaterThanOrEqual(1000);
    expect(body).not.toContain('/random/');
  });
});
