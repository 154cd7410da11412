/**
 * Column-major feature matrix: the value of row `r`, column `c` is `data[c * nRows + r]`.
 * Column-major keeps each feature contiguous, which is what histogram building and batch scoring want.
 * Missing values are NaN.
 */
export type FloatArray = Float64Array | Float32Array;

export interface Matrix {
  readonly nRows: number;
  readonly nCols: number;
  readonly data: FloatArray;
}

/** Wrap an existing column-major buffer, checking its length. */
export function columnMajor(data: FloatArray, nRows: number, nCols: number): Matrix {
  if (!Number.isInteger(nRows) || nRows < 0 || !Number.isInteger(nCols) || nCols < 0) {
    throw new RangeError(`matrix shape must be non-negative integers, got ${nRows}x${nCols}`);
  }
  if (data.length !== nRows * nCols) {
    throw new RangeError(
      `matrix data has ${data.length} values, expected ${nRows}*${nCols}=${nRows * nCols}`,
    );
  }
  return { nRows, nCols, data };
}

/** Build a column-major Float64 matrix from row arrays (convenient for tests and small data). */
export function matrixFromRows(rows: ReadonlyArray<ArrayLike<number>>, nCols?: number): Matrix {
  const nRows = rows.length;
  const cols = nCols ?? (nRows > 0 ? rows[0]!.length : 0);
  const data = new Float64Array(nRows * cols);
  for (let r = 0; r < nRows; r++) {
    const row = rows[r]!;
    if (row.length !== cols) throw new RangeError(`row ${r} has ${row.length} values, expected ${cols}`);
    for (let c = 0; c < cols; c++) data[c * nRows + r] = row[c]!;
  }
  return { nRows, nCols: cols, data };
}

/** Build a column-major Float64 matrix from column arrays of equal length. */
export function matrixFromColumns(columns: ReadonlyArray<ArrayLike<number>>): Matrix {
  const nCols = columns.length;
  const nRows = nCols > 0 ? columns[0]!.length : 0;
  const data = new Float64Array(nRows * nCols);
  for (let c = 0; c < nCols; c++) {
    const col = columns[c]!;
    if (col.length !== nRows) throw new RangeError(`column ${c} has ${col.length} values, expected ${nRows}`);
    data.set(col, c * nRows);
  }
  return { nRows, nCols, data };
}

/** Copy one row out of a column-major matrix. */
export function getRow(m: Matrix, r: number, out: Float64Array = new Float64Array(m.nCols)): Float64Array {
  for (let c = 0; c < m.nCols; c++) out[c] = m.data[c * m.nRows + r]!;
  return out;
}

/** Select rows (in the given order) into a new Float64 column-major matrix. */
export function selectRows(m: Matrix, rows: ArrayLike<number>): Matrix {
  const n = rows.length;
  const data = new Float64Array(n * m.nCols);
  for (let c = 0; c < m.nCols; c++) {
    const src = c * m.nRows;
    const dst = c * n;
    for (let i = 0; i < n; i++) data[dst + i] = m.data[src + rows[i]!]!;
  }
  return { nRows: n, nCols: m.nCols, data };
}

/** Validate binary labels (0/1) against a matrix and return them as a Uint8Array. */
export function checkLabels(m: Matrix, y: ArrayLike<number>): Uint8Array {
  if (y.length !== m.nRows)
    throw new RangeError(`labels have ${y.length} values, matrix has ${m.nRows} rows`);
  const out = new Uint8Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (v !== 0 && v !== 1) throw new RangeError(`label at row ${i} is ${v}; labels must be 0 or 1`);
    out[i] = v;
  }
  return out;
}

/** Validate optional sample weights (finite, >= 0, not all zero). */
export function checkWeights(m: Matrix, w: ArrayLike<number> | undefined): Float64Array | undefined {
  if (w === undefined) return undefined;
  if (w.length !== m.nRows)
    throw new RangeError(`weights have ${w.length} values, matrix has ${m.nRows} rows`);
  const out = new Float64Array(w.length);
  let sum = 0;
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    if (!Number.isFinite(v) || v < 0)
      throw new RangeError(`weight at row ${i} is ${v}; weights must be finite and >= 0`);
    out[i] = v;
    sum += v;
  }
  if (sum <= 0) throw new RangeError('weights sum to zero');
  return out;
}

/**
 * The weights of each class that give both the same total weight, as scikit-learn's
 * class_weight='balanced': w = n / (2 * n_class).
 */
export function balancedClassWeights(y: ArrayLike<number>): { wPos: number; wNeg: number } {
  let nPos = 0;
  for (let i = 0; i < y.length; i++) nPos += y[i] === 1 ? 1 : 0;
  const n = y.length;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) throw new RangeError('balanced class weights need both classes present');
  return { wPos: n / (2 * nPos), wNeg: n / (2 * nNeg) };
}

/** Per-row `balancedClassWeights`, multiplied into existing weights if given. */
export function balancedWeights(y: ArrayLike<number>, base?: ArrayLike<number>): Float64Array {
  const { wPos, wNeg } = balancedClassWeights(y);
  const n = y.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (y[i] === 1 ? wPos : wNeg) * (base ? base[i]! : 1);
  return out;
}
