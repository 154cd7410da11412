// Writes each app's OpenAPI document, as its server serves it at /openapi.json, to a folder: the input
// of `npm run lint:openapi` (Redocly) and of anyone who generates a client.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testLab } from '../../apps/lab/src/testing/lab-app.ts';
import { buildApi } from '../../apps/synfinance/src/api/app.ts';

const outDir = process.argv[2] ?? 'data/openapi';

async function labDocument(): Promise<unknown> {
  const lab = await testLab();
  try {
    const response = await lab.app.inject({ method: 'GET', url: '/openapi.json' });
    if (response.statusCode !== 200) throw new Error(`lab /openapi.json answered ${response.statusCode}`);
    return response.json();
  } finally {
    await lab.close();
  }
}

async function synfinanceDocument(): Promise<unknown> {
  const { app } = await buildApi();
  try {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (response.statusCode !== 200)
      throw new Error(`synfinance /openapi.json answered ${response.statusCode}`);
    return response.json();
  } finally {
    await app.close();
  }
}

async function writeJson(name: string, document: unknown): Promise<void> {
  const path = join(outDir, name);
  await writeFile(`${path}.tmp`, `${JSON.stringify(document, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
  console.log(`wrote ${path}`);
}

await mkdir(outDir, { recursive: true });
await writeJson('lab.openapi.json', await labDocument());
await writeJson('synfinance.openapi.json', await synfinanceDocument());
