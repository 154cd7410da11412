/** hist += the histogram of rows[start..end) over feats[0..nFeats) (see hist-kernel.mjs). */
export type HistKernel = (
  hist: Float64Array,
  bins: Uint16Array | Uint32Array,
  nFeatures: number,
  feats: Int32Array,
  nFeats: number,
  rows: Uint32Array,
  start: number,
  end: number,
  grad: Float64Array,
  hess: Float64Array,
) => void;

export const accumulateRows: HistKernel;
export const accumulateGradHess: HistKernel;
