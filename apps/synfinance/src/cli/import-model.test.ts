// `synfinance import-model` with a LightGBM text model, as a user runs it: the real CLI process on real
// files, the model file it writes read back and served by the scoring API. LightGBM cannot run here,
// so the model is one LightGBM wrote, with the predictions LightGBM made on its test rows (vendored in
// packages/gbdt/src/fixtures/lightgbm from dmitryikh/leaves, MIT); only its feature names are changed
// (LightGBM's Column_i means "unnamed", which import-model refuses).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testFraudApp } from '../api/test-api.ts';
import { loadModelText } from '../fraud/training/train.ts';
import { REPO_ROOT, runCli, tmpDir } from '../generator/test-helpers.ts';

const dir = tmpDir('sf-import-model-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const f = (name: string) => path.join(dir, name);
const fixture = (name: string) =>
  fs.readFileSync(path.join(REPO_ROOT, 'packages/gbdt/src/fixtures/lightgbm', name), 'utf8');

const NAMES = Array.from({ length: 30 }, (_, i) => `cell_${i}`);
const lightgbmText = fixture('lg_dart_breast_cancer.model');
const named = lightgbmText.replace(/^feature_names=.*$/m, `feature_names=${NAMES.join(' ')}`);
const rows = fixture('breast_cancer_test.tsv')
  .trim()
  .split('\n')
  .map((l) => l.split('\t').map(Number));
const theirs = fixture('lg_dart_breast_cancer_true_predictions.txt').trim().split('\n').map(Number);

describe('synfinance import-model with a LightGBM text model', () => {
  it('writes a model file (format recognised from the content) that predicts what LightGBM predicted', () => {
    fs.writeFileSync(f('lgbm.txt'), named);
    const r = runCli(['import-model', '--model', f('lgbm.txt'), '--out', f('imported.json')]);
    expect(r.stderr).toMatch(/imported 30-feature LightGBM model \(named columns\) as lightgbm-/);
    expect(r.status).toBe(0);
    const lm = loadModelText(fs.readFileSync(f('imported.json'), 'utf8'));
    expect(lm.version).toMatch(/^lightgbm-/);
    expect(lm.spec).toEqual({ kind: 'columns', columns: NAMES, categorical: {} });
    expect(lm.file.training).toMatchObject({ imported_from: { format: 'lightgbm-text', trees: 10 } });
    let worst = 0;
    rows.forEach((row, i) => {
      worst = Math.max(worst, Math.abs(lm.model.predictProbaRow(row) - theirs[i]!));
    });
    expect(worst).toBeLessThan(1e-6);
  });

  it('is served by the scoring API with LightGBM’s probability and reasons on every row', async () => {
    const api = await testFraudApp({
      modelPath: f('imported.json'),
      adminApiKey: 'admin-secret',
      minFeedback: 5,
    });
    try {
      for (const [i, row] of rows.entries()) {
        const transaction = {
          transaction_id: `t${i}`,
          ...Object.fromEntries(NAMES.map((n, j) => [n, row[j]])),
        };
        const res = await api.app.inject({
          method: 'POST',
          url: '/api/fraud/predict',
          payload: { transaction },
        });
        expect(res.statusCode).toBe(200);
        const b = res.json();
        expect(b.model_version).toMatch(/^lightgbm-/);
        expect(Math.abs(b.fraud_probability - theirs[i]!), `row ${i}`).toBeLessThan(1e-6);
        expect(b.top_reasons.length, `row ${i}`).toBeGreaterThan(0);
      }
    } finally {
      await api.app.close();
      api.contract.assertClean();
    }
  });

  it.each([
    ['unnamed features', ['--model', 'unnamed.txt'], lightgbmText, /LightGBM model has no feature names/],
    [
      'categorical splits',
      ['--model', 'cat.txt'],
      named.replace('num_cat=0', 'num_cat=1'),
      /LightGBM model: Tree=0 has categorical splits/,
    ],
    ['multi-class', ['--model', 'multi.txt'], named.replace('num_class=1', 'num_class=3'), /multi-class/],
    [
      'a file that is neither',
      ['--model', 'junk.txt'],
      'a,b\n1,2\n',
      /not an XGBoost JSON model .* nor a LightGBM text model/,
    ],
    [
      'the wrong --format',
      ['--model', 'json.txt', '--format', 'lightgbm'],
      '{}',
      /not a LightGBM text model/,
    ],
    [
      'an unknown --format',
      ['--model', 'x.txt', '--format', 'catboost'],
      named,
      /--format must be xgboost or lightgbm/,
    ],
  ])('refuses %s: one line on stderr, exit 2, no model file', (_what, args, content, message) => {
    const file = f(args[1]!);
    fs.writeFileSync(file, content);
    const out = f(`${args[1]}.json`);
    const r = runCli(['import-model', '--model', file, ...args.slice(2), '--out', out]);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.status).toBe(2);
    expect(fs.existsSync(out)).toBe(false);
  });
});
