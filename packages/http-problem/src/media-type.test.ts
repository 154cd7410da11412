import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemErrorHandler, registerProblemHandlers } from './fastify-handlers.ts';
import type { Problem } from './problem.ts';

let app: FastifyInstance;

const Body = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string' } },
} as const;

beforeAll(async () => {
  app = Fastify({
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  });
  registerProblemHandlers(app);
  app.post('/json', { schema: { body: Body } }, async (req) => req.body);
  app.post('/json/no-schema', async () => ({ ok: true }));
  await app.register(async (uploads) => {
    // A real parser for the scope, as @fastify/multipart adds one: the body is read later by the route.
    uploads.addContentTypeParser('multipart/form-data', (_req, _payload, done) => done(null, undefined));
    uploads.post('/upload', { schema: { consumes: ['multipart/form-data'] } }, async (req) => ({
      multipart: String(req.headers['content-type']).startsWith('multipart/'),
    }));
    uploads.post('/scoped/json', { schema: { body: Body } }, async (req) => req.body);
  });
  await app.register(async (fraud) => {
    // routes that set the handler themselves, without registerProblemHandlers' hook
    fraud.setErrorHandler(problemErrorHandler);
    fraud.post('/bare/json', { schema: { body: Body } }, async (req) => req.body);
  });
  await app.ready();
});
afterAll(async () => app.close());

const post = (url: string, headers: Record<string, string>, payload?: string) =>
  app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });

function unsupported(res: LightMyRequestResponse): Problem {
  expect(res.statusCode, res.body).toBe(415);
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  const body = res.json() as Problem;
  expect(body.type).toBe('/problems/unsupported-media-type');
  expect(body.title).toBe('Unsupported content type');
  return body;
}

describe('a wrong content type is 415, not 400', () => {
  it('text/plain to a JSON route (Fastify parses text/plain, so schema validation used to answer 400)', async () => {
    const body = unsupported(await post('/json', { 'content-type': 'text/plain' }, '{"name":"x"}'));
    expect(body.detail).toBe('Content-Type "text/plain" is not supported; send application/json');
    expect(body.errors).toBeUndefined();
    unsupported(await post('/json', { 'content-type': 'text/plain; charset=utf-8' }, 'hello'));
    unsupported(await post('/json', { 'content-type': 'text/plain' }, ''));
  });

  it('also where a plugin sets problemErrorHandler itself', async () => {
    unsupported(await post('/bare/json', { 'content-type': 'text/plain' }, '{"name":"x"}'));
  });

  it('a body without Content-Type', async () => {
    const body = unsupported(await post('/json', {}, '{"name":"x"}'));
    expect(body.detail).toBe('No Content-Type; send application/json');
  });

  it('form-encoded, XML and +json types that have no parser', async () => {
    for (const type of [
      'application/x-www-form-urlencoded',
      'application/xml',
      'application/merge-patch+json',
    ]) {
      const body = unsupported(await post('/json', { 'content-type': type }, 'name=x'));
      expect(body.detail).toContain(type);
    }
  });

  it('multipart to a JSON route in a scope that parses multipart', async () => {
    unsupported(await post('/scoped/json', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--'));
  });

  it('JSON to a route that declares consumes: multipart/form-data', async () => {
    const body = unsupported(await post('/upload', { 'content-type': 'application/json' }, '{"a":1}'));
    expect(body.detail).toBe('Content-Type "application/json" is not supported; send multipart/form-data');
  });

  it('the right types still pass, and a bad JSON body is still a 400 naming the field', async () => {
    expect((await post('/json', { 'content-type': 'application/json' }, '{"name":"x"}')).json()).toEqual({
      name: 'x',
    });
    expect(
      (await post('/json', { 'content-type': 'Application/JSON; charset=utf-8' }, '{"name":"x"}')).statusCode,
    ).toBe(200);
    expect(
      (await post('/upload', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--')).json(),
    ).toEqual({
      multipart: true,
    });
    expect((await post('/json/no-schema', { 'content-type': 'text/plain' }, 'hi')).statusCode).toBe(200);
    const bad = await post('/json', { 'content-type': 'application/json' }, '{"name":1,"x":2}');
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as Problem).errors!.map((e) => e.field)).toEqual(['body.x']);
    const notObject = await post('/json', { 'content-type': 'application/json' }, '"just a string"');
    expect([notObject.statusCode, (notObject.json() as Problem).type]).toEqual([
      400,
      '/problems/validation-error',
    ]);
  });
});
