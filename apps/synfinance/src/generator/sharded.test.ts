import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePartRef, partTargets, TABLES } from './dataset.ts';
import { MANIFEST, type Manifest, verifyDataset } from './manifest.ts';
import { generateDataset } from './run.ts';
import { CLI, HANG_GUARD_MS, params, REPO_ROOT, readAll, runCli, TSX, tmpDir } from './test-helpers.ts';

// 1,500 rows in shards of 500: three shards, so 2 parts split unevenly and 4 parts leave one empty
const BASE = [
  '--count',
  '1500',
  '--shard-rows',
  '500',
  '--seed',
  '7',
  '--fraud-rate',
  '0.03',
  '--start',
  '2025-01-01',
  '--days',
  '60',
  '--format',
  'csv',
  '--quiet',
];

function runAsync(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(TSX, [CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const guard = setTimeout(() => p.kill('SIGKILL'), HANG_GUARD_MS);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stderr });
    });
  });
}

function concatParts(dir: string, table: string): Buffer {
  const tdir = path.join(dir, table);
  const files = fs.readdirSync(tdir).filter((f) => /^part-\d{5}\.csv$/.test(f));
  return Buffer.concat(files.sort().map((f) => fs.readFileSync(path.join(tdir, f))));
}

function readManifest(dir: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as Manifest;
}

/** The last part to finish wrote the manifest; verify passes, and finds a corrupted, a missing and a stray part. */
function checkManifestsAndVerify(root: string, counts: number[]): void {
  for (const n of counts) {
    const m = readManifest(path.join(root, `n${n}`));
    expect(m.parts).toBe(n);
    expect(m.seed).toBe(7);
    expect(m.config.count).toBe(1500);
    expect(m.rows.transactions).toBe(1500);
    expect(m.files.filter((f) => f.table === 'transactions').map((f) => f.file)).toEqual(
      Array.from({ length: n }, (_, i) => `transactions/part-0000${i}.csv`),
    );
    expect(verifyDataset(path.join(root, `n${n}`), m)).toEqual([]);
  }
  // the manifest does not depend on which part finished last or on N beyond the part list
  expect(readManifest(path.join(root, 'n2')).rows).toEqual(readManifest(path.join(root, 'n4')).rows);
  const ok = runCli(['verify', path.join(root, 'n2')]);
  expect(ok.status, ok.stderr).toBe(0);
  expect(ok.stdout).toMatch(/ok, 5 files in 2 parts, 1,500 transactions, seed 7/);

  const dir = path.join(root, 'n2');
  const part1 = path.join(dir, 'transactions', 'part-00001.csv');
  const bytes = fs.readFileSync(part1);
  bytes[100] = bytes[100] === 0x31 ? 0x32 : 0x31; // same size, one digit changed
  fs.writeFileSync(part1, bytes);
  fs.rmSync(path.join(dir, 'customers', 'part-00000.csv'));
  fs.writeFileSync(path.join(dir, 'transactions', 'part-00002.csv'), 'stray\n');
  const bad = runCli(['verify', dir]);
  expect(bad.status).toBe(1);
  expect(bad.stdout).toMatch(/differs: transactions\/part-00001\.csv: SHA-256 differs/);
  expect(bad.stdout).toMatch(/differs: customers\/part-00000\.csv: missing/);
  expect(bad.stdout).toMatch(/differs: transactions\/part-00002\.csv: not in the manifest/);
  fs.appendFileSync(path.join(root, 'n4', 'merchants', 'part-00000.csv'), 'x');
  expect(verifyDataset(path.join(root, 'n4'), readManifest(path.join(root, 'n4')))).toEqual([
    expect.stringMatching(/^merchants\/part-00000\.csv: \d+ bytes, manifest says \d+$/),
  ]);
  const none = runCli(['verify', root]);
  expect(none.status).toBe(2);
  expect(none.stderr).toMatch(/manifest\.json does not exist/);
}

describe('generate --shard I/N', () => {
  it(
    'parts from parallel processes concatenate to the single-process bytes for N = 1, 2, 4',
    async () => {
      const root = tmpDir();
      const single = path.join(root, 'single.csv');
      const counts = [1, 2, 4];
      // every part of every N at once, next to the single-process run: 8 processes in parallel
      const runs = [runAsync(['generate', ...BASE, '--out', single])];
      for (const n of counts) {
        for (let i = 0; i < n; i++) {
          runs.push(
            runAsync([
              'generate',
              ...BASE,
              '--workers',
              '0',
              '--shard',
              `${i}/${n}`,
              '--out',
              path.join(root, `n${n}`),
            ]),
          );
        }
      }
      for (const r of await Promise.all(runs)) expect(r.stderr).toBe('');
      const want = {
        transactions: fs.readFileSync(single),
        customers: fs.readFileSync(path.join(root, 'single.customers.csv')),
        merchants: fs.readFileSync(path.join(root, 'single.merchants.csv')),
      };
      expect(want.transactions.toString().split('\n').length).toBe(1502); // header, 1,500 rows, final ''
      for (const n of counts) {
        const dir = path.join(root, `n${n}`);
        for (const t of TABLES) expect(concatParts(dir, t).equals(want[t]), `N=${n} ${t}`).toBe(true);
        expect(fs.readdirSync(path.join(dir, 'transactions')).length).toBe(n);
        expect(fs.readdirSync(path.join(dir, 'merchants'))).toEqual(['part-00000.csv']);
      }
      checkManifestsAndVerify(root, counts);
      // 3 shards in 4 parts: part 0 holds no rows, only the header line
      const first = fs.readFileSync(path.join(root, 'n4', 'transactions', 'part-00000.csv'), 'utf8');
      expect(first).toBe(`${want.transactions.toString().split('\n')[0]}\n`);
    },
    HANG_GUARD_MS,
  );

  it(
    'Parquet parts, read in order, give the rows of the single-process file (N = 2 and 4, one part empty)',
    async () => {
      const root = tmpDir();
      const base = { params: params({ seed: 7, shardRows: 500 }), count: 1500, format: 'parquet' as const };
      const single = path.join(root, 'single.parquet');
      await generateDataset({ ...base, out: single, workers: 0, chunkShards: 1 });
      const want = await readAll(single);
      expect(want.length).toBe(1500);
      for (const n of [2, 4]) {
        const dir = path.join(root, `n${n}`);
        for (const t of TABLES) fs.mkdirSync(path.join(dir, t), { recursive: true });
        const got = [];
        for (let i = 0; i < n; i++) {
          const part = { index: i, count: n };
          const targets = partTargets(dir, part, 'parquet');
          await generateDataset({ ...base, out: dir, part, targets, workers: 0, chunkShards: 1 });
          got.push(...(await readAll(targets.transactions)));
        }
        expect(got).toEqual(want);
      }
    },
    HANG_GUARD_MS,
  );

  it('bad --shard values are rejected with a clear message', () => {
    for (const [raw, msg] of [
      ['3', /must be I\/N/],
      ['a/b', /must be I\/N/],
      ['-1/4', /must be I\/N/],
      ['4/4', /I must be in 0\.\.N-1/],
      ['0/0', /N must be in 1\.\./],
    ] as const) {
      const ref = parsePartRef(raw);
      expect(typeof ref === 'string' ? ref : '', raw).toMatch(msg);
    }
    expect(parsePartRef(' 2/4 ')).toEqual({ index: 2, count: 4 });
  });

  it(
    'the real CLI exits 2 on a bad --shard or a file given as the dataset folder, writing nothing',
    () => {
      const root = tmpDir();
      const out = path.join(root, 'ds');
      const res = runCli(['generate', ...BASE, '--shard', '5/4', '--out', out]);
      expect(res.status).toBe(2);
      expect(res.stderr).toMatch(/synfinance: error: --shard I must be in 0\.\.N-1/);
      const file = path.join(root, 'f.csv');
      fs.writeFileSync(file, 'x');
      const res2 = runCli(['generate', ...BASE, '--shard', '0/2', '--out', file]);
      expect(res2.status).toBe(2);
      expect(res2.stderr).toMatch(/--out is a folder/);
      expect(fs.readdirSync(root)).toEqual(['f.csv']);
    },
    HANG_GUARD_MS,
  );
});
