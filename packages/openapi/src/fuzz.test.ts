import swagger from '@fastify/swagger';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type FuzzRequest,
  fuzzOperations,
  fuzzSettings,
  jsonText,
  matchRoute,
  RawJson,
  runFuzz,
  summarise,
  validValues,
} from './fuzz.ts';
import type { OpenApiDocument } from './named-schemas.ts';
import { ResponseContract } from './response-contract.ts';

const Thing = {
  type: 'object',
  required: ['code', 'quantity', 'kind'],
  properties: {
    code: { type: 'string', minLength: 1, maxLength: 12, pattern: '^[A-Z][A-Z0-9-]*$' },
    quantity: { type: 'number', minimum: 0, maximum: 1e12, not: { enum: [0] } },
    count: { type: 'integer', minimum: 1, maximum: 500 },
    kind: {
      anyOf: [
        { type: 'string', enum: ['a'] },
        { type: 'string', enum: ['b'] },
      ],
    },
    due: { type: 'string', format: 'date' },
    at: { type: 'string', format: 'date-time' },
    email: { type: 'string', format: 'email' },
    tags: { type: 'array', items: { type: 'string', maxLength: 5 }, maxItems: 3 },
    metadata: { type: 'object', additionalProperties: {} },
    note: { anyOf: [{ type: 'string', maxLength: 20 }, { type: 'null' }] },
  },
  additionalProperties: false,
};

const Problem = { type: 'object', properties: { status: { type: 'integer' } } };

/** A small app: one create, one read by id, one list; the read answers 500 on a NUL in the id. */
async function smallApp(): Promise<FastifyInstance> {
  const app = Fastify({ ajv: { customOptions: { allErrors: true } } });
  await app.register(swagger, { openapi: { openapi: '3.1.0', info: { title: 't', version: '1' } } });
  const problem = { 400: Problem, 404: Problem };
  app.post(
    '/things',
    {
      schema: {
        operationId: 'createThing',
        body: Thing,
        response: { 201: { type: 'object', properties: { code: { type: 'string' } } }, ...problem },
      },
    },
    async (req, reply) => reply.code(201).send({ code: (req.body as { code: string }).code }),
  );
  app.get(
    '/things/:code',
    {
      schema: {
        operationId: 'getThing',
        params: { type: 'object', properties: { code: { type: 'string', maxLength: 64 } } },
        response: { 200: { type: 'object', properties: { code: { type: 'string' } } }, ...problem },
      },
    },
    async (req, reply) => {
      const { code } = req.params as { code: string };
      if (code.includes('\u0000')) throw new Error('invalid byte sequence'); // a 500, on purpose
      if (code !== 'T-1') return reply.code(404).send({ status: 404 });
      return { code };
    },
  );
  app.get(
    '/things/special',
    { schema: { operationId: 'getSpecialThing', response: { 200: { type: 'object' } } } },
    async () => ({}),
  );
  app.get(
    '/things',
    {
      schema: {
        operationId: 'listThings',
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 50 }, q: { type: 'string' } },
        },
        // 400 left undeclared on purpose: the contract check must report it
        response: { 200: { type: 'array' } },
      },
    },
    async () => [],
  );
  await app.ready();
  return app;
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function started(): Promise<{ app: FastifyInstance; doc: OpenApiDocument }> {
  const app = await smallApp();
  apps.push(app);
  return { app, doc: app.swagger() as OpenApiDocument };
}

describe('fuzz generator', () => {
  it('generates values the schema accepts (checked by Fastify validating them)', async () => {
    const { app, doc } = await started();
    const bodies = fc.sample(validValues(doc, Thing), { numRuns: 200, seed: 7 });
    for (const body of bodies) {
      const res = await app.inject({
        method: 'POST',
        url: '/things',
        payload: jsonText(body) as string,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode, `${jsonText(body)} -> ${res.body}`).toBe(201);
    }
  });

  it('covers every operation, fills path parameters, and is hostile in the ways it promises', async () => {
    const { doc } = await started();
    const operations = fuzzOperations(doc, { pathValues: { code: ['T-1'] } });
    expect(operations.map((o) => `${o.method} ${o.path} ${o.operationId}`).sort()).toEqual([
      'GET /things listThings',
      'GET /things/special getSpecialThing',
      'GET /things/{code} getThing',
      'POST /things createThing',
    ]);
    const all: FuzzRequest[] = operations.flatMap((o) => fc.sample(o.arbitrary, { numRuns: 400, seed: 3 }));
    const tags = new Set(all.flatMap((r) => r.tags));
    for (const tag of [
      'valid',
      'nul',
      'wrong-type',
      'missing-required',
      'extra-field',
      'huge-string',
      'unicode',
      'extreme-number',
      'extreme-date',
      'deep-nesting',
      'boundary',
      'malformed-json',
      'bad-encoding',
      'repeated-parameter',
    ]) {
      expect(tags, tag).toContain(tag);
    }
    const reads = all.filter((r) => r.operationId === 'getThing');
    expect(reads.every((r) => r.url.startsWith('/things/') && !r.url.includes('{'))).toBe(true);
    expect(reads.some((r) => r.url === '/things/T-1')).toBe(true);
    // -0 and 2^63 reach the wire as written, not as JSON.stringify would write them
    expect(jsonText({ a: new RawJson('-0'), b: [new RawJson('9223372036854775808')] })).toBe(
      '{"a":-0,"b":[9223372036854775808]}',
    );
  });

  it('is deterministic for a seed', async () => {
    const { doc } = await started();
    const [create] = fuzzOperations(doc).filter((o) => o.operationId === 'createThing');
    const once = fc.sample(create!.arbitrary, { numRuns: 30, seed: 11 });
    const again = fc.sample(create!.arbitrary, { numRuns: 30, seed: 11 });
    expect(again).toEqual(once);
  });

  it('does not stop at a pattern fast-check cannot generate from (lookahead)', async () => {
    const { doc } = await started();
    const values = fc.sample(validValues(doc, { type: 'string', pattern: '^(?!0000)[0-9]{4}-' }), 5);
    expect(values.every((v) => typeof v === 'string')).toBe(true);
  });

  it('matches concrete paths to the document, static segments first', async () => {
    const { doc } = await started();
    expect(matchRoute(doc, 'GET', '/things/special')).toBe('/things/special');
    expect(matchRoute(doc, 'GET', '/things/T-1')).toBe('/things/{code}');
    expect(matchRoute(doc, 'GET', '/things/')).toBeUndefined();
    expect(matchRoute(doc, 'DELETE', '/things/T-1')).toBeUndefined();
  });
});

describe('runFuzz', () => {
  it('reports 5xx and responses outside the document precisely, and honours the known-failures list', async () => {
    const { app, doc } = await started();
    const contract = new ResponseContract(doc);
    const operations = fuzzOperations(doc, { pathValues: { code: ['T-1'] } });
    const run = (known: boolean) =>
      runFuzz(app, doc, operations, {
        runs: 60,
        seed: 5,
        credentials: () => ({}),
        check: (r) => contract.check(r),
        knownFailures: known
          ? [{ operationId: 'getThing', tag: 'nul', finding: 7, cause: 'NUL in the id' }]
          : [],
      });
    const report = await run(false);
    expect(report.operations).toBe(4);
    expect(report.requests).toBe(240);
    const nul = report.unknown.filter((f) => f.operationId === 'getThing' && f.status === 500);
    expect(nul.length).toBeGreaterThan(0);
    for (const f of nul) {
      expect(f.tags).toContain('nul');
      expect(f.url).toMatch(/^\/things\//);
      expect(f.reasons[0]).toBe('status 500');
      expect(f.reasons.some((r) => r.includes('status not declared'))).toBe(true);
    }
    // the list's undeclared 400 is a contract failure, not a 5xx
    const list = report.unknown.filter((f) => f.operationId === 'listThings');
    expect(list.length).toBeGreaterThan(0);
    expect(list[0]!.reasons).toEqual(['GET /things -> 400: status not declared (declared: 200)']);
    expect(summarise('small', report)).toMatch(/^fuzz small: 4 operations, 240 requests, \d+ failures/);

    const knownRun = await run(true);
    expect(knownRun.unknown.filter((f) => f.status === 500)).toEqual([]);
    expect(knownRun.failures.filter((f) => f.known && f.status === 500).length).toBe(nul.length);
  });

  it('reads FUZZ_RUNS and FUZZ_SEED', () => {
    expect(fuzzSettings({})).toEqual({ runs: 12, seed: 15 });
    expect(fuzzSettings({ FUZZ_RUNS: '500', FUZZ_SEED: '9' })).toEqual({ runs: 500, seed: 9 });
    expect(() => fuzzSettings({ FUZZ_RUNS: 'many' })).toThrow(/FUZZ_RUNS/);
  });
});
