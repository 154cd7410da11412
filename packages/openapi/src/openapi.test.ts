import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { checkResponsesAgainstContract } from './fastify-contract-check.ts';
import { hoistNamedSchemas } from './named-schemas.ts';
import { openApiPath, ResponseContract } from './response-contract.ts';

const Item = Type.Object(
  { id: Type.String(), created_at: Type.String({ format: 'date-time' }) },
  { title: 'Item', additionalProperties: false },
);

/** The value at a path of keys in plain JSON, or undefined. */
const dig = (node: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>(
    (at, key) => (typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined),
    node,
  );

describe('hoistNamedSchemas', () => {
  it('moves each titled schema into components once and refers to it, leaving examples alone', () => {
    const example = { title: 'not a schema', id: 'x' };
    const doc = hoistNamedSchemas({
      openapi: '3.1.0',
      paths: {
        '/a': {
          get: { responses: { 200: { content: { 'application/json': { schema: { ...Item } } } } } },
          post: {
            requestBody: {
              content: { 'application/json': { schema: { type: 'object', examples: [example] } } },
            },
            responses: {
              201: {
                content: {
                  'application/json': { schema: { type: 'object', properties: { item: { ...Item } } } },
                },
              },
            },
          },
        },
      },
    });
    const json = 'application/json';
    expect(dig(doc.paths, '/a', 'get', 'responses', '200', 'content', json, 'schema')).toEqual({
      $ref: '#/components/schemas/Item',
    });
    expect(
      dig(doc.paths, '/a', 'post', 'responses', '201', 'content', json, 'schema', 'properties', 'item'),
    ).toEqual({ $ref: '#/components/schemas/Item' });
    expect(dig(doc.paths, '/a', 'post', 'requestBody', 'content', json, 'schema', 'examples')).toEqual([
      example,
    ]);
    expect(Object.keys((doc.components as { schemas: object }).schemas)).toEqual(['Item']);
  });

  it('refuses two different schemas with one title', () => {
    const other = { ...Item, properties: { id: { type: 'integer' } } };
    const responses = (schema: object) => ({ 200: { content: { 'application/json': { schema } } } });
    expect(() =>
      hoistNamedSchemas({
        paths: {
          '/a': { get: { responses: responses(Item) } },
          '/b': { get: { responses: responses(other) } },
        },
      }),
    ).toThrow(/two different schemas are titled "Item"/);
  });
});

describe('the response contract of a real Fastify app', () => {
  let app: FastifyInstance;
  afterEach(() => app.close());

  async function appWithContract() {
    app = Fastify();
    // As both apps do: a schema documents the body and never reshapes it.
    app.setSerializerCompiler(() => (data) => JSON.stringify(data));
    await app.register(swagger, {
      openapi: { openapi: '3.1.0', info: { title: 't', version: '1' } },
      transformObject: (d) => ('openapiObject' in d ? hoistNamedSchemas(d.openapiObject) : d.swaggerObject),
    });
    const check = checkResponsesAgainstContract(app);
    const response = {
      200: Item,
      404: {
        description: 'missing',
        content: { 'application/problem+json': { schema: { type: 'object', required: ['status'] } } },
      },
    };
    app.get('/items/:id', { schema: { operationId: 'getItem', response } }, async (req, reply) => {
      const { id } = req.params as { id: string };
      if (id === 'good') return { id, created_at: new Date(0).toISOString() };
      if (id === 'bad-date') return { id, created_at: 'yesterday' };
      if (id === 'extra') return { id, created_at: new Date(0).toISOString(), secret: 'x' };
      if (id === 'teapot') throw Object.assign(new Error('short and stout'), { statusCode: 418 });
      return reply.code(404).header('content-type', 'application/problem+json').send({ status: 404 });
    });
    app.get('/text', { schema: { operationId: 'text', response: { 200: Item } } }, async (_req, reply) =>
      reply.type('text/plain').send('hello'),
    );
    return check;
  }

  it('passes responses that match, and names each one that does not', async () => {
    const check = await appWithContract();
    for (const id of ['good', 'missing']) await app.inject(`/items/${id}`);
    expect(check.violations).toEqual([]);
    for (const id of ['bad-date', 'extra', 'teapot']) await app.inject(`/items/${id}`);
    await app.inject('/text');
    expect(check.violations).toHaveLength(4);
    expect(check.violations[0]).toMatch(/GET \/items\/:id -> 200: created_at must match format "date-time"/);
    expect(check.violations[1]).toMatch(/must NOT have additional properties/);
    expect(check.violations[2]).toMatch(/-> 418: status not declared \(declared: 200, 404\)/);
    expect(check.violations[3]).toMatch(/content type text\/plain not declared \(application\/json\)/);
    expect(() => check.assertClean()).toThrow(/responses that break the OpenAPI contract \(4\)/);
  });

  it('maps Fastify route templates to OpenAPI paths', () => {
    expect(openApiPath('/api/samples/:sampleId/aliquots/:n')).toBe('/api/samples/{sampleId}/aliquots/{n}');
    expect(
      new ResponseContract({ paths: {} }).check({
        method: 'GET',
        route: '/x',
        status: 200,
        contentType: undefined,
        body: '',
      }),
    ).toEqual([]);
  });
});
