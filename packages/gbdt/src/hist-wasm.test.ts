import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assembleHistKernel, WASM } from '../scripts/build-hist-wasm.mjs';
import { type GbdtParams, trainGbdt } from './gbdt.ts';
import { randomHistInputs } from './hist-fixture.ts';
import { accumulateGradHess, accumulateRows } from './hist-kernel.mjs';
import { wasmHistKernel } from './hist-wasm.mjs';
import { makeClassification } from './synthetic.ts';

describe('the WebAssembly histogram kernel', () => {
  it('is the committed binary of hist-kernel.wat', async () => {
    expect(Buffer.from(readFileSync(WASM)).equals(Buffer.from(await assembleHistKernel()))).toBe(true);
  });

  for (const stride of [2, 3] as const) {
    it(`adds the same sums as the JavaScript kernel (${stride === 3 ? 'with' : 'without'} row counts)`, () => {
      const t = randomHistInputs(3001, 13, 40, stride);
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
