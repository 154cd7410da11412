import { Rng } from '@polymorph/random/rng';
import { describe, expect, it } from 'vitest';
import { averagePrecision } from '../evaluation/metrics.ts';
import type { Dataset } from '../features/dataset.ts';
import { apImprovementZ } from './class-weight.ts';
import { fitTrainingPeriod } from './train.ts';

/**
 * Rare positives (0.5%) in a narrow pocket, x1 > 0.995, over 80 days. With a minimum hessian per leaf
 * (XGBoost's min_child_weight) an unweighted tree cannot isolate the pocket: at the prior each row
 * weighs p(1-p) ~ 0.005, so a leaf needs ~400 rows. Balanced class weights lift the positives, and
 * one tree finds it.
 */
function pocketDataset(n: number): Dataset {
  const rng = new Rng(5);
  const X = new Float64Array(n * 2);
  const y = new Uint8Array(n);
  const days = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x1 = rng.next();
    X[2 * i] = x1;
    X[2 * i + 1] = rng.next();
    y[i] = rng.next() < (x1 > 0.995 ? 0.9 : 0.0005) ? 1 : 0;
    days[i] = 20_000 + Math.floor((i / n) * 80);
  }
  const names = ['x1', 'x2'];
  return {
    spec: { kind: 'columns', columns: names, categorical: {} },
    featureNames: names,
    nRows: n,
    nCols: 2,
    X,
    y,
    days,
    cardIds: null,
    entityColumn: null,
    fraudTypes: null,
    amounts: null,
    transactionIds: null,
    timeColumn: 'day',
    timeText: null,
    timeSource: 'given',
    timeCandidates: [],
    header: names,
  };
}

describe('class weight chosen on the validation days', () => {
  it("picks 'balanced' where it clearly helps, with the reason recorded", () => {
    const ds = pocketDataset(80_000);
    const rows = Uint32Array.from({ length: ds.nRows }, (_, i) => i);
    const fit = (classWeight?: 'none') =>
      fitTrainingPeriod(ds, rows, ds.y, 'gbdt', { gbdt: { nTrees: 1, minHessianLeaf: 2 }, classWeight });
    const { model, training } = fit();
    const cw = training!.class_weight as {
      chosen: string;
      improvement_z: number;
      valid_ap: Record<string, number>;
    };
    expect(cw).toMatchObject({ mode: 'auto', chosen: 'balanced', min_z: 3 });
    expect(cw.improvement_z).toBeGreaterThan(3);
    expect(cw.valid_ap.balanced! - cw.valid_ap.none!).toBeGreaterThan(0.15);
    expect(model.params).toMatchObject({ classWeight: 'balanced' });
    // the flag wins: none stays none however much better balanced would be
    const given = fit('none');
    expect(given.training!.class_weight).toMatchObject({ mode: 'none', chosen: 'none', reason: 'given' });
  });

  it("without a validation period the default is 'none', recorded as such", () => {
    const ds = pocketDataset(20_000);
    const rows = Uint32Array.from({ length: ds.nRows }, (_, i) => i);
    const { model, training } = fitTrainingPeriod(ds, rows, ds.y, 'logreg', { earlyStoppingRounds: 0 });
    expect(training!.class_weight).toMatchObject({ mode: 'auto', chosen: 'none' });
    expect(model.params).toMatchObject({ classWeight: 'none' });
  });

  it('apImprovementZ: AP as averagePrecision computes it (ties included), z 0 for the same scores', () => {
    const rng = new Rng(3);
    const y = Uint8Array.from({ length: 3000 }, () => (rng.next() < 0.05 ? 1 : 0));
    // rounded scores: many ties
    const a = Float64Array.from(y, (v) => Math.round((v * 0.3 + rng.next()) * 20) / 20);
    const b = Float64Array.from(y, (v) => v * 0.8 + rng.next());
    const c = apImprovementZ(y, a, b);
    expect(c.apBase).toBeCloseTo(averagePrecision(y, a), 12);
    expect(c.apOther).toBeCloseTo(averagePrecision(y, b), 12);
    expect(c.z).toBeGreaterThan(3);
    expect(apImprovementZ(y, a, a).z).toBe(0);
    expect(apImprovementZ(y, b, a).z).toBeLessThan(-3);
  });
});
