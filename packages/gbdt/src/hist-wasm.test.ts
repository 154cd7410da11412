import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assembleHistKernel, WASM } from '../scripts/build-hist-wasm.mjs';
import { type GbdtParams, trainGbdt } from './gbdt.ts';
import { accumulateGradHess, accumulateRows } from './hist-kernel.mjs';
import { sharedWasmMemory, wasmHistKernel } from './hist-wasm.mjs';
import { makeClassification } from './synthetic.ts';

describe('the WebAssembly histogram kernel', () => {
  it('is the committed binary of hist-kernel.wat', async () => {
    expect(Buffer.from(readFileSync(WASM)).equals(Buffer.from(await assembleHistKernel()))).toBe(true);
  });

  // Random bins and gradients in one shared memory; the JavaScript kernel is the reference.
  function setUp(nRows: number, nFeatures: number, binsPerFeature: number, stride: 2 | 3) {
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
    let s = 12345;
    const rand = () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s / 2 ** 31;
    };
    for (let r = 0; r < nRows; r++) {
      for (let f = 0; f < nFeatures; f++)
        bins[r * nFeatures + f] = f * binsPerFeature + Math.floor(rand() * binsPerFeature);
      grad[r] = rand() - 0.5;
      hess[r] = rand() * 0.25;
    }
    // rows in a scattered order, as deep nodes have them
    for (let i = 0; i < nRows; i++) rows[i] = (i * 7919) % nRows;
    const feats = Int32Array.from({ length: nFeatures }, (_, f) => f);
    return { memory, bins, rows, grad, hess, scratch, feats, histLength };
  }

  for (const stride of [2, 3] as const) {
    it(`adds the same sums as the JavaScript kernel (${stride === 3 ? 'with' : 'without'} row counts)`, () => {
      const t = setUp(3001, 13, 40, stride);
      const js = stride === 3 ? accumulateRows : accumulateGradHess;
      const kernel = wasmHistKernel(t.memory, t.scratch, stride === 3);
      const want = new Float64Array(t.histLength);
      js(want, t.bins, 13, t.feats, 13, t.rows, 17, 2900, t.grad, t.hess);
      // into another histogram (through the scratch) ...
      const got = new Float64Array(t.histLength);
      kernel(got, t.bins, 13, t.feats, 13, t.rows, 17, 2900, t.grad, t.hess);
      expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
      // ... and in place, adding to what is there
      t.scratch.fill(0);
      kernel(t.scratch, t.bins, 13, t.feats, 13, t.rows, 17, 1000, t.grad, t.hess);
      kernel(t.scratch, t.bins, 13, t.feats, 13, t.rows, 1000, 2900, t.grad, t.hess);
      const twoSteps = new Float64Array(t.histLength);
      js(twoSteps, t.bins, 13, t.feats, 13, t.rows, 17, 1000, t.grad, t.hess);
      js(twoSteps, t.bins, 13, t.feats, 13, t.rows, 1000, 2900, t.grad, t.hess);
      expect([...t.scratch]).toEqual([...twoSteps]);
      expect(t.scratch.some((v) => v !== 0)).toBe(true);
    });
  }

  const cases: Array<[string, Partial<GbdtParams>, number]> = [
    ["XGBoost's settings (no row counts)", { minSamplesLeaf: 1, minHessianLeaf: 1, baseScore: 0.5 }, 1],
    ['the defaults (row counts)', {}, 1],
    [
      'a column sample (the JavaScript kernel for those nodes)',
      { colsampleBytree: 0.6, minSamplesLeaf: 1 },
      1,
    ],
    ['two threads', { minSamplesLeaf: 1, minHessianLeaf: 1 }, 2],
  ];
  for (const [name, p, threads] of cases) {
    it(`grows the same trees as the JavaScript kernel: ${name}`, () => {
      const d = makeClassification(12_000, 9, 3, 0.05);
      const params = { nTrees: 12, maxDepth: 4, learningRate: 0.3, ...p };
      const js = trainGbdt(d.X, d.y, params, { threads, histKernel: 'js' });
      const wasm = trainGbdt(d.X, d.y, params, { threads, histKernel: 'wasm' });
      expect(js.trees.feature.length).toBeGreaterThan(12);
      for (const k of ['feature', 'threshold', 'left', 'defaultLeft', 'value', 'cover'] as const)
        expect([...wasm.trees[k]], k).toEqual([...js.trees[k]]);
    });
  }
});
