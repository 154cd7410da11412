import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProblemType, PROBLEM_CATALOGUE } from './catalogue.ts';
import { registerProblemHandlers } from './fastify-handlers.ts';
import { prefersJson, problemPagesPlugin } from './pages.ts';
import { HttpProblem, type Problem, STATUS_KINDS, statusProblem } from './problem.ts';
import { componentRefResolver, registerProblemSchema } from './schema.ts';

let app: FastifyInstance;
const routeConfigs: Record<string, unknown> = {};

beforeAll(async () => {
  app = Fastify({ bodyLimit: 64, ajv: { customOptions: { allErrors: true, coerceTypes: 'array' } } });
  app.addHook('onRoute', (route) => {
    routeConfigs[`${route.method} ${route.url}`] = route.config;
  });
  registerProblemHandlers(app);
  registerProblemSchema(app);
  await app.register(swagger, {
    openapi: { openapi: '3.1.0', info: { title: 'test', version: '1' } },
    refResolver: componentRefResolver,
  });
  await app.register(problemPagesPlugin);
  // routes that fail the ways the package's own handlers know
  app.post(
    '/things',
    { schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } } },
    async () => ({}),
  );
  app.get('/crash', async () => {
    throw new Error('boom');
  });
  for (const status of Object.keys(STATUS_KINDS)) {
    app.get(`/status/${status}`, async () => {
      throw statusProblem(Number(status) as keyof typeof STATUS_KINDS, 'because');
    });
  }
  app.get('/domain', async () => {
    throw new HttpProblem(409, 'container-full', 'Container full', 'C-1 holds 10 of 10');
  });
  await app.ready();
});
afterAll(async () => app.close());

const get = (url: string, accept?: string) =>
  app.inject({ method: 'GET', url, ...(accept ? { headers: { accept } } : {}) });

function html(res: LightMyRequestResponse): string {
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.headers['vary']).toContain('accept');
  expect(res.body).toMatch(/^<!doctype html>/);
  return res.body;
}

describe('problem type pages', () => {
  it('GET /problems/<slug> is a page saying what it means and what to do', async () => {
    const body = html(await get('/problems/container-full', 'text/html,application/xhtml+xml,*/*;q=0.8'));
    expect(body).toContain('<h1>Container full</h1>');
    expect(body).toContain('HTTP 409');
    expect(body).toContain('<code>/problems/container-full</code>');
    expect(body).toContain(findProblemType('container-full')!.description.slice(0, 40));
    expect(body).toContain('<a href="/problems">');
  });

  it('renders code spans and escapes everything else', async () => {
    const body = html(await get('/problems/unauthorized'));
    expect(body).toContain('<code>x-api-key</code>');
    expect(body).not.toContain('`');
  });

  it('GET /problems lists every type with a link to its page', async () => {
    const body = html(await get('/problems', '*/*'));
    for (const e of PROBLEM_CATALOGUE) expect(body).toContain(`<a href="/problems/${e.slug}">`);
  });

  it('JSON when the client asks for application/json or application/problem+json', async () => {
    for (const accept of [
      'application/json',
      'application/problem+json',
      'text/html;q=0.5, application/json',
    ]) {
      const res = await get('/problems/validation-error', accept);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.json()).toEqual({
        slug: 'validation-error',
        type: '/problems/validation-error',
        status: 400,
        title: 'Invalid request',
        description: findProblemType('validation-error')!.description,
      });
    }
    const index = await get('/problems', 'application/json');
    const items = (index.json() as { items: { slug: string; type: string }[] }).items;
    expect(items.map((i) => i.slug).sort()).toEqual(PROBLEM_CATALOGUE.map((e) => e.slug).sort());
    expect(items.every((i) => i.type === `/problems/${i.slug}`)).toBe(true);
  });

  it('an unknown slug is a 404 problem', async () => {
    const res = await get('/problems/no-such-thing');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toMatchObject({
      type: '/problems/not-found',
      status: 404,
      detail: 'No problem type "no-such-thing"',
      instance: '/problems/no-such-thing',
    });
  });

  it("every type the package's own handlers answer with dereferences", async () => {
    const failures = [
      await app.inject({ method: 'POST', url: '/things', payload: { n: 'x' } }),
      await app.inject({
        method: 'POST',
        url: '/things',
        headers: { 'content-type': 'application/json' },
        payload: '{',
      }),
      await app.inject({
        method: 'POST',
        url: '/things',
        headers: { 'content-type': 'application/json' },
        payload: '',
      }),
      await app.inject({ method: 'POST', url: '/things', payload: { n: 1, pad: 'x'.repeat(100) } }),
      await app.inject({
        method: 'POST',
        url: '/things',
        headers: { 'content-type': 'text/plain' },
        payload: 'n=1',
      }),
      await get('/crash'),
      await get('/nowhere'),
      await get('/domain'),
      ...(await Promise.all(Object.keys(STATUS_KINDS).map((s) => get(`/status/${s}`)))),
    ];
    const types = new Set(failures.map((f) => (f.json() as Problem).type));
    expect([...types].sort()).toEqual(
      [
        'body-too-large',
        'conflict',
        'container-full',
        'forbidden',
        'internal-error',
        'malformed-json',
        'not-found',
        'rate-limited',
        'unauthorized',
        'unsupported-media-type',
        'validation-error',
      ].map((slug) => `/problems/${slug}`),
    );
    for (const type of types) {
      const page = await get(type, 'application/json');
      expect(page.statusCode, type).toBe(200);
      const entry = page.json() as { type: string; status: number; title: string };
      expect(entry.type).toBe(type);
      const occurrence = failures.map((f) => f.json() as Problem).find((p) => p.type === type)!;
      // the page and the occurrence agree on status and title
      expect([entry.status, entry.title], type).toEqual([occurrence.status, occurrence.title]);
    }
  });
});

describe('the pages in the OpenAPI document and for the route guard', () => {
  it('are public, tagged, with operation ids and declared responses', () => {
    expect(routeConfigs['GET /problems']).toMatchObject({ public: true });
    expect(routeConfigs['GET /problems/:slug']).toMatchObject({ public: true });
    const doc = app.swagger() as unknown as {
      paths: Record<
        string,
        { get: Record<string, unknown> & { responses: Record<string, { content: object }> } }
      >;
      components: { schemas: Record<string, unknown> };
    };
    const index = doc.paths['/problems']!.get;
    const one = doc.paths['/problems/{slug}']!.get;
    expect([index['operationId'], one['operationId']]).toEqual(['listProblemTypes', 'getProblemType']);
    for (const op of [index, one]) {
      expect(op['tags']).toEqual(['problems']);
      expect(op['security']).toEqual([]);
      expect(typeof op['summary']).toBe('string');
      expect(Object.keys(op.responses['200']!.content).sort()).toEqual(['application/json', 'text/html']);
    }
    expect(Object.keys(one.responses).sort()).toEqual(['200', '400', '404']);
    expect(Object.keys(doc.components.schemas).sort()).toEqual(['Problem', 'ProblemType']);
  });
});

describe('prefersJson', () => {
  it.each([
    [undefined, false],
    ['*/*', false],
    ['text/html', false],
    ['application/json', true],
    ['application/problem+json', true],
    ['application/*', true],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', false],
    ['application/json;q=0.9, text/html', false],
    ['text/html;q=0.1, application/json', true],
    ['application/json, */*', true],
    ['text/*, application/json;q=0', false],
  ])('%s -> %s', (accept, json) => {
    expect(prefersJson(accept)).toBe(json);
  });
});
