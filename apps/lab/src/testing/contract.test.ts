import { randomBytes } from 'node:crypto';
import { type ContractCheck, checkResponsesAgainstContract } from '@polymorph/openapi/fastify-contract-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { generateServerKeyPair } from '../platform/signatures/server-key.ts';
import { TEST_CONFIG, type TestLab, testLab } from './lab-app.ts';
import { migratedDatabase } from './test-database.ts';

type Operation = {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: unknown[];
  requestBody?: { content: Record<string, { schema?: { examples?: unknown[] }; example?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
};

describe('the contract check', () => {
  it('catches a route whose declared response schema is broken on purpose', async () => {
    const { database, cleanup } = await migratedDatabase();
    let check: ContractCheck | undefined;
    const app = await buildApp({
      config: TEST_CONFIG,
      database,
      secrets: { tokenKey: new Uint8Array(randomBytes(32)), signingKey: generateServerKeyPair() },
      beforeRoutes: (app) => {
        check = checkResponsesAgainstContract(app);
        // Declare a field /health never sends (GET and HEAD share one schema: add it once).
        app.addHook('onRoute', (route) => {
          if (route.url !== '/health') return;
          const response = route.schema?.response as Record<number, { required: string[] }>;
          const required = response[200]!.required;
          if (!required.includes('build'))
            response[200] = { ...response[200], required: [...required, 'build'] };
        });
      },
    });
    try {
      expect((await app.inject('/health')).statusCode).toBe(200);
      expect(check!.violations).toEqual(["GET /health -> 200: response must have required property 'build'"]);
      expect(() => check!.assertClean()).toThrow(/break the OpenAPI contract/);
    } finally {
      await app.close();
      await cleanup();
    }
  });
});

describe("the lab's OpenAPI document", () => {
  let lab: TestLab;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };
  beforeAll(async () => {
    lab = await testLab();
    doc = (await lab.app.inject('/openapi.json')).json();
  });
  afterAll(() => lab.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, op })),
    );

  it('is OpenAPI 3.1 and gives every operation a unique id, a summary and tags', () => {
    expect(doc.openapi).toBe('3.1.0');
    const missing = operations()
      .filter(({ op }) => !op.operationId || !op.summary || !op.tags?.length)
      .map(({ where }) => where);
    expect(missing).toEqual([]);
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('declares for every operation a success response with its body, and problem+json errors', () => {
    const gaps = operations().flatMap(({ where, op }) => {
      const success = Object.entries(op.responses).filter(([status]) => /^2/.test(status));
      if (success.length === 0) return [`${where}: no success response`];
      const bodiless = success.filter(([status, r]) => status !== '204' && !r.content);
      const errors = Object.entries(op.responses).filter(([status]) => /^[45]/.test(status));
      const notProblem = errors.filter(([, r]) => !r.content?.['application/problem+json']);
      return [
        ...bodiless.map(([status]) => `${where}: ${status} has no body schema`),
        ...notProblem.map(([status]) => `${where}: ${status} is not problem+json`),
      ];
    });
    expect(gaps).toEqual([]);
  });

  it('gives every request body an example', () => {
    const withoutExample = operations()
      .filter(({ op }) => op.requestBody)
      .filter(({ op }) =>
        Object.values(op.requestBody!.content).some(
          (media) => media.example === undefined && !media.schema?.examples,
        ),
      )
      .map(({ where }) => where);
    expect(withoutExample).toEqual([]);
  });
});
