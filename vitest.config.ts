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
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
