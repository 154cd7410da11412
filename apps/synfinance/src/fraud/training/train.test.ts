import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { columnMajor } from '@polymorph/gbdt/matrix';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, generate, REPO_ROOT, tmpDir } from '../../generator/test-helpers.ts';
import { rocAuc } from '../evaluation/metrics.ts';
import { loadDataset, selectColumnMajor } from '../features/dataset.ts';
import { fitModel, loadModelFile, shuffledLabels, splitDataset } from './train.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('shuffled-label control', () => {
  it('GBDT on the history features: mean ROC AUC over label permutations 0.50 ± 0.03, far above with real labels', async () => {
    // 10% fraud so the test period holds ~2,000 frauds (test-sampling SE of one AUC ~0.007). One
    // shuffled model's AUC still varies a lot from permutation to permutation (fraud rows are outliers,
    // and a noise-fitted model ranks outliers high or low at random; see docs/synfinance/fraud-model.md),
    // so the control is the mean over 4 permutations. Leakage would push every one of them up.
    const g = await generate(60_000, 'csv', { seed: 21, days: 60, fraudRate: 0.1 });
    dirs.push(g.dir);
    const ds = await loadDataset(g.file);
    const { train, test } = splitDataset(ds, { testDays: 18, gapDays: 2 });
    const Xtr = selectColumnMajor(ds, train);
    const Xte = columnMajor(selectColumnMajor(ds, test), test.length, ds.nCols);
    const ytr = Uint8Array.from(train, (r) => ds.y[r]!);
    const yte = Uint8Array.from(test, (r) => ds.y[r]!);
    expect(yte.reduce((a, b) => a + b, 0)).toBeGreaterThan(1000);
    const params = { gbdt: { nTrees: 40, maxDepth: 5, minSamplesLeaf: 100 } };
    const real = fitModel(Xtr, train.length, ds.nCols, ytr, ds.featureNames, 'gbdt', params);
    const aucReal = rocAuc(yte, real.predictProba(Xte));
    const aucs = [1, 2, 3, 4].map((seed) =>
      rocAuc(
        yte,
        fitModel(
          Xtr,
          train.length,
          ds.nCols,
          shuffledLabels(ytr, seed),
          ds.featureNames,
          'gbdt',
          params,
        ).predictProba(Xte),
      ),
    );
    const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
    console.log(
      `shuffled-label control: real ${aucReal.toFixed(4)}, shuffled ${aucs.map((a) => a.toFixed(4)).join(' ')}, mean ${mean.toFixed(4)}`,
    );
    expect(aucReal).toBeGreaterThan(0.9);
    expect(Math.abs(mean - 0.5)).toBeLessThanOrEqual(0.03);
  }, 60_000);

  it('shuffledLabels is a permutation (same label counts) and depends on the seed', () => {
    const y = Uint8Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const a = shuffledLabels(y, 1);
    expect(a.reduce((s, v) => s + v, 0)).toBe(100);
    expect(Buffer.from(a).equals(Buffer.from(shuffledLabels(y, 1)))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(shuffledLabels(y, 2)))).toBe(false);
  });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A non-SynFinance table: y = 1 when x1 + noise > 1 and colour is red or blue; a time column over 20 days. */
function tinyCsv(file: string): void {
  const lines = ['id,day,x1,x2,colour,outcome,junk'];
  let s = 7;
  const r = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const colours = ['red', 'green', 'blue'];
  for (let i = 0; i < 2000; i++) {
    const x1 = r() * 2;
    const x2 = r();
    const c = colours[Math.floor(r() * 3)]!;
    const y = x1 + 0.3 * (r() - 0.5) > 1 && c !== 'green' ? 1 : 0;
    const day = `2024-06-${String(1 + Math.floor((i / 2000) * 20)).padStart(2, '0')}`;
    lines.push(`r${i},${day},${x1.toFixed(4)},${x2.toFixed(4)},${c},${y},${i % 7 === 0 ? '' : 'z'}`);
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

describe('train/evaluate CLI on any labelled CSV (real child processes)', () => {
  const dir = tmpDir('fraud-cli-');
  dirs.push(dir);
  const csv = path.join(dir, 'loans.csv');
  tinyCsv(csv);
  const model = path.join(dir, 'm.json');

  it('trains with --label/--features, writes the model by temp file + rename, evaluates it', async () => {
    fs.writeFileSync(model, 'old contents');
    const inodeBefore = fs.statSync(model).ino;
    const tr = await run([
      'train',
      '--data',
      csv,
      '--model',
      model,
      '--label',
      'outcome',
      '--features',
      'x1,x2,colour',
      '--time-col',
      'day',
      '--trees',
      '30',
      '--depth',
      '3',
      '--min-leaf',
      '5',
      '--test-days',
      '5',
      '--gap-days',
      '1',
      '--report',
      path.join(dir, 'train-report.json'),
    ]);
    expect(tr.stderr).toBe('');
    expect(tr.code).toBe(0);
    expect(tr.stdout).toMatch(/trained gbdt on \d+ rows/);
    // rename, not an in-place rewrite: the path now points at a new inode; no temp file left behind
    expect(fs.statSync(model).ino).not.toBe(inodeBefore);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const lm = loadModelFile(model);
    expect(lm.file.feature_names).toEqual(['x1', 'x2', 'colour']);
    expect(lm.spec).toEqual({
      kind: 'columns',
      columns: ['x1', 'x2', 'colour'],
      categorical: { colour: ['blue', 'green', 'red'] },
    });
    expect(lm.file.training_data_hash).toMatch(/^sha256:/);
    expect(lm.file.fraud.split).toMatchObject({ kind: 'time', gap_days: 1 });
    expect(lm.file.fraud.reference_profile.fields.x1).toBeDefined();
    expect(Number(lm.file.metrics.roc_auc)).toBeGreaterThan(0.95);

    const report = path.join(dir, 'eval.json');
    const ev = await run(['evaluate', '--model', model, '--data', csv, '--report', report]);
    expect(ev.stderr).toBe('');
    expect(ev.code).toBe(0);
    expect(ev.stdout).toMatch(/ROC AUC\s+0\.9/);
    const rep = JSON.parse(fs.readFileSync(report, 'utf8'));
    expect(rep.rows).toBe(2000);
    expect(rep.roc_auc).toBeGreaterThan(0.95);
    expect(rep.calibration.bins.length).toBeGreaterThan(0);

    const lr = await run([
      'train',
      '--algo',
      'logreg',
      '--data',
      csv,
      '--model',
      path.join(dir, 'lr.json'),
      '--label',
      'outcome',
      '--features',
      'x1,colour',
      '--quiet',
    ]);
    expect(lr.code).toBe(0);
    expect(loadModelFile(path.join(dir, 'lr.json')).file.algo).toBe('logreg');
  }, 60_000);

  it('bad input: one clear line on stderr, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['train', '--data', csv, '--model', model, '--label', 'nope', '--features', 'x1'],
        /no label column "nope"/,
      ],
      [
        ['train', '--data', csv, '--model', model, '--label', 'outcome', '--features', 'x1,missing'],
        /no feature column "missing"/,
      ],
      [
        ['train', '--data', csv, '--model', model, '--label', 'outcome', '--features', 'x1,outcome'],
        /label column and cannot be a feature/,
      ],
      [['train', '--data', csv, '--model', model, '--label', 'outcome'], /lacks customer_id.*--features/],
      [
        ['train', '--data', csv, '--model', model, '--label', 'outcome', '--features', 'x1', '--trees', '0'],
        /--trees must be >= 1/,
      ],
      [
        [
          'train',
          '--data',
          csv,
          '--model',
          model,
          '--label',
          'outcome',
          '--features',
          'x1',
          '--algo',
          'forest',
        ],
        /--algo must be gbdt or logreg/,
      ],
      [['train', '--data', path.join(dir, 'absent.csv'), '--model', model], /no such file/],
      [
        [
          'train',
          '--data',
          csv,
          '--model',
          '/nonexistent-dir/m.json',
          '--label',
          'outcome',
          '--features',
          'x1',
        ],
        /directory .* does not exist/,
      ],
      [['train', '--data', csv, '--model', model, '--bogus'], /Unknown option/],
      [['evaluate', '--model', csv, '--data', csv], /invalid model file/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    results.forEach((res, i) => {
      expect(res.code, cases[i]![0].join(' ')).toBe(2);
      expect(res.stderr).toMatch(cases[i]![1]);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    });
  }, 60_000);
});
