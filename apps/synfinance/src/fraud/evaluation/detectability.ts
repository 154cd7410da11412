// Development check of generated data: can fraud be found from behaviour alone? Computes the fraud
// model's history features (../features: the one implementation that training and the scoring API
// use; labels and fraud_*/anomaly_* columns are never read), trains the repo's GBDT on 70% of
// customers and reports PR AUC (average precision) on the other 30%. It lives with the fraud model,
// not the generator, so that the generator never depends on the model.
// Usage: npx tsx apps/synfinance/src/fraud/evaluation/detectability.ts FILE.csv
import { trainGbdt } from '@polymorph/gbdt/gbdt';
import { matrixFromRows } from '@polymorph/gbdt/matrix';
import { loadDataset } from '../features/dataset.ts';
import { averagePrecision } from './metrics.ts';

export async function historyFeatures(
  file: string,
): Promise<{ X: number[][]; y: number[]; cust: string[]; types: string[] }> {
  const ds = await loadDataset(file);
  const X = Array.from({ length: ds.nRows }, (_, i) =>
    Array.from(ds.X.subarray(i * ds.nCols, (i + 1) * ds.nCols)),
  );
  return { X, y: Array.from(ds.y), cust: ds.cardIds!, types: ds.fraudTypes!.map((t) => t ?? '') };
}

export async function detectability(file: string, nTrees = 120): Promise<{ ap: number; testFrauds: number }> {
  const { X, y, cust } = await historyFeatures(file);
  const bucket = (s: string) => {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
    return Math.abs(h) % 10;
  };
  const train: number[] = [];
  const test: number[] = [];
  for (const [i, c] of cust.entries()) (bucket(c) < 7 ? train : test).push(i);
  const model = trainGbdt(
    matrixFromRows(train.map((i) => X[i]!)),
    train.map((i) => y[i]!),
    { nTrees, maxDepth: 6, learningRate: 0.1 },
  );
  const scores = model.predictRaw(matrixFromRows(test.map((i) => X[i]!)));
  const yt = test.map((i) => y[i]!);
  return { ap: averagePrecision(yt, scores), testFrauds: yt.filter(Boolean).length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: tsx detectability.ts FILE.csv\n');
    process.exit(2);
  }
  const r = await detectability(file);
  process.stdout.write(
    `PR AUC (average precision) on held-out customers: ${r.ap.toFixed(3)} (${r.testFrauds} frauds)\n`,
  );
}
