/**
 * One GBDT fit on synthetic data, for profiling (`node --cpu-prof`) and for checking that a change keeps
 * the trees: prints the fit time and a checksum of every split and leaf value.
 *
 *   node --import tsx [--cpu-prof --cpu-prof-dir=bench/out/prof] bench/gbdt-profile.ts
 *   env: PROF_ROWS (200000), PROF_COLS (50), PROF_TREES (50), PROF_DEPTH (3), PROF_THREADS (1),
 *        PROF_MISSING (0.05, share of NaN in column 1), PROF_BASELINE (a checkout whose trainGbdt is
 *        fitted alternately with ours, e.g. /work/main), PROF_REPS (1)
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { trainGbdt } from '../packages/gbdt/src/gbdt.ts';
import { makeClassification } from '../packages/gbdt/src/synthetic.ts';

const env = (k: string, d: number) => Number(process.env[k] ?? d);
const d = makeClassification(env('PROF_ROWS', 200_000), env('PROF_COLS', 50), 7, env('PROF_MISSING', 0.05));
// A few low-cardinality columns, as in the fraud features (counts, flags).
const { nRows, data } = d.X;
for (let c = 5; c < Math.min(d.X.nCols, 15); c++) {
  for (let r = 0; r < nRows; r++) data[c * nRows + r] = Math.round(Math.abs(data[c * nRows + r]!) * (c - 4));
}
const params = {
  nTrees: env('PROF_TREES', 50),
  maxDepth: env('PROF_DEPTH', 3),
  learningRate: 0.3,
  lambda: 1,
  minHessianLeaf: 1,
  minSamplesLeaf: 1,
  maxBins: 256,
  baseScore: 0.5,
};
const baseDir = process.env.PROF_BASELINE;
const fits: Array<[string, typeof trainGbdt]> = [['ours', trainGbdt]];
if (baseDir) {
  const mod: { trainGbdt: typeof trainGbdt } = await import(
    path.resolve(baseDir, 'packages/gbdt/src/gbdt.ts')
  );
  fits.push(['baseline', mod.trainGbdt]);
}
for (let rep = 0; rep < env('PROF_REPS', 1); rep++) {
  for (const [name, fitModel] of fits) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const m = fitModel(d.X, d.y, params, { threads: env('PROF_THREADS', 1) });
    const secs = (performance.now() - t0) / 1000;
    // CPU time of the process: on a shared machine, closer to the work done than the wall time.
    const cpu = process.cpuUsage(c0);
    const cpuSecs = (cpu.user + cpu.system) / 1e6;
    const h = createHash('sha256');
    const t = m.trees;
    for (const a of [t.feature, t.threshold, t.left, t.defaultLeft, t.value])
      h.update(new Uint8Array(a.buffer));
    const sum = h.digest('hex').slice(0, 16);
    process.stdout.write(
      `${name}: fit ${secs.toFixed(3)} s (CPU ${cpuSecs.toFixed(3)} s), ${t.feature.length} nodes, trees sha256 ${sum}\n`,
    );
  }
}
