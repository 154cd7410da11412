// Random histogram-kernel inputs in one shared WebAssembly memory, as the fit lays them out: 16-bit
// bins row-major, rows in a scattered order (as deep nodes hold them), gradients and hessians. Used by
// the kernel test (the JavaScript kernel is the reference) and bench/gbdt-kernel.ts.
import { Rng } from '@polymorph/random/rng';
import { sharedWasmMemory, type WasmMemory } from './hist-wasm.mjs';

export interface HistFixture {
  memory: WasmMemory;
  bins: Uint16Array;
  rows: Uint32Array;
  grad: Float64Array;
  hess: Float64Array;
  /** this thread's histogram inside the memory (the WebAssembly kernel builds there) */
  scratch: Float64Array;
  feats: Int32Array;
  histLength: number;
}

export function randomHistInputs(
  nRows: number,
  nFeatures: number,
  binsPerFeature: number,
  stride: 2 | 3,
  seed = 12345,
): HistFixture {
  const histLength = nFeatures * binsPerFeature * stride;
  const bytes = [nRows * nFeatures * 2, nRows * 4, nRows * 8, nRows * 8, histLength * 8].map(
    (b) => Math.ceil(b / 16) * 16,
  );
  const memory = sharedWasmMemory(Math.ceil(bytes.reduce((a, b) => a + b) / 65_536));
  let at = 0;
  const place = (k: number) => {
    const o = at;
    at += bytes[k]!;
    return o;
  };
  const bins = new Uint16Array(memory.buffer, place(0), nRows * nFeatures);
  const rows = new Uint32Array(memory.buffer, place(1), nRows);
  const grad = new Float64Array(memory.buffer, place(2), nRows);
  const hess = new Float64Array(memory.buffer, place(3), nRows);
  const scratch = new Float64Array(memory.buffer, place(4), histLength);
  const rng = new Rng(seed);
  const rand = () => rng.next();
  for (let r = 0; r < nRows; r++) {
    for (let f = 0; f < nFeatures; f++)
      bins[r * nFeatures + f] = f * binsPerFeature + Math.floor(rand() * binsPerFeature);
    grad[r] = rand() - 0.5;
    hess[r] = rand() * 0.25;
  }
  for (let i = 0; i < nRows; i++) rows[i] = (i * 7919) % nRows;
  const feats = Int32Array.from({ length: nFeatures }, (_, f) => f);
  return { memory, bins, rows, grad, hess, scratch, feats, histLength };
}
