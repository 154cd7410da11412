// npm run bench:gbdt-kernel — the GBDT histogram kernel alone: JavaScript (hist-kernel.mjs) against
// WebAssembly (hist-kernel.wat), with and without row counts, on random 16-bit bins in a scattered row
// order (as deep nodes hold them). Reps alternate the kernels so load that comes and goes hits both;
// medians per kernel, nanoseconds per cell (row × feature). Both kernels are first checked to add the
// same sums. Env: BENCH_ROWS (128000), BENCH_FEATURES (52), BENCH_BINS (256 per feature),
// BENCH_PASSES (5 kernel calls per rep), BENCH_REPS (6).
import os from 'node:os';
import { randomHistInputs } from '../packages/gbdt/src/hist-fixture.ts';
import { accumulateGradHess, accumulateRows } from '../packages/gbdt/src/hist-kernel.mjs';
import { wasmHistKernel } from '../packages/gbdt/src/hist-wasm.mjs';

const env = (k: string, d: number) => Number(process.env[k] ?? d);
const ROWS = env('BENCH_ROWS', 128_000);
const FEATURES = env('BENCH_FEATURES', 52);
const BINS = env('BENCH_BINS', 256);
const PASSES = env('BENCH_PASSES', 5);
const REPS = env('BENCH_REPS', 6);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(
  `${ROWS} rows × ${FEATURES} features, ${BINS} bins each, ${PASSES} passes per rep, ${REPS} reps; ` +
    `${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}, Node ${process.version}, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, ${new Date().toISOString()}`,
);
console.log(
  '| row counts | JavaScript ms (median) | WebAssembly ms (median) | ns per cell JS / wasm | wasm speed-up |',
);
console.log('|---|---|---|---|---|');
for (const stride of [2, 3] as const) {
  const t = randomHistInputs(ROWS, FEATURES, BINS, stride);
  const kernels = {
    js: stride === 3 ? accumulateRows : accumulateGradHess,
    wasm: wasmHistKernel(t.memory, t.scratch, stride === 3),
  };
  const run = (name: 'js' | 'wasm', hist: Float64Array) => {
    hist.fill(0);
    const t0 = performance.now();
    for (let p = 0; p < PASSES; p++)
      kernels[name](hist, t.bins, FEATURES, t.feats, FEATURES, t.rows, 0, ROWS, t.grad, t.hess);
    return performance.now() - t0;
  };
  const jsHist = new Float64Array(t.histLength);
  run('js', jsHist);
  run('wasm', t.scratch);
  if (
    !Buffer.from(jsHist.buffer).equals(
      Buffer.from(t.scratch.buffer, t.scratch.byteOffset, t.scratch.byteLength),
    )
  )
    throw new Error('the kernels disagree: the timing would compare different work');
  const ms: Record<'js' | 'wasm', number[]> = { js: [], wasm: [] };
  for (let r = 0; r < REPS; r++) {
    ms.js.push(run('js', jsHist));
    ms.wasm.push(run('wasm', t.scratch));
  }
  const js = median(ms.js);
  const wasm = median(ms.wasm);
  const cells = ROWS * FEATURES * PASSES;
  console.log(
    `| ${stride === 3 ? 'yes' : 'no'} | ${js.toFixed(1)} (${ms.js.map((x) => x.toFixed(0)).join(', ')}) | ` +
      `${wasm.toFixed(1)} (${ms.wasm.map((x) => x.toFixed(0)).join(', ')}) | ` +
      `${((js * 1e6) / cells).toFixed(2)} / ${((wasm * 1e6) / cells).toFixed(2)} | ${(js / wasm).toFixed(2)}× |`,
  );
}
