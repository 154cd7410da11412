// Vitest global set-up: a directory, for this run only, where the first test process that needs a PGlite
// cluster image leaves it for the others (see pgliteTemplate in test-database.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PGLITE_TEMPLATE_DIR_ENV = 'POLYMORPH_TEST_PGLITE_TEMPLATES';

export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'lab-pglite-templates-'));
  // The worker processes start after this and inherit the environment.
  process.env[PGLITE_TEMPLATE_DIR_ENV] = dir;
  return () => rm(dir, { recursive: true, force: true });
}
