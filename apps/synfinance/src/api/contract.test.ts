import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApi, testApi } from './test-api.ts';

type Operation = {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, { example?: unknown; examples?: unknown }> };
  responses: Record<
    string,
    { description?: string; headers?: Record<string, unknown>; content?: Record<string, unknown> }
  >;
};

describe('the contract check on SynFinance', () => {
  it('catches a route whose declared response schema is broken on purpose', async () => {
    const api = await testApi({
      beforeRoutes: (app) =>
        app.addHook('onRoute', (route) => {
          // once: the HEAD route Fastify adds shares the GET route's schema
          if (route.url !== '/health' || route.method !== 'GET') return;
          const response = route.schema?.response as Record<number, { required: string[] }>;
          response[200] = { ...response[200], required: [...response[200]!.required, 'build'] };
        }),
    });
    expect((await api.app.inject('/health')).statusCode).toBe(200);
    expect(api.contract.violations).toEqual([
      "GET /health -> 200: response must have required property 'build'",
    ]);
    await expect(api.close()).rejects.toThrow(/break the OpenAPI contract/);
  });
});

describe("SynFinance's OpenAPI document", () => {
  let api: TestApi;
  let doc: {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: { securitySchemes: Record<string, unknown> };
  };
  beforeAll(async () => {
    api = await testApi();
    doc = (await api.app.inject('/openapi.json')).json();
  });
  afterAll(() => api.close());
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, path, op })),
    );

  it('is OpenAPI 3.1; every operation has a unique id, a summary, tags and a security requirement', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['adminKey', 'apiKey']);
    const gaps = operations()
      .filter(({ op }) => !op.operationId || !op.summary || !op.tags?.length || !op.security)
      .map(({ where }) => where);
    expect(gaps).toEqual([]);
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('API routes need the key and may answer 401 and 429; the operational routes are public', () => {
    for (const { where, path, op } of operations()) {
      if (path.startsWith('/api/')) {
        expect(op.security, where).toContainEqual(expect.objectContaining({ apiKey: [] }));
        expect(Object.keys(op.responses), where).toEqual(expect.arrayContaining(['401', '429', '500']));
      } else expect(op.security, where).toEqual([]);
    }
    expect(doc.paths['/api/fraud/model/reload']!['post']!.security).toEqual([{ apiKey: [], adminKey: [] }]);
  });

  it('every error is problem+json and every request body has an example', () => {
    const gaps = operations().flatMap(({ where, op }) => [
      ...Object.entries(op.responses)
        .filter(([status, r]) => /^[45]/.test(status) && !r.content?.['application/problem+json'])
        .map(([status]) => `${where}: ${status} is not problem+json`),
      ...Object.values(op.requestBody?.content ?? {})
        .filter((media) => media.example === undefined && media.examples === undefined)
        .map(() => `${where}: request body without an example`),
    ]);
    expect(gaps).toEqual([]);
  });

  it('every operation may answer 503 shutting-down, with retry-after', () => {
    const gaps = operations()
      .filter(({ op }) => {
        const r = op.responses['503'];
        return !r?.description?.includes('`shutting-down`') || r.headers?.['retry-after'] === undefined;
      })
      .map(({ where }) => where);
    expect(gaps).toEqual([]);
    expect(doc.paths['/api/fraud/predict']!['post']!.responses['503']!.description).toMatch(
      /^No model is loaded\. The server is shutting down/,
    );
  });
});
