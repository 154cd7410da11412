import { Worker } from 'node:worker_threads';
import { accumulateGradHess, accumulateRows, type HistKernel } from './hist-kernel.mjs';
import { type WasmMemory, wasmHistKernel } from './hist-wasm.mjs';

/** The arrays every histogram reads; in SharedArrayBuffers when worker threads share the work. */
export interface HistInputs {
  bins: Uint16Array | Uint32Array;
  nFeatures: number;
  feats: Int32Array;
  rows: Uint32Array;
  grad: Float64Array;
  hess: Float64Array;
  /** grad, hess, count per bin (accumulateRows) or grad, hess only (accumulateGradHess). */
  counts: boolean;
  /**
   * The WebAssembly kernel: bins (Uint16), rows, grad and hess are views on `memory`, which also holds
   * one histogram per thread, `hists[t]` (main thread first). Without it, the JavaScript kernel.
   */
  wasm?: { memory: WasmMemory; hists: Float64Array[] };
}

const SEQ = 0;
const START = 1;
const END = 2;
const NFEATS = 3;
const DONE = 4;
/** A worker that has not finished its share in this long is taken as dead (the fit throws). */
const WORKER_TIMEOUT_MS = 300_000;

/**
 * Builds one node's histogram on several threads: the node's rows are cut into equal contiguous shares,
 * the main thread adds the first share into the target histogram while each worker adds its share into
 * its own, then the workers' histograms are added in worker order (so a given thread count always
 * gives the same sums). Workers are synchronised with Atomics on a shared control word, so a fit stays
 * synchronous. Call close() when the fit ends.
 */
export class HistPool {
  private readonly workers: Worker[] = [];
  private readonly ctrl: Int32Array[] = [];
  private readonly hists: Float64Array[] = [];
  private seq = 0;
  private readonly kernel: HistKernel;

  constructor(
    private readonly inputs: HistInputs,
    nThreads: number,
    histLength: number,
  ) {
    const { wasm } = inputs;
    this.kernel = wasm
      ? wasmHistKernel(wasm.memory, wasm.hists[0]!, inputs.counts)
      : inputs.counts
        ? accumulateRows
        : accumulateGradHess;
    const shared = <T extends { buffer: ArrayBufferLike }>(x: T): T => {
      if (!(x.buffer instanceof SharedArrayBuffer)) throw new TypeError('HistPool needs shared arrays');
      return x;
    };
    for (let i = 1; i < nThreads; i++) {
      const ctrl = new Int32Array(new SharedArrayBuffer(8 * 4));
      const hist = wasm ? wasm.hists[i]! : new Float64Array(new SharedArrayBuffer(histLength * 8));
      // Views on shared memory cross to the worker with their offsets, so the WebAssembly kernel there
      // finds the same arrays at the same places in the same memory.
      const w = new Worker(new URL('./hist-worker.mjs', import.meta.url), {
        workerData: {
          ctrl,
          hist: shared(hist),
          bins: shared(inputs.bins),
          nFeatures: inputs.nFeatures,
          feats: shared(inputs.feats),
          rows: shared(inputs.rows),
          grad: shared(inputs.grad),
          hess: shared(inputs.hess),
          counts: inputs.counts,
          memory: wasm?.memory ?? null,
        },
      });
      w.unref();
      this.workers.push(w);
      this.ctrl.push(ctrl);
      this.hists.push(hist);
    }
  }

  /** hist (zeroed by the caller) += the histogram of rows[start..end) over feats[0..nFeats). */
  build(hist: Float64Array, start: number, end: number, nFeats: number): void {
    const { bins, nFeatures, feats, rows, grad, hess } = this.inputs;
    const nT = this.workers.length + 1;
    const m = end - start;
    // Small nodes: not worth waking the workers.
    if (nT === 1 || m < 4096) {
      this.kernel(hist, bins, nFeatures, feats, nFeats, rows, start, end, grad, hess);
      return;
    }
    const seq = ++this.seq;
    const share = Math.ceil(m / nT);
    for (let i = 0; i < this.workers.length; i++) {
      const c = this.ctrl[i]!;
      c[START] = start + share * (i + 1);
      c[END] = Math.min(end, start + share * (i + 2));
      c[NFEATS] = nFeats;
      Atomics.store(c, SEQ, seq);
      Atomics.notify(c, SEQ);
    }
    this.kernel(hist, bins, nFeatures, feats, nFeats, rows, start, Math.min(end, start + share), grad, hess);
    for (let i = 0; i < this.workers.length; i++) {
      const c = this.ctrl[i]!;
      for (;;) {
        const done = Atomics.load(c, DONE);
        if (done === seq) break;
        if (Atomics.wait(c, DONE, done, WORKER_TIMEOUT_MS) === 'timed-out') {
          throw new Error('a histogram worker thread did not answer (fit with threads: 1)');
        }
      }
      const h = this.hists[i]!;
      for (let k = 0; k < hist.length; k++) hist[k]! += h[k]!;
    }
  }

  close(): void {
    for (const c of this.ctrl) {
      Atomics.store(c, SEQ, -1);
      Atomics.notify(c, SEQ);
    }
    for (const w of this.workers) void w.terminate();
  }
}
