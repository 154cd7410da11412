// The histogram kernel, in plain JavaScript so that worker threads run it without a TypeScript
// loader (hist-workers.ts); gbdt.ts runs the same function on the main thread.

/**
 * Add rows[start..end) into hist (grad, hess, count per global bin). `bins` is row-major: the global
 * bin (feature offset + bin) of row r, feature f is bins[r * nFeatures + f]. Only the features listed in
 * feats[0..nFeats) are added. Row by row, as XGBoost's hist: a row's bins are contiguous, so deep
 * nodes with scattered rows still read memory in cache lines.
 *
 * The inner loops are unrolled by four: V8 does not unroll, and four independent bins per step let the
 * CPU overlap the loads (about 1.6 times faster on the fit benchmark). Each feature owns its own bins,
 * so every bin still receives its rows in row order: the sums are the same as without unrolling.
 */
export function accumulateRows(hist, bins, nFeatures, feats, nFeats, rows, start, end, grad, hess) {
  if (nFeats === nFeatures) {
    for (let i = start; i < end; i++) {
      const r = rows[i];
      const g = grad[r];
      const h = hess[r];
      let p = r * nFeatures;
      const stop = p + nFeatures;
      for (; p + 3 < stop; p += 4) {
        const k0 = bins[p] * 3;
        const k1 = bins[p + 1] * 3;
        const k2 = bins[p + 2] * 3;
        const k3 = bins[p + 3] * 3;
        hist[k0] += g;
        hist[k0 + 1] += h;
        hist[k0 + 2] += 1;
        hist[k1] += g;
        hist[k1 + 1] += h;
        hist[k1 + 2] += 1;
        hist[k2] += g;
        hist[k2 + 1] += h;
        hist[k2 + 2] += 1;
        hist[k3] += g;
        hist[k3 + 1] += h;
        hist[k3 + 2] += 1;
      }
      for (; p < stop; p++) {
        const k = bins[p] * 3;
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
    let j = 0;
    for (; j + 1 < nFeats; j += 2) {
      const k0 = bins[base + feats[j]] * 3;
      const k1 = bins[base + feats[j + 1]] * 3;
      hist[k0] += g;
      hist[k0 + 1] += h;
      hist[k0 + 2] += 1;
      hist[k1] += g;
      hist[k1 + 1] += h;
      hist[k1 + 2] += 1;
    }
    if (j < nFeats) {
      const k = bins[base + feats[j]] * 3;
      hist[k] += g;
      hist[k + 1] += h;
      hist[k + 2] += 1;
    }
  }
}

/**
 * accumulateRows without the count: grad and hess per global bin (stride 2). A third of the stores
 * fewer and a histogram two thirds the size (it stays in cache): about 1.5 times faster. Used when
 * no split rule needs row counts (see gbdt.ts histogramHasCounts).
 */
export function accumulateGradHess(hist, bins, nFeatures, feats, nFeats, rows, start, end, grad, hess) {
  if (nFeats === nFeatures) {
    for (let i = start; i < end; i++) {
      const r = rows[i];
      const g = grad[r];
      const h = hess[r];
      let p = r * nFeatures;
      const stop = p + nFeatures;
      for (; p + 3 < stop; p += 4) {
        const k0 = bins[p] << 1;
        const k1 = bins[p + 1] << 1;
        const k2 = bins[p + 2] << 1;
        const k3 = bins[p + 3] << 1;
        hist[k0] += g;
        hist[k0 + 1] += h;
        hist[k1] += g;
        hist[k1 + 1] += h;
        hist[k2] += g;
        hist[k2 + 1] += h;
        hist[k3] += g;
        hist[k3 + 1] += h;
      }
      for (; p < stop; p++) {
        const k = bins[p] << 1;
        hist[k] += g;
        hist[k + 1] += h;
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
      const k = bins[base + feats[j]] << 1;
      hist[k] += g;
      hist[k + 1] += h;
    }
  }
}
