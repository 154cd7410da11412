import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerProblemHandlers } from './fastify-handlers.ts';
import { MAX_JSON_DEPTH, unstorableFields } from './input-guard.ts';

let app: FastifyInstance;
beforeAll(async () => {
  app = Fastify();
  registerProblemHandlers(app);
  const open = { type: 'object' };
  app.post('/things/:id', { schema: { params: open, querystring: open, body: open } }, async () => ({
    ok: true,
  }));
  app.get('/plain', async () => ({ ok: true }));
  await app.ready();
});
afterAll(async () => app.close());

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('values no route can store', () => {
  it('names every NUL in the path, the query, body values and body keys', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/things/a%00b?q=x%00&ok=1',
      payload: { name: 'n\u0000', tags: ['fine', 'b\u0000d'], 'k\u0000': 1, 'a/b': 'c\u0000' },
    });
    expect(res.statusCode).toBe(400);
    const errors = res.json().errors.map((e: { in: string; pointer: string }) => `${e.in} ${e.pointer}`);
    expect(errors.sort()).toEqual([
      'body /a~1b',
      'body /k\u0000',
      'body /name',
      'body /tags/1',
      'params /id',
      'query /q',
    ]);
  });

  it('names every unpaired surrogate, and takes a well-formed pair (an emoji)', async () => {
    const body = '{"lone":"a\\ud800b","low":"\\udc00","pair":"\\ud83d\\ude00","list":["ok","x\\udbff"]}';
    const res = await app.inject({
      method: 'POST',
      url: '/things/1',
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    expect(res.statusCode).toBe(400);
    const errors = res
      .json()
      .errors.map((e: { pointer: string; message: string }) => `${e.pointer} ${e.message}`);
    expect(errors.sort()).toEqual([
      '/list/1 must not contain an unpaired surrogate (not valid Unicode)',
      '/lone must not contain an unpaired surrogate (not valid Unicode)',
      '/low must not contain an unpaired surrogate (not valid Unicode)',
    ]);
    const emoji = await app.inject({ method: 'POST', url: '/things/1', payload: { pair: '\u{1F600}' } });
    expect(emoji.statusCode).toBe(200);
  });

  it(`refuses JSON nested more than ${MAX_JSON_DEPTH} deep, however deep, and takes ${MAX_JSON_DEPTH}`, async () => {
    const send = (payload: string) =>
      app.inject({
        method: 'POST',
        url: '/things/1',
        headers: { 'content-type': 'application/json' },
        payload,
      });
    expect((await send(`{"a":${deep(MAX_JSON_DEPTH - 1)}}`)).statusCode).toBe(200);
    const res = await send(`{"a":${deep(100_000)}}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      expect.objectContaining({ in: 'body', pointer: `/a${'/0'.repeat(MAX_JSON_DEPTH - 1)}` }),
    ]);
  });

  it('leaves alone the parts a route does not read', async () => {
    expect((await app.inject({ method: 'GET', url: '/plain?q=%00' })).statusCode).toBe(200);
  });

  it('reports the first errors only, and never walks a Buffer', () => {
    expect(
      unstorableFields(
        Array.from({ length: 1000 }, () => '\u0000'),
        'body',
      ),
    ).toHaveLength(20);
    expect(unstorableFields(Buffer.from([0, 0, 0]), 'body')).toEqual([]);
  });
});
