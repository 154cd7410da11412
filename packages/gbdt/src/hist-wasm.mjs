// The WebAssembly histogram kernel (hist-kernel.wat) behind the same signature as the JavaScript one,
// in plain JavaScript so that the worker threads load it too (hist-worker.mjs).
import { readFileSync } from 'node:fs';
import { accumulateGradHess, accumulateRows } from './hist-kernel.mjs';

let compiled = null;

/** The compiled module, once per thread. */
function histWasmModule() {
  compiled ??= new WebAssembly.Module(readFileSync(new URL('./hist-kernel.wasm', import.meta.url)));
  return compiled;
}

/**
 * A histogram kernel running in WebAssembly on `memory`. The caller guarantees that bins (Uint16),
 * rows, grad and hess are views on that memory, and `scratch` too (this thread's histogram there).
 * Called with hist === scratch it adds into scratch in place; with any other histogram it builds into
 * scratch and adds that (the rows' sums are the same either way). A column sample (nFeats < nFeatures)
 * goes to the JavaScript kernel.
 */
export function wasmHistKernel(memory, scratch, counts) {
  const exports = new WebAssembly.Instance(histWasmModule(), { env: { mem: memory } }).exports;
  const acc = counts ? exports.accRows : exports.accGradHess;
  const js = counts ? accumulateRows : accumulateGradHess;
  return (hist, bins, nFeatures, feats, nFeats, rows, start, end, grad, hess) => {
    if (nFeats !== nFeatures) {
      js(hist, bins, nFeatures, feats, nFeats, rows, start, end, grad, hess);
      return;
    }
    if (hist !== scratch) scratch.fill(0);
    acc(
      scratch.byteOffset,
      bins.byteOffset,
      nFeatures,
      rows.byteOffset,
      start,
      end,
      grad.byteOffset,
      hess.byteOffset,
    );
    if (hist !== scratch) for (let k = 0; k < hist.length; k++) hist[k] += scratch[k];
  };
}

/** A shared WebAssembly memory of `pages` 64 KiB pages that cannot grow (views on it stay valid). */
export function sharedWasmMemory(pages) {
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}
