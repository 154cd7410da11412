import Fastify, { type FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerProblemHandlers } from './fastify-handlers.ts';
import { HttpProblem, type Problem } from './problem.ts';

let app: FastifyInstance;

const Status = Type.Union([Type.Literal('active'), Type.Literal('archived')]);

beforeAll(async () => {
  // the Ajv options both apps use
  app = Fastify({
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  });
  registerProblemHandlers(app);
  app.addSchema({ ...Type.Union([Type.Literal('low'), Type.Literal('high')]), $id: 'Priority' });
  app.post(
    '/things/:kind',
    {
      schema: {
        params: Type.Object({ kind: Type.Union([Type.Literal('a'), Type.Literal('b')]) }),
        querystring: Type.Object({
          order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
        }),
        body: Type.Object(
          {
            status: Type.Optional(Status),
            format: Type.Optional(Type.String({ enum: ['csv', 'jsonl'] })),
            roles: Type.Optional(Type.Array(Type.Union([Type.Literal('admin'), Type.Literal('analyst')]))),
            unit: Type.Optional(
              Type.Union([Type.Union([Type.Literal('g'), Type.Literal('mg')]), Type.Null()]),
            ),
            priority: Type.Optional(Type.Ref('Priority')),
            target: Type.Optional(
              Type.Union([
                Type.Literal('none'),
                Type.Object({ id: Type.String() }, { additionalProperties: false }),
              ]),
            ),
            items: Type.Optional(Type.Array(Type.Object({ 'a/b': Type.Optional(Type.Integer()) }))),
          },
          { additionalProperties: false },
        ),
      },
    },
    async () => ({ ok: true }),
  );
  app.post('/hand-built', async () => {
    throw new HttpProblem(400, 'validation-error', 'Invalid request', 'No lab X', [
      { field: 'body.samples[3].lab_id', message: 'is not a lab you can write to' },
      { field: 'querystring.cursor', message: 'is not a cursor of this listing' },
      { field: 'transaction.amount', message: 'must be positive' },
    ]);
  });
  await app.ready();
});
afterAll(async () => app.close());

async function invalid(url: string, payload: unknown): Promise<Problem> {
  const res = await app.inject({ method: 'POST', url, payload: payload as object });
  expect(res.statusCode, res.body).toBe(400);
  const body = res.json() as Problem;
  expect(body.type).toBe('/problems/validation-error');
  return body;
}

describe('schema failures through Fastify and Ajv', () => {
  it('a value outside a union of literals is one error listing the allowed values', async () => {
    const body = await invalid('/things/a', { status: 'deleted' });
    expect(body.errors).toEqual([
      {
        field: 'body.status',
        in: 'body',
        pointer: '/status',
        message: 'must be one of: active, archived',
        allowed: ['active', 'archived'],
      },
    ]);
    expect(body.detail).toBe('1 field(s) failed validation: body.status');
  });

  it('enum, array items, nullable unions and referenced unions list theirs too', async () => {
    const body = await invalid('/things/a', {
      format: 'xml',
      roles: ['admin', 'wizard'],
      unit: 'kg',
      priority: 'urgent',
    });
    const byField = Object.fromEntries(body.errors!.map((e) => [e.field, e]));
    expect(Object.keys(byField).sort()).toEqual([
      'body.format',
      'body.priority',
      'body.roles[1]',
      'body.unit',
    ]);
    expect(byField['body.format']).toMatchObject({
      allowed: ['csv', 'jsonl'],
      message: 'must be one of: csv, jsonl',
    });
    expect(byField['body.roles[1]']).toMatchObject({ pointer: '/roles/1', allowed: ['admin', 'analyst'] });
    expect(byField['body.unit']).toMatchObject({
      allowed: ['g', 'mg', null],
      message: 'must be one of: g, mg, null',
    });
    expect(byField['body.priority']).toMatchObject({ allowed: ['low', 'high'] });
  });

  it('query and path parameters say where they are', async () => {
    const body = await invalid('/things/c?order=up', {});
    expect(body.errors).toEqual([
      expect.objectContaining({ field: 'params.kind', in: 'params', pointer: '/kind', allowed: ['a', 'b'] }),
    ]);
    const query = await invalid('/things/a?order=up', {});
    expect(query.errors).toEqual([
      expect.objectContaining({
        field: 'querystring.order',
        in: 'query',
        pointer: '/order',
        allowed: ['asc', 'desc'],
      }),
    ]);
  });

  it('a union of a literal and an object is not collapsed: the object branch has its own errors', async () => {
    const body = await invalid('/things/a', { target: { name: 'x' } });
    expect(body.errors!.map((e) => e.field)).toContain('body.target.name');
    expect(
      body.errors!.some((e) => e.field === 'body.target' && e.message === 'must match a schema in anyOf'),
    ).toBe(true);
  });

  it('property names with / are escaped in the pointer', async () => {
    const body = await invalid('/things/a', { items: [{}, { 'a/b': 'x' }] });
    expect(body.errors).toEqual([
      { field: 'body.items[1].a/b', in: 'body', pointer: '/items/1/a~1b', message: 'must be integer' },
    ]);
  });

  it('field errors built by hand get in and pointer from their field', async () => {
    const body = await invalid('/hand-built', {});
    expect(body.errors).toEqual([
      {
        field: 'body.samples[3].lab_id',
        in: 'body',
        pointer: '/samples/3/lab_id',
        message: 'is not a lab you can write to',
      },
      {
        field: 'querystring.cursor',
        in: 'query',
        pointer: '/cursor',
        message: 'is not a cursor of this listing',
      },
      // not `<part>.<path>`: left as built
      { field: 'transaction.amount', message: 'must be positive' },
    ]);
  });
});
