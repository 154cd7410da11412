// A histogram worker (see hist-workers.ts): waits for a task on its control word, adds its share of
// the node's rows into its own shared histogram, signals done.
import { workerData } from 'node:worker_threads';
import { accumulateGradHess, accumulateRows } from './hist-kernel.mjs';
import { wasmHistKernel } from './hist-wasm.mjs';

const { ctrl, hist, bins, nFeatures, feats, rows, grad, hess, counts, memory } = workerData;
// With the WebAssembly kernel this worker's histogram lives in the shared memory: built in place.
const kernel = memory ? wasmHistKernel(memory, hist, counts) : counts ? accumulateRows : accumulateGradHess;
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
