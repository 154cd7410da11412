// The import rules in .dependency-cruiser.cjs can fail: real dependency-cruiser, our real rule set, run
// over small files written to a temporary folder laid out like the repository.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type IConfiguration, type ICruiseResult } from 'dependency-cruiser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const config = createRequire(import.meta.url)(join(REPO_ROOT, '.dependency-cruiser.cjs')) as IConfiguration;

const FILES: Record<string, string> = {
  'apps/lab/src/modules/b/service.ts': 'export const b = 1;\n',
  'apps/lab/src/modules/b/port.ts': "export { b } from './service.ts';\n",
  'apps/lab/src/modules/a/uses-service.ts': "import { b } from '../b/service.ts';\nexport const a = b;\n",
  'apps/lab/src/modules/a/uses-port.ts': "import { b } from '../b/port.ts';\nexport const a = b;\n",
  'apps/lab/src/modules/a/a.test.ts': "import { b } from '../b/service.ts';\nexport const t = b;\n",
  'apps/lab/src/modules/demo/seed.ts': "import { b } from '../b/service.ts';\nexport const d = b;\n",
  'apps/lab/src/db/client.ts': 'export const db = 1;\n',
  'apps/lab/src/platform/uses-module.ts': "import { b } from '../modules/b/port.ts';\nexport const p = b;\n",
  'apps/lab/src/platform/uses-db.ts': "import { db } from '../db/client.ts';\nexport const p = db;\n",
  'packages/shared/src/uses-app.ts':
    "import { db } from '../../../apps/lab/src/db/client.ts';\nexport const s = db;\n",
};

let dir: string;
let result: ICruiseResult;

/** The rules that `from` breaks, by name, over all its imports. */
function brokenBy(from: string): string[] {
  return result.summary.violations
    .filter((v) => v.from === from)
    .map((v) => v.rule.name)
    .sort();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'import-rules-'));
  for (const [path, text] of Object.entries(FILES)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  // The repository's options minus its tsconfig, which is not in the temporary folder.
  const { tsConfig: _repoTsConfig, ...options } = config.options ?? {};
  const cruised = await cruise(['apps', 'packages'], {
    ...options,
    baseDir: dir,
    validate: true,
    ruleSet: { forbidden: config.forbidden ?? [] },
  });
  result = cruised.output as ICruiseResult;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('import rules (.dependency-cruiser.cjs)', () => {
  it('cruised every fixture file', () => {
    expect(result.modules.map((m) => m.source).sort()).toEqual(Object.keys(FILES).sort());
  });

  it('a module importing a sibling module past its port breaks lab-module-through-port', () => {
    expect(brokenBy('apps/lab/src/modules/a/uses-service.ts')).toEqual(['lab-module-through-port']);
  });

  it('a module importing a sibling through its port.ts breaks nothing', () => {
    expect(brokenBy('apps/lab/src/modules/a/uses-port.ts')).toEqual([]);
    expect(brokenBy('apps/lab/src/modules/b/port.ts')).toEqual([]);
  });

  it('test files and the demo loader are exempt from the port rule', () => {
    expect(brokenBy('apps/lab/src/modules/a/a.test.ts')).toEqual([]);
    expect(brokenBy('apps/lab/src/modules/demo/seed.ts')).toEqual([]);
  });

  it('platform/ importing modules/ breaks lab-platform-not-up, even through a port; platform -> db is fine', () => {
    expect(brokenBy('apps/lab/src/platform/uses-module.ts')).toEqual(['lab-platform-not-up']);
    expect(brokenBy('apps/lab/src/platform/uses-db.ts')).toEqual([]);
  });

  it('a package importing an app breaks packages-know-no-app', () => {
    expect(brokenBy('packages/shared/src/uses-app.ts')).toEqual(['packages-know-no-app']);
  });
});
