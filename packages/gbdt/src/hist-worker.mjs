// A histogram worker (see hist-workers.ts): waits for a task on its control word, adds its share of
// the node's rows into its own shared histogram, signals done.
import { workerData } from 'node:worker_threads';
import { accumulateGradHess, accumulateRows } from './hist-kernel.mjs';

const {
  ctrl: ctrlBuf,
  hist: histBuf,
  bins: binsBuf,
  wide,
  nFeatures,
  feats: featsBuf,
  rows: rowsBuf,
  grad: gradBuf,
  hess: hessBuf,
  counts,
} = workerData;
const kernel = counts ? accumulateRows : accumulateGradHess;
const ctrl = new Int32Array(ctrlBuf);
const hist = new Float64Array(histBuf);
const bins = wide ? new Uint32Array(binsBuf) : new Uint16Array(binsBuf);
const feats = new Int32Array(featsBuf);
const rows = new Uint32Array(rowsBuf);
const grad = new Float64Array(gradBuf);
const hess = new Float64Array(hessBuf);
// ctrl: [0] task sequence (0 = none yet, -1 = stop), [1] start, [2] end, [3] number of features, [4] done sequence
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, 0, seen);
  const seq = Atomics.load(ctrl, 0);
  if (seq === -1) break;
  seen = seq;
  hist.fill(0);
  kernel(hist, bins, nFeatures, feats, ctrl[3], rows, ctrl[1], ctrl[2], grad, hess);
  Atomics.store(ctrl, 4, seq);
  Atomics.notify(ctrl, 4);
}
