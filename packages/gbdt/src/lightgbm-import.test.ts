// LightGBM text models imported here against LightGBM itself. LightGBM cannot run on this machine, so
// the parity test uses a model LightGBM wrote and the predictions LightGBM made with it, vendored from
// dmitryikh/leaves (MIT; see fixtures/lightgbm/README.md). That model only has splits of missing type
// None; the Zero and NaN types are checked against a hand-written model (not produced by LightGBM) and
// a transcription of LightGBM's own decision rule, on every combination of awkward values.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sigmoid } from './gbdt.ts';
import { prevDouble } from './import-common.ts';
import { importLightgbmText, LIGHTGBM_ZERO as Z } from './lightgbm-import.ts';
import { matrixFromColumns } from './matrix.ts';
import { ModelFormatError, parseModel, stringifyModel } from './model-io.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/lightgbm/${name}`, import.meta.url), 'utf8');
const numbersIn = (text: string) => (text.trim() === '' ? [] : text.trim().split(/\s+/).map(Number));
const bcModel = fixture('lg_dart_breast_cancer.model');

function breastCancerRows(): number[][] {
  return fixture('breast_cancer_test.tsv')
    .trim()
    .split('\n')
    .map((l) => l.split('\t').map(Number));
}

const columns = (rows: number[][]) =>
  matrixFromColumns(rows[0]!.map((_, c) => Float64Array.from(rows, (r) => r[c]!)));

function worstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('a model LightGBM wrote (binary DART, breast cancer, 10 trees)', () => {
  const rows = breastCancerRows();
  const theirProba = numbersIn(fixture('lg_dart_breast_cancer_true_predictions.txt'));
  const theirRaw = numbersIn(fixture('lg_dart_breast_cancer_true_raw_predictions.txt'));

  it('predicts what LightGBM predicted, within 1e-6 on every row', () => {
    const { model, source } = importLightgbmText(bcModel);
    expect(source).toEqual({
      format: 'lightgbm-text',
      version: 'v2',
      objective: 'binary sigmoid:1',
      trees: 10,
    });
    expect(model.featureNames[29]).toBe('Column_29');
    expect(rows.length).toBe(57);
    const X = columns(rows);
    expect(worstDiff(model.predictProba(X), theirProba)).toBeLessThan(1e-6);
    expect(worstDiff(model.predictRaw(X), theirRaw)).toBeLessThan(1e-6);
    const byRow = rows.map((r) => model.predictRawRowNodes(r));
    expect(worstDiff(byRow, theirRaw)).toBeLessThan(1e-6);
  });

  it('keeps its predictions through our model file', () => {
    const { model } = importLightgbmText(bcModel);
    const back = parseModel(stringifyModel(model, { createdAt: '2026-12-06T00:00:00.000Z' }));
    const X = columns(rows);
    expect(worstDiff(back.model.predictProba(X), theirProba)).toBeLessThan(1e-6);
  });

  it('folds sigmoid:k into the leaves (probability = 1 / (1 + exp(-k * raw)))', () => {
    const { model } = importLightgbmText(
      bcModel.replace('objective=binary sigmoid:1', 'objective=binary sigmoid:2'),
    );
    const want = theirRaw.map((r) => sigmoid(2 * r));
    expect(worstDiff(model.predictProba(columns(rows)), want)).toBeLessThan(1e-6);
  });

  it('takes given feature names only when they match the file', () => {
    const names = Array.from({ length: 30 }, (_, i) => `Column_${i}`);
    expect(importLightgbmText(bcModel, names).model.featureNames).toEqual(names);
    expect(() => importLightgbmText(bcModel, names.slice(1))).toThrow(/30 features, 29 names/);
  });
});

/** LightGBM's prediction rule (tree.h NumericalDecision; c_api zeroes dense values within ±kZeroThreshold). */
function lightgbmDecidesLeft(v: number, decisionType: number, threshold: number): boolean {
  let x = !Number.isNaN(v) && Math.abs(v) <= Z ? 0 : v;
  const missing = (decisionType >> 2) & 3;
  if (Number.isNaN(x) && missing !== 2) x = 0;
  if ((missing === 1 && x >= -Z && x <= Z) || (missing === 2 && Number.isNaN(x)))
    return (decisionType & 2) !== 0;
  return x <= threshold;
}

/** The hand-written model's trees read independently of the importer, scored by that rule. */
function referenceRaw(text: string, row: number[]): number {
  let sum = 0;
  for (const block of text.split(/\nTree=\d+\n/).slice(1)) {
    const f = new Map(
      block.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const arr = (k: string) => numbersIn(f.get(k) ?? '');
    const [feat, thr, dt, lc, rc, leaf] = [
      'split_feature',
      'threshold',
      'decision_type',
      'left_child',
      'right_child',
      'leaf_value',
    ].map(arr);
    let node = feat!.length === 0 ? -1 : 0;
    while (node >= 0)
      node = lightgbmDecidesLeft(row[feat![node]!]!, dt![node]!, thr![node]!) ? lc![node]! : rc![node]!;
    sum += leaf![~node]!;
  }
  return sum;
}

describe('missing types None, Zero and NaN (hand-written model, not produced by LightGBM)', () => {
  const text = fixture('handmade-missing-types.txt');
  const awkward = [
    Number.NaN,
    0,
    -0,
    1e-36,
    -1e-36,
    Z,
    -Z,
    prevDouble(Z),
    prevDouble(-Z),
    -prevDouble(-Z),
    1e-30,
    -1e-30,
    1.5,
    prevDouble(1.5),
    0.5,
    -0.25,
    -2,
    prevDouble(-2),
    3,
    -3,
  ];

  it('routes every combination of awkward values as LightGBM does', () => {
    const { model } = importLightgbmText(text);
    const rows: number[][] = [];
    for (const a of awkward) for (const b of awkward) for (const c of awkward) rows.push([a, b, c]);
    const want = rows.map((r) => referenceRaw(text, r));
    expect(new Set(want).size).toBeGreaterThan(10);
    expect(worstDiff(model.predictRaw(columns(rows)), want)).toBeLessThan(1e-12);
    expect(
      worstDiff(
        rows.map((r) => model.predictRawRowNodes(r)),
        want,
      ),
    ).toBeLessThan(1e-12);
  });

  it('keeps covers and counts, and a single-leaf tree', () => {
    const { model, source } = importLightgbmText(text);
    expect(source.trees).toBe(4);
    const { roots, feature, value, count } = model.trees;
    expect(count[roots[0]!]).toBe(100);
    expect(feature[roots[3]!]).toBe(-1);
    expect(value[roots[3]!]).toBe(0.125);
  });
});

describe('what is refused, with an error naming it', () => {
  const bad = (edit: (t: string) => string) => () => importLightgbmText(edit(bcModel));
  it.each([
    [
      'categorical splits',
      (t: string) => t.replace('num_cat=0', 'num_cat=1'),
      /Tree=0 has categorical splits/,
    ],
    [
      'a categorical decision type',
      (t: string) => t.replace(/decision_type=2 /, 'decision_type=3 '),
      /categorical split/,
    ],
    [
      'multi-class',
      (t: string) => t.replace('num_class=1', 'num_class=3'),
      /multi-class models are not supported/,
    ],
    [
      'another objective',
      (t: string) => t.replace('objective=binary sigmoid:1', 'objective=regression'),
      /objective regression is not supported/,
    ],
    ['linear trees', (t: string) => t.replace('num_cat=0', 'num_cat=0\nis_linear=1'), /linear tree/],
    [
      'random forests',
      (t: string) => t.replace('max_feature_idx', 'average_output\nmax_feature_idx'),
      /random forest/,
    ],
    ['a truncated file', (t: string) => t.slice(0, 5000), /truncated/],
    ['JSON', () => '{"learner": {}}', /not a LightGBM text model/],
    [
      'a child out of range',
      (t: string) => t.replace('left_child=1 2 3 5 -2', 'left_child=1 2 3 50 -2'),
      /not a tree/,
    ],
    [
      'a tree count unlike tree_sizes',
      (t: string) => t.replace('tree_sizes=836 ', 'tree_sizes='),
      /tree_sizes lists 9 trees/,
    ],
  ])('%s', (_what, edit, message) => {
    expect(bad(edit)).toThrow(ModelFormatError);
    expect(bad(edit)).toThrow(message);
  });
});
