// `synfinance serve --model FILE` as a user starts it: a real process on a free port, the model given on
// the command line rather than in SYNFINANCE_MODEL_PATH, asked over HTTP which model it serves.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelFileText, trainFromFile, writeFileAtomic } from '../fraud/training/train.ts';
import { CLI, generate, REPO_ROOT, runCli } from '../generator/test-helpers.ts';

const children: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

describe('serve --model', () => {
  it('serves the model file given on the command line', async () => {
    const g = await generate(6_000, 'csv', { seed: 5, days: 30 });
    const model = path.join(g.dir, 'models', 'given.json');
    const r = await trainFromFile({
      data: g.file,
      gbdt: { nTrees: 5, maxDepth: 3 },
      testDays: 5,
      gapDays: 1,
    });
    writeFileAtomic(model, modelFileText(r.file));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--model', model], {
      cwd: REPO_ROOT,
      env: { ...process.env, SYNFINANCE_PORT: '0', SYNFINANCE_MODEL_PATH: '', SYNFINANCE_DATA_DIR: g.dir },
    });
    children.push(child);
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
    const res = await fetch(`${url}/api/fraud/model`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model_version: string };
    expect(body.model_version).toBe(r.file.fraud.model_version);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses an unknown flag or an empty --model with exit 2 and the usage', () => {
    for (const args of [['--bogus'], ['--model', '']]) {
      const res = runCli(['serve', ...args]);
      expect(res.status).toBe(2);
      expect(res.stderr).toMatch(/usage: synfinance serve \[--model PATH\]/);
    }
  });
});
