// The histogram kernel, in plain JavaScript so that worker threads run it without a TypeScript
// loader (hist-workers.ts); gbdt.ts runs the same function on the main thread.

/**
 * Add rows[start..end) into hist (grad, hess, count per global bin). `bins` is row-major: the global
 * bin (feature offset + bin) of row r, feature f is bins[r * nFeatures + f]. Only the features listed in
 * feats[0..nFeats) are added. Row by row, as XGBoost's hist: a row's bins are contiguous, so deep
 * nodes with scattered rows still read memory in cache lines.
 */
export function accumulateRows(hist, bins, nFeatures, feats, nFeats, rows, start, end, grad, hess) {
  if (nFeats === nFeatures) {
    for (let i = start; i < end; i++) {
      const r = rows[i];
      const g = grad[r];
      const h = hess[r];
      const base = r * nFeatures;
      for (let f = 0; f < nFeatures; f++) {
        const k = bins[base + f] * 3;
        hist[k] += g;
        hist[k + 1] += h;
        hist[k + 2] += 1;
      }
    }
    return;
  }
  for (let i = start; i < end; i++) {
    const r = rows[i];
    const g = grad[r];
    const h = hess[r];
    const base = r * nFeatures;
    for (let j = 0; j < nFeats; j++) {
      const k = bins[base + feats[j]] * 3;
      hist[k] += g;
      hist[k + 1] += h;
      hist[k + 2] += 1;
    }
  }
}
