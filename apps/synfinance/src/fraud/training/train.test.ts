import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { columnMajor } from '@polymorph/gbdt/matrix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, generate, REPO_ROOT, tmpDir } from '../../generator/test-helpers.ts';
import { rocAuc } from '../evaluation/metrics.ts';
import { type Dataset, loadDataset, selectColumnMajor } from '../features/dataset.ts';
import { fitTrainingPeriod, loadModelFile, shuffledLabels, splitDataset } from './train.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('shuffled-label control', () => {
  // One generated table for every control test (beforeAll). 10% fraud so the test period holds
  // > 1,000 frauds (test-sampling SE of one AUC ~0.01); small trees and 63 bins keep each fit cheap:
  // a noise fit still trains 20 trees (the early-stopping patience) before it falls back to the prior.
  const setup = async () => {
    const g = await generate(40_000, 'csv', { seed: 21, days: 60, fraudRate: 0.1 });
    dirs.push(g.dir);
    const ds = await loadDataset(g.file);
    // the control is about labels, not cards: keep the test rows of already compromised customers
    const { train, test } = splitDataset({ ...ds, cardIds: null }, { testDays: 18, gapDays: 2 });
    const ytr = Uint8Array.from(train, (r) => ds.y[r]!);
    const yte = Uint8Array.from(test, (r) => ds.y[r]!);
    return { ds, train, test, ytr, yte };
  };
  let data: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    data = await setup();
  });
  const opts = { gbdt: { nTrees: 30, maxDepth: 4, minSamplesLeaf: 100, maxBins: 63 } };
  /** Fewer trees where they suffice: the leaky column is the first split, and noise fits keep 0 trees. */
  const leakOpts = { gbdt: { ...opts.gbdt, nTrees: 10 } };
  /** ROC AUC on the test rows of a model fitted as `train` fits it (validation on, defaults). */
  const controlAuc = (
    ds: Dataset,
    ytrain: Uint8Array,
    algo: 'gbdt' | 'logreg' = 'gbdt',
    o: Parameters<typeof fitTrainingPeriod>[4] = opts,
  ) => {
    const { model, training } = fitTrainingPeriod(ds, data.train, ytrain, algo, o);
    const Xte = columnMajor(selectColumnMajor(ds, data.test), data.test.length, ds.nCols);
    return { auc: rocAuc(data.yte, model.predictProba(Xte)), training: training!, model };
  };
  /** The dataset with one more feature column whose value in row r is `col[r]`. */
  const withColumn = (ds: Dataset, name: string, col: ArrayLike<number>): Dataset => {
    const p = ds.nCols;
    const X = new Float64Array(ds.nRows * (p + 1));
    for (let r = 0; r < ds.nRows; r++) {
      X.set(ds.X.subarray(r * p, r * p + p), r * (p + 1));
      X[r * (p + 1) + p] = col[r]!;
    }
    return { ...ds, X, nCols: p + 1, featureNames: [...ds.featureNames, name] };
  };
  /** A copy of the label (the real one, or permuted training labels) with 20% of values flipped. */
  const leakFrom = (y: ArrayLike<number>) => {
    const flip = shuffledLabels(
      Uint8Array.from({ length: data.ds.nRows }, (_, i) => (i % 5 === 0 ? 1 : 0)),
      9,
    );
    return Float64Array.from({ length: data.ds.nRows }, (_, r) => y[r]! ^ flip[r]!);
  };

  it('GBDT with early stopping: every shuffled-label run has ROC AUC 0.50 ± 0.03, real labels > 0.9', () => {
    expect(data.yte.reduce((a, b) => a + b, 0)).toBeGreaterThan(1000);
    const real = controlAuc(data.ds, data.ytr);
    expect(real.auc).toBeGreaterThan(0.9);
    expect(real.training.best_iteration).toBeGreaterThan(10);
    expect(real.training.class_weight).toMatchObject({ mode: 'auto', min_z: 3 });
    const runs = [1, 2, 3, 4, 5].map((seed) => controlAuc(data.ds, shuffledLabels(data.ytr, seed)));
    console.log(
      `shuffled-label control: real ${real.auc.toFixed(4)} (${real.training.best_iteration} trees), shuffled ${runs.map((r) => `${r.auc.toFixed(4)} (${r.training.best_iteration} trees)`).join(' ')}`,
    );
    // The criterion holds for each run, not only on average: the validation days' labels are permuted
    // too, no tree beats the prior on them by 3 standard errors, and the constant score ranks nothing.
    for (const r of runs) {
      expect(Math.abs(r.auc - 0.5)).toBeLessThanOrEqual(0.03);
      expect(r.training.best_iteration).toBe(0);
    }
  });

  it('default class weight: shuffled labels keep none; without the margins noise gets through (the control fails)', () => {
    type Choice = { mode: string; chosen: string; improvement_z: number; valid_ap: Record<string, number> };
    const seeds = [1, 2, 3, 4, 5];
    const guarded = seeds.map((seed) => controlAuc(data.ds, shuffledLabels(data.ytr, seed)));
    for (const r of guarded) {
      expect(r.training.class_weight).toMatchObject({ mode: 'auto', chosen: 'none', min_z: 3 });
      expect(Math.abs(r.auc - 0.5)).toBeLessThanOrEqual(0.03);
    }
    // Without the margins (min z 0 for the class weight and for early stopping: the higher validation
    // AP wins, and any tree that lowers the validation loss is kept) a noise-fitted model is kept on
    // some seed and scores the test days away from 0.5, so the control fails.
    const unguarded = seeds.map((seed) =>
      controlAuc(data.ds, shuffledLabels(data.ytr, seed), 'gbdt', {
        gbdt: { ...opts.gbdt, earlyStoppingMinZ: 0 },
        classWeightMinZ: 0,
      }),
    );
    const cw = (r: (typeof unguarded)[number]) => r.training.class_weight as Choice;
    console.log(
      `class weight on shuffled labels: guarded z ${guarded.map((r) => cw(r).improvement_z.toFixed(1)).join(' ')}; unguarded ${unguarded.map((r) => `${cw(r).chosen} ${r.auc.toFixed(4)}`).join(', ')}`,
    );
    expect(unguarded.some((r) => Math.abs(r.auc - 0.5) > 0.03)).toBe(true);
  });

  it('explicit class weights win over the default choice', () => {
    const flag = controlAuc(data.ds, data.ytr, 'gbdt', { ...opts, classWeight: 'balanced' });
    expect(flag.training.class_weight).toMatchObject({
      mode: 'balanced',
      chosen: 'balanced',
      reason: 'given',
    });
    expect(flag.model.params).toMatchObject({ classWeight: 'balanced' });
    // a classWeight in the model params wins over the option
    const param = controlAuc(data.ds, data.ytr, 'logreg', {
      classWeight: 'balanced',
      logreg: { classWeight: 'none' },
    });
    expect(param.training.class_weight).toMatchObject({ mode: 'none', chosen: 'none' });
    expect(param.model.params).toMatchObject({ classWeight: 'none' });
  });

  it('logistic regression with the validation check: every shuffled-label run is intercept-only (ROC AUC 0.5), real labels keep their weights', () => {
    const real = controlAuc(data.ds, data.ytr, 'logreg');
    expect(real.training).toMatchObject({ kept: true, min_z: 3, refit: { rows: data.train.length } });
    expect(real.auc).toBeGreaterThan(0.85);
    const runs = [1, 2, 3, 4, 5].map((seed) => controlAuc(data.ds, shuffledLabels(data.ytr, seed), 'logreg'));
    console.log(
      `logreg shuffled-label control: real ${real.auc.toFixed(4)} (z ${Number(real.training.improvement_z).toFixed(1)}), shuffled ${runs.map((r) => `${r.auc.toFixed(4)} (z ${Number(r.training.improvement_z).toFixed(1)})`).join(' ')}`,
    );
    for (const r of runs) {
      expect(Math.abs(r.auc - 0.5)).toBeLessThanOrEqual(0.03);
      expect(r.training).toMatchObject({ kept: false, intercept_only: true, refit: null });
      // the constant is the permuted labels' rate (= the real rate), not the class-weighted 0.5
      const rate = data.ytr.reduce((a, b) => a + b, 0) / data.ytr.length;
      expect(r.model.predictProbaRow(new Float64Array(data.ds.nCols))).toBeCloseTo(rate, 2);
    }
  });

  it("catches a feature computed from the row's own label, when labels are permuted at the source", () => {
    // The leak: a feature derived from the label column (here the label itself, 20% of values flipped),
    // computed by the pipeline for training and test rows alike. Permuting the training labels before
    // the features are built, the leaky feature follows the permuted labels in training and the real
    // ones in the test period, so the control's ROC AUC is far above 0.53: the criterion fails.
    const { ds, train } = data;
    for (const seed of [1, 2]) {
      const permuted = Float64Array.from(ds.y);
      shuffledLabels(data.ytr, seed).forEach((v, i) => {
        permuted[train[i]!] = v;
      });
      const leaky = withColumn(ds, 'label_leak', leakFrom(permuted));
      expect(controlAuc(leaky, shuffledLabels(data.ytr, seed), 'gbdt', leakOpts).auc).toBeGreaterThan(0.7);
      expect(controlAuc(leaky, shuffledLabels(data.ytr, seed), 'logreg').auc).toBeGreaterThan(0.7);
    }
  });

  it('does not see a leaky column that is not rebuilt from the permuted labels (features.test.ts does)', () => {
    // A copy of the real label in the table (20% flipped): with real labels the model finds it (ROC AUC
    // ~1, suspicious in itself); with permuted training labels it is unrelated to what the model is fitted
    // to, so the control stays at 0.5 and passes. The control cannot detect this kind of leak.
    const leaky = withColumn(data.ds, 'label_copy', leakFrom(data.ds.y));
    expect(controlAuc(leaky, data.ytr).auc).toBeGreaterThan(0.95);
    for (const seed of [1, 2]) {
      const r = controlAuc(leaky, shuffledLabels(data.ytr, seed), 'gbdt', leakOpts);
      expect(Math.abs(r.auc - 0.5)).toBeLessThanOrEqual(0.03);
    }
  });

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
    expect(tr.stderr).not.toMatch(/error/); // progress only
    expect(tr.code).toBe(0);
    expect(tr.stdout).toMatch(/trained gbdt on \d+ rows/);
    expect(tr.stdout).toMatch(
      /early stopping: fit on \d+ rows, validated on \d+ \(2024-06-13 to 2024-06-14\)/,
    );
    expect(tr.stdout).toMatch(/class weight: (none|balanced) \(balanced validation AP [\d.]+ .*z -?[\d.]+/);
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
    // default early stopping: validation on the last 15% of the 14 training days, then a refit
    expect(lm.file.fraud.split.valid_rows).toBeGreaterThan(0);
    expect(lm.file.training).toMatchObject({ early_stopping_rounds: 20, early_stopping_min_z: 3 });
    expect(Number(lm.file.training!.best_iteration)).toBeGreaterThan(0);
    expect(lm.file.fraud.reference_profile?.fields.x1).toBeDefined();
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
    const lrFile = loadModelFile(path.join(dir, 'lr.json')).file;
    expect(lrFile.algo).toBe('logreg');
    // validation check on the last training day(s): x1 predicts the label, so the weights are kept
    expect(lrFile.training).toMatchObject({ selection: 'validation-vs-intercept', kept: true, min_z: 3 });
    expect(lrFile.training!.class_weight).toMatchObject({ mode: 'auto', min_z: 3 });
    expect(lrFile.fraud.split.valid_rows).toBeGreaterThan(0);
    expect(Number(lrFile.metrics.roc_auc)).toBeGreaterThan(0.8);
  });

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
      [
        ['train', '--data', csv, '--model', model, '--features', 'x1', '--class-weight', 'heavy'],
        /--class-weight must be none, balanced or auto/,
      ],
      [
        ['train', '--data', csv, '--model', model, '--features', 'x1', '--subsample', '0'],
        /--subsample must be > 0/,
      ],
      [['train', '--data', path.join(dir, 'absent.csv'), '--model', model], /no such file/],
      [
        [
          'train',
          '--data',
          csv,
          '--model',
          path.join(csv, 'm.json'),
          '--label',
          'outcome',
          '--features',
          'x1',
        ],
        /is not a folder/,
      ],
      [['train', '--data', csv, '--model', model, '--bogus'], /Unknown option/],
      [['evaluate', '--model', csv, '--data', csv], /invalid model file/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    results.forEach((res, i) => {
      expect(res.code, cases[i]![0].join(' ')).toBe(2);
      expect(res.stderr).toMatch(cases[i]![1]);
      expect(res.stderr.split('\n').filter((l) => l.startsWith('synfinance'))).toHaveLength(1);
    });
  });
});
