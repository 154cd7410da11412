// Property-based fuzzing of every operation in the lab's OpenAPI document (docs/reliability.md): requests
// generated from each operation's parameters and body, most of them hostile, sent to the real app on a
// real database as an administrator (and some without credentials). No response may be a 5xx or break
// the document. FUZZ_RUNS (requests per operation) and FUZZ_SEED choose the run; CI uses the defaults.
import {
  collectValues,
  describeFailure,
  type FuzzReport,
  formatFuzzReport,
  fuzzOperations,
  fuzzSettings,
  type KnownFailure,
  pathValuesFrom,
  runFuzz,
  unreportedViolations,
} from '@polymorph/openapi/fuzz';
import type { OpenApiDocument } from '@polymorph/openapi/named-schemas';
import { ResponseContract } from '@polymorph/openapi/response-contract';
import { describe, expect, it } from 'vitest';
import { type TestLab, testLab, userWithRole } from './lab-app.ts';

/**
 * Failures being fixed elsewhere: each names the operation, the request tag that provokes it, the
 * finding of issue 15 (section 1) and the cause. A failure outside this list fails the test. Empty the
 * list as the fixes land: an entry nothing matches any more is printed as stale.
 */
export const KNOWN_FAILURES: KnownFailure[] = [];

const { runs, seed } = fuzzSettings(process.env);

type Auth = { authorization: string };

/** Creates records from the documented examples (twice, so references made later resolve), as admin. */
async function seedFromExamples(
  lab: TestLab,
  doc: OpenApiDocument,
  auth: Auth,
): Promise<Map<string, Set<string>>> {
  const pool = new Map<string, Set<string>>();
  for (let pass = 0; pass < 2; pass++) {
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const [method, raw] of Object.entries(item ?? {})) {
        const op = raw as {
          requestBody?: { content?: Record<string, { example?: unknown }> };
          parameters?: { in: string }[];
        };
        const example = op.requestBody?.content?.['application/json']?.example;
        const hasPathParams = (op.parameters ?? []).some((p) => p.in === 'path');
        if (hasPathParams || path.startsWith('/auth/')) continue;
        if (method === 'post' && example !== undefined) {
          const res = await lab.app.inject({
            method: 'POST',
            url: path,
            headers: auth,
            payload: example as object,
          });
          harvest(res.body, pool);
        } else if (method === 'get') {
          const res = await lab.app.inject({ method: 'GET', url: path, headers: auth });
          harvest(res.body, pool);
        }
      }
    }
  }
  return pool;
}

function harvest(body: string, pool: Map<string, Set<string>>): void {
  try {
    collectValues(JSON.parse(body), pool);
  } catch {
    // not JSON (CSV, NDJSON): nothing to collect
  }
}

/** The violation lines of testLab's own contract check, from the error its close() throws. */
async function closeAndCollectViolations(lab: TestLab): Promise<string[]> {
  try {
    await lab.close();
    return [];
  } catch (err) {
    const message = (err as Error).message;
    if (!message.includes('break the OpenAPI contract')) throw err;
    return message
      .split('\n')
      .slice(1)
      .map((l) => l.trim());
  }
}

describe('fuzzing every operation of the lab API', () => {
  it(
    'answers no 5xx and nothing outside its OpenAPI document',
    async () => {
      const lab = await testLab();
      let admin = await userWithRole(lab, 'admin');
      const adminEmails = new Set([admin.email]);
      const doc = (await lab.app.inject({ method: 'GET', url: '/openapi.json' })).json() as OpenApiDocument;
      const pool = await seedFromExamples(lab, doc, admin.auth);
      // Fuzzing the administrator's own account would only log the fuzzer out.
      const keep = (v: string) => !adminEmails.has(v) && !v.startsWith('admin-');
      const pathValues = pathValuesFrom(doc, pool, (v) => !keep(v));
      // ids that exist, for body fields and query parameters of the same name (lab_id, project_id ...)
      const knownValues = Object.fromEntries(
        [...pool].map(([key, values]) => [key, [...values].filter(keep).slice(0, 20)] as const),
      );
      const operations = fuzzOperations(doc, { pathValues, knownValues });
      const contract = new ResponseContract(doc);
      let report: FuzzReport;
      try {
        report = await runFuzz(lab.app, doc, operations, {
          runs,
          seed,
          knownFailures: KNOWN_FAILURES,
          credentials: () => admin.auth,
          check: (response) => contract.check(response),
          // A fuzzed logout, password change, lockout or role change ends the session: log in again.
          beforeOperation: async () => {
            // A fuzzed "MFA required for admin" would leave the fuzzer (no MFA) with only 403s.
            await lab.superuser.withSession((s) => s.exec('UPDATE roles SET mfa_required = false'));
            const me = await lab.app.inject({ method: 'GET', url: '/api/roles', headers: admin.auth });
            if (me.statusCode === 200) return;
            admin = await userWithRole(lab, 'admin');
            adminEmails.add(admin.email);
          },
        });
      } catch (err) {
        await lab.close().catch(() => undefined);
        throw err;
      }
      const database = process.env['TEST_DATABASE_URL'] ? 'PostgreSQL' : 'PGlite';
      console.log(formatFuzzReport(`lab on ${database}`, report, KNOWN_FAILURES, { runs, seed }));
      const unreported = unreportedViolations(await closeAndCollectViolations(lab), report);
      expect(report.operations).toBe(operations.length);
      expect(report.unknown.map(describeFailure)).toEqual([]);
      expect(unreported).toEqual([]);
    },
    // about 116 operations at 30+ requests a second on a busy machine
    Math.max(15 * 60_000, runs * 8_000),
  );
});
