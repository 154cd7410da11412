// Real faults under real load (no mocks): PostgreSQL restarted under the lab, and the lab killed.
// CI's fast subset; tools/fault-campaign runs longer versions and records the figures.
import { describe, expect, it } from 'vitest';
import { onPostgres } from '../test-database.ts';
import { findPgBin } from './cluster.ts';
import { chainAcceptableAfterCrash } from './post-check.ts';
import { type DatabaseKind, type FaultKind, runScenario } from './scenarios.ts';

const LIMIT_MS = 300_000;
const hasPostgres = findPgBin() !== undefined;
const short = (fault: FaultKind, database: DatabaseKind) =>
  runScenario({ fault, database, clients: 16, loadSeconds: 2 });

const DB_UNAVAILABLE = '503 /problems/database-unavailable';

describe.skipIf(!hasPostgres)('PostgreSQL restarts under 16 writing clients', () => {
  it.each(['pg-restart-fast', 'pg-restart-immediate'] as const)(
    '%s: the lab stays up, answers 201 or 503 database-unavailable, recovers by itself, loses nothing',
    async (fault) => {
      const r = await short(fault, 'postgres');
      expect(r.unexpectedExit).toBeNull();
      expect(Object.keys(r.outcomes).filter((o) => o !== '201' && o !== DB_UNAVAILABLE)).toEqual([]);
      expect(Number.isFinite(r.recoverySeconds)).toBe(true);
      expect(r.acknowledged).toBeGreaterThan(16);
      expect(r.lost).toEqual([]);
      expect({ missing: r.auditMissing, extra: r.auditExtra }).toEqual({ missing: 0, extra: 0 });
      // A checkpoint whose own transaction met the outage after its event committed is missing: tolerated.
      expect(chainAcceptableAfterCrash(r.chain), JSON.stringify(r.chain)).toBe(true);
    },
    LIMIT_MS,
  );
});

const killTest = (database: DatabaseKind) => async () => {
  const r = await short('kill-9', database);
  expect(r.faultExit?.signal).toBe('SIGKILL');
  expect(r.unexpectedExit).toBeNull();
  // While it is down, clients cannot connect; nothing it answers is a 500.
  expect(Object.keys(r.outcomes).filter((o) => !['201', 'connection error'].includes(o))).toEqual([]);
  expect(r.lost).toEqual([]);
  expect({ missing: r.auditMissing, extra: r.auditExtra }).toEqual({ missing: 0, extra: 0 });
  expect(chainAcceptableAfterCrash(r.chain), JSON.stringify(r.chain)).toBe(true);
};

describe('kill -9 of the lab under 16 writing clients: restarted, it is ready and loses nothing', () => {
  // Once per CI run: the suite's pass on PostgreSQL (TEST_DATABASE_URL) would repeat it unchanged.
  it.skipIf(onPostgres)('on PGlite', killTest('pglite'), LIMIT_MS);
  it.skipIf(!hasPostgres)('on PostgreSQL', killTest('postgres'), LIMIT_MS);
});
