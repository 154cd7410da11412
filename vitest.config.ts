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
    // Guards against a hang, not budgets: on a busy 2-core machine a test that starts real processes
    // (a lab server, a CLI run that creates a PGlite cluster) or trains a model takes several times as
    // long as on a quiet one. Times that matter are measured in bench/ (bench/RESULTS.md).
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Images of a new and a migrated PGlite cluster, made once per run and shared by the worker processes.
    globalSetup: ['apps/lab/src/testing/pglite-templates.setup.ts'],
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one on a 2-core machine, where most test
    // files wait on child processes, PGlite or the network much of the time. Two overlap that waiting.
    maxWorkers: 2,
  },
});
