import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerProblemHandlers } from './fastify-handlers.ts';
import { HttpProblem, type Problem } from './problem.ts';
import { componentRefResolver, problemResponses, registerProblemSchema } from './schema.ts';

type OpenApi = {
  components: { schemas: Record<string, Record<string, unknown>> };
  paths: Record<
    string,
    Record<
      string,
      { responses: Record<string, { description: string; content: Record<string, { schema: unknown }> }> }
    >
  >;
};

/** A bare app wired the recommended way: handlers, the Problem schema, swagger naming components by $id. */
async function bareApp(refResolver = true): Promise<FastifyInstance> {
  const app = Fastify({
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  });
  registerProblemHandlers(app);
  registerProblemSchema(app);
  await app.register(swagger, {
    openapi: { openapi: '3.1.0', info: { title: 'test', version: '1' } },
    ...(refResolver ? { refResolver: componentRefResolver } : {}),
  });
  app.post<{ Params: { id: string } }>(
    '/widgets/:id',
    {
      schema: {
        operationId: 'updateWidget',
        params: Type.Object({ id: Type.String() }),
        body: Type.Object({ colour: Type.Union([Type.Literal('red'), Type.Literal('blue')]) }),
        response: {
          200: Type.Object({ id: Type.String() }, { additionalProperties: false }),
          ...problemResponses(400, 404, { 409: 'The widget is locked' }),
        },
      },
    },
    async (req) => {
      const { id } = req.params;
      if (id === 'gone') {
        throw new HttpProblem(
          404,
          'not-found',
          'Not found',
          'No widget gone',
          [{ field: 'params.id', message: 'unknown' }],
          {
            widget_id: 'gone',
            nested: { seen: [1, 2] },
          },
        );
      }
      return { id, secret: 'not in the 200 schema' };
    },
  );
  // Validates a body against the shared schema with Fastify's own Ajv.
  app.post('/check-problem', { schema: { body: { $ref: 'Problem#' } } }, async () => ({ ok: true }));
  await app.ready();
  return app;
}

let app: FastifyInstance;
beforeAll(async () => {
  app = await bareApp();
});
afterAll(async () => app.close());

describe('the Problem schema in the OpenAPI document', () => {
  it('is one component, and error responses reference it under application/problem+json', () => {
    const doc = app.swagger() as unknown as OpenApi;
    const problem = doc.components.schemas['Problem']!;
    expect(problem['title']).toBe('Problem');
    expect(problem['additionalProperties']).toBe(true);
    expect(problem).not.toHaveProperty('$id');
    expect(Object.keys(problem['properties'] as object)).toEqual([
      'type',
      'title',
      'status',
      'detail',
      'instance',
      'errors',
    ]);
    const responses = doc.paths['/widgets/{id}']!['post']!.responses;
    expect(Object.keys(responses).sort()).toEqual(['200', '400', '404', '409']);
    for (const status of ['400', '404', '409']) {
      expect(responses[status]!.content).toEqual({
        'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
      });
    }
    expect(responses['409']!.description).toBe('The widget is locked');
    expect(responses['404']!.description).toBe('Not found');
    expect(Object.keys(responses['200']!.content)).toEqual(['application/json']);
  });

  it('without componentRefResolver swagger names it def-0: that is why both apps pass the option', async () => {
    const plain = await bareApp(false);
    const doc = plain.swagger() as unknown as OpenApi;
    expect(Object.keys(doc.components.schemas)).toEqual(['def-0']);
    await plain.close();
  });

  it('registerProblemSchema adds it once', () => {
    expect(() => registerProblemSchema(app)).not.toThrow();
  });
});

describe("Fastify's response serializer keeps every problem member", () => {
  it('a 404 with an extension and errors[] comes through intact', async () => {
    const res = await app.inject({ method: 'POST', url: '/widgets/gone', payload: { colour: 'red' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toEqual({
      type: '/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: 'No widget gone',
      instance: '/widgets/gone',
      errors: [{ field: 'params.id', in: 'params', pointer: '/id', message: 'unknown' }],
      widget_id: 'gone',
      nested: { seen: [1, 2] },
    });
  });

  it('a 400 keeps allowed[] on its field errors', async () => {
    const res = await app.inject({ method: 'POST', url: '/widgets/w1', payload: { colour: 'green' } });
    expect(res.statusCode).toBe(400);
    expect((res.json() as Problem).errors).toEqual([
      {
        field: 'body.colour',
        in: 'body',
        pointer: '/colour',
        message: 'must be one of: red, blue',
        allowed: ['red', 'blue'],
      },
    ]);
  });

  it('the success schema still applies to the 200 (the problem entries do not widen it)', async () => {
    const res = await app.inject({ method: 'POST', url: '/widgets/w1', payload: { colour: 'red' } });
    expect(res.json()).toEqual({ id: 'w1' });
  });

  it('problem bodies the handlers produce are valid against the schema', async () => {
    const bodies = [
      (await app.inject({ method: 'POST', url: '/widgets/gone', payload: { colour: 'red' } })).json(),
      (await app.inject({ method: 'POST', url: '/widgets/w1', payload: { colour: 'green' } })).json(),
      (await app.inject({ method: 'GET', url: '/nowhere' })).json(),
      (
        await app.inject({
          method: 'POST',
          url: '/widgets/w1',
          headers: { 'content-type': 'text/plain' },
          payload: 'x',
        })
      ).json(),
    ];
    for (const body of bodies) {
      const res = await app.inject({ method: 'POST', url: '/check-problem', payload: body });
      expect(res.statusCode, JSON.stringify(body)).toBe(200);
    }
    // and the schema does reject what is not a problem
    const bad = await app.inject({
      method: 'POST',
      url: '/check-problem',
      payload: { type: '/problems/x', status: '404' },
    });
    expect(bad.statusCode).toBe(400);
  });
});
