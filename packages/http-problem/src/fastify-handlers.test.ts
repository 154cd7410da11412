import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemErrorHandler, registerProblemHandlers } from './fastify-handlers.ts';
import { catalogueProblem, HttpProblem, type Problem, validationProblem } from './problem.ts';

let app: FastifyInstance;

beforeAll(async () => {
  app = Fastify({
    bodyLimit: 1024,
    ajv: { customOptions: { allErrors: true, removeAdditional: false } },
  });
  registerProblemHandlers(app);
  app.post(
    '/echo',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name', 'count'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1 },
            count: { type: 'integer' },
            items: { type: 'array', items: { type: 'object', required: ['id'] } },
          },
        },
      },
    },
    async (req) => req.body,
  );
  app.get('/conflict', async () => {
    throw new HttpProblem(
      409,
      'sample-state',
      'Invalid state change',
      'released samples are final',
      undefined,
      {
        current: 'released',
      },
    );
  });
  app.get('/checked', async () => {
    throw validationProblem([{ field: 'body.start', message: 'is not a real date' }]);
  });
  app.get('/crash', async () => {
    throw new Error('secret connection string postgres://u:p@db');
  });
  // What @fastify/rate-limit does: headers on the reply, then an error with statusCode 429 thrown to the
  // error handler (its errorResponseBuilder result is thrown the same way).
  app.get('/limited', async (_req, reply) => {
    reply.header('retry-after', '60');
    throw Object.assign(new Error('Rate limit exceeded, retry in 1 minute'), { statusCode: 429 });
  });
  await app.register(async (child) => {
    // an encapsulated plugin that sets the handler itself (as the fraud routes do)
    child.setErrorHandler(problemErrorHandler);
    child.get('/child/forbidden', async () => {
      throw Object.assign(new Error('no'), { statusCode: 403 });
    });
  });
  await app.ready();
});
afterAll(async () => app.close());

function problem(res: LightMyRequestResponse): Problem {
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  const body = res.json() as Problem;
  for (const key of ['type', 'title', 'status', 'detail', 'instance']) expect(body).toHaveProperty(key);
  expect(body.status).toBe(res.statusCode);
  return body;
}

describe('registerProblemHandlers', () => {
  it('a schema failure is a 400 validation-error naming every bad field', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: { name: '', count: 'many', extra: 1, items: [{ id: 1 }, {}] },
    });
    expect(res.statusCode).toBe(400);
    const body = problem(res);
    expect(body.type).toBe('/problems/validation-error');
    expect(body.errors!.map((e) => e.field).sort()).toEqual([
      'body.count',
      'body.extra',
      'body.items[1].id',
      'body.name',
    ]);
    expect(body.errors!.find((e) => e.field === 'body.extra')!.message).toBe('is not an allowed property');
    expect(body.detail).toContain('4 field(s) failed validation');
  });

  it('a missing required field is named', async () => {
    const res = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'x' } });
    expect(problem(res).errors).toEqual([
      { field: 'body.count', in: 'body', pointer: '/count', message: "must have required property 'count'" },
    ]);
  });

  it('malformed JSON is 400 malformed-json', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "x",',
    });
    expect(res.statusCode).toBe(400);
    expect(problem(res).type).toBe('/problems/malformed-json');
  });

  it('an over-limit body is 413 body-too-large', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: { name: 'x'.repeat(2000), count: 1 },
    });
    expect(res.statusCode).toBe(413);
    expect(problem(res).type).toBe('/problems/body-too-large');
  });

  it('a wrong content type is 415 naming it', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<name>x</name>',
    });
    expect(res.statusCode).toBe(415);
    const body = problem(res);
    expect(body.type).toBe('/problems/unsupported-media-type');
    expect(body.detail).toContain('application/xml');
  });

  it('an unknown route is 404 not-found; the instance carries no query string', async () => {
    const res = await app.inject({ url: '/no/such/thing?token=abc' });
    expect(res.statusCode).toBe(404);
    const body = problem(res);
    expect(body.type).toBe('/problems/not-found');
    expect(body.instance).toBe('/no/such/thing');
    expect(res.body).not.toContain('abc');
  });

  it('a thrown HttpProblem keeps its status, type, detail and extensions', async () => {
    const body = problem(await app.inject({ url: '/conflict' }));
    expect(body).toEqual({
      type: '/problems/sample-state',
      title: 'Invalid state change',
      status: 409,
      detail: 'released samples are final',
      instance: '/conflict',
      current: 'released',
    });
  });

  it('validationProblem lists fields found by code', async () => {
    const body = problem(await app.inject({ url: '/checked' }));
    expect(body.type).toBe('/problems/validation-error');
    expect(body.errors).toEqual([
      { field: 'body.start', in: 'body', pointer: '/start', message: 'is not a real date' },
    ]);
  });

  it('an unexpected error is a 500 without stack trace or internals', async () => {
    const res = await app.inject({ url: '/crash' });
    expect(res.statusCode).toBe(500);
    const body = problem(res);
    expect(body.type).toBe('/problems/internal-error');
    expect(res.body).not.toContain('secret');
    expect(res.body).not.toContain('postgres');
    expect(res.body).not.toContain('at ');
    expect(body.detail).toMatch(/quote request id req-\w+/);
  });

  it("a plugin's 429 (as @fastify/rate-limit throws it) becomes a rate-limited problem, headers kept", async () => {
    const res = await app.inject({ url: '/limited' });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('60');
    const body = problem(res);
    expect(body.type).toBe('/problems/rate-limited');
    expect(body.detail).toBe('Rate limit exceeded, retry in 1 minute');
  });

  it('problemErrorHandler works in an encapsulated plugin too', async () => {
    const res = await app.inject({ url: '/child/forbidden' });
    expect(res.statusCode).toBe(403);
    expect(problem(res).type).toBe('/problems/forbidden');
  });
});

describe('translate: an app turns its own errors into problems', () => {
  it('answers the translated problem with its retry-after; other errors keep the generic rules', async () => {
    const outage = Fastify({ logger: false });
    registerProblemHandlers(outage, {
      translate: (error) =>
        error instanceof Error && error.message === 'connection lost'
          ? catalogueProblem('database-unavailable', 'down', { retryAfterSeconds: 5 })
          : undefined,
    });
    outage.get('/lost', async () => {
      throw new Error('connection lost');
    });
    outage.get('/bug', async () => {
      throw new Error('a bug');
    });
    const lost = await outage.inject('/lost');
    expect(lost.statusCode).toBe(503);
    expect(lost.headers['retry-after']).toBe('5');
    expect(lost.json()).toMatchObject({ type: '/problems/database-unavailable', status: 503 });
    expect((await outage.inject('/bug')).json()).toMatchObject({ type: '/problems/internal-error' });
    await outage.close();
  });
});

describe('while the server closes', () => {
  it('a request that still arrives gets the shutting-down problem, and the one in flight finishes', async () => {
    const server = Fastify({ logger: false, return503OnClosing: false });
    registerProblemHandlers(server);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let arrived!: () => void;
    const inFlight = new Promise<void>((r) => (arrived = r));
    server.get('/slow', async () => {
      arrived();
      await held;
      return { done: true };
    });
    server.get('/next', async () => ({ served: true }));
    let closing!: () => void;
    const closeBegan = new Promise<void>((r) => (closing = r));
    server.addHook('preClose', async () => closing());
    let answered!: () => void;
    const nextAnswered = new Promise<void>((r) => (answered = r));
    server.addHook('onSend', async (request) => {
      if (request.url === '/next') answered();
    });
    await server.listen({ port: 0, host: '127.0.0.1' });
    const { port } = server.server.address() as AddressInfo;
    // A request on a connection that close() cannot end yet, because a request on it is in flight.
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    socket.on('data', (d) => (raw += d));
    const ended = new Promise<void>((r) => socket.on('close', () => r()));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await inFlight;
    const closed = server.close();
    await closeBegan;
    socket.write('GET /next HTTP/1.1\r\nHost: x\r\n\r\n');
    await nextAnswered;
    release();
    await ended;
    await closed;
    const [first, second] = raw.split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 200/);
    expect(second).toMatch(/^HTTP\/1\.1 503/);
    expect(second).toMatch(/retry-after: \d+/i);
    expect(second).toContain('"type":"/problems/shutting-down"');
  });
});
