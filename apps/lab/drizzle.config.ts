import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` diffs the schema against the committed snapshots and writes a new SQL migration.
export default defineConfig({
  dialect: 'postgresql',
  schema: './apps/lab/src/db/schema/*.ts',
  out: './apps/lab/src/db/migrations',
});
