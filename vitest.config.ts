import { defineConfig } from 'vitest/config';

// One suite for the whole monorepo. TEST_DATABASE_URL switches the lab tests from PGlite to PostgreSQL.
export default defineConfig({
  test: {
    include: [
      'apps/*/src/**/*.test.ts',
      'packages/*/src/**/*.test.ts',
      'bench/**/*.test.ts',
      'tools/**/*.test.ts',
    ],
    // Guards against a hang, not budgets: on a busy 2-core machine a test that runs several real
    // processes in a row (CLI runs that each open a PGlite cluster, lab servers) takes 5-7 times as long
    // as on a quiet one. Times that matter are measured in bench/ (bench/RESULTS.md).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Images of a new and a migrated PGlite cluster, made once per run and shared by the worker processes.
    globalSetup: ['apps/lab/src/testing/pglite-templates.setup.ts'],
    // Vitest's default worker count (cores - 1: one here) is kept: with two workers on a busy 2-core
    // machine the heaviest files ran 2.5x slower each and the run was no faster (docs: measured).
    pool: 'forks',
  },
});
