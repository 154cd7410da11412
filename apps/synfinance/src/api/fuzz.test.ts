// Property-based fuzzing of every operation in SynFinance's OpenAPI document (docs/reliability.md):
// requests generated from each operation's parameters and body, most of them hostile, sent to the real
// service with a trained model loaded, with the API key and the admin key (and some without). No
// response may be a 5xx or break the document. FUZZ_RUNS (requests per operation) and FUZZ_SEED choose
// the run; CI uses the defaults.
import fs from 'node:fs';
import path from 'node:path';
import {
  describeFailure,
  type FuzzReport,
  formatFuzzReport,
  fuzzOperations,
  fuzzSettings,
  type KnownFailure,
  runFuzz,
  unreportedViolations,
} from '@polymorph/openapi/fuzz';
import type { OpenApiDocument } from '@polymorph/openapi/named-schemas';
import { ResponseContract } from '@polymorph/openapi/response-contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelFileText, trainFromFile, writeFileAtomic } from '../fraud/training/train.ts';
import { generate } from '../generator/test-helpers.ts';
import { testApi } from './test-api.ts';

/**
 * Failures being fixed elsewhere: each names the operation, the request tag that provokes it, the
 * finding of issue 15 (section 1) and the cause. A failure outside this list fails the test. Empty the
 * list as the fixes land: an entry nothing matches any more is printed as stale.
 */
export const KNOWN_FAILURES: KnownFailure[] = [];

// SynFinance has few operations, so CI affords more requests per operation than for the lab.
const { runs, seed } = fuzzSettings(process.env, { runs: 60, seed: 15 });
const API_KEY = 'fuzz-api-key';
const ADMIN_KEY = 'fuzz-admin-key';

let dir = '';
let modelPath = '';

beforeAll(async () => {
  const g = await generate(4_000, 'csv', { seed: 5, days: 30 });
  dir = g.dir;
  modelPath = path.join(dir, 'model.json');
  const trained = await trainFromFile({
    data: g.file,
    gbdt: { nTrees: 5, maxDepth: 3 },
    testDays: 7,
    gapDays: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
  });
  writeFileAtomic(modelPath, modelFileText(trained.file));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('fuzzing every operation of the SynFinance API', () => {
  it(
    'answers no 5xx and nothing outside its OpenAPI document',
    async () => {
      const api = await testApi({
        apiKeys: [API_KEY],
        // small generations, so a valid count does not stream a million rows per request
        maxCount: 2_000,
        dataDir: dir,
        scoring: { modelPath, adminApiKey: ADMIN_KEY },
      });
      const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json() as OpenApiDocument;
      const contract = new ResponseContract(doc);
      let report: FuzzReport;
      try {
        report = await runFuzz(api.app, doc, fuzzOperations(doc), {
          runs,
          seed,
          knownFailures: KNOWN_FAILURES,
          credentials: () => ({ 'x-api-key': API_KEY, 'x-admin-key': ADMIN_KEY }),
          check: (response) => contract.check(response),
        });
      } finally {
        await api.app.close();
      }
      console.log(formatFuzzReport('synfinance', report, KNOWN_FAILURES, { runs, seed }));
      const unreported = unreportedViolations(api.contract.violations, report);
      expect(report.operations).toBeGreaterThanOrEqual(12);
      expect(report.unknown.map(describeFailure)).toEqual([]);
      expect(unreported).toEqual([]);
    },
    Math.max(10 * 60_000, runs * 2_000),
  );
});
