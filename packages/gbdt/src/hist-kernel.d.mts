export function accumulateRows(
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
): void;
export function accumulateGradHess(
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
): void;
