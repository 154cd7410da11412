// Debian's python3-xgboost as a peer, for tests and benchmarks only (the product never runs Python):
// write a matrix as CSV, train or score with python/xgb_fit.py, read its predictions back.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Matrix } from './matrix.ts';

const SCRIPT = fileURLToPath(new URL('../python/xgb_fit.py', import.meta.url));

/** Debian's interpreter (python3-xgboost lives there, not in a pyenv); XGBOOST_PYTHON overrides. */
export function peerPython(): string {
  const env = process.env.XGBOOST_PYTHON;
  if (env) return env;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** Label first, then the features; NaN as an empty cell; numbers in shortest round-trip form. */
export function writeMatrixCsv(
  path: string,
  X: Matrix,
  y: ArrayLike<number>,
  names: readonly string[],
): void {
  const { nRows, nCols, data } = X;
  const lines: string[] = [['label', ...names].join(',')];
  for (let r = 0; r < nRows; r++) {
    const cells: string[] = [String(y[r] ?? 0)];
    for (let c = 0; c < nCols; c++) {
      const v = data[c * nRows + r]!;
      cells.push(Number.isNaN(v) ? '' : String(v));
    }
    lines.push(cells.join(','));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

export interface PeerRequest {
  train?: string;
  test?: string;
  params?: Record<string, unknown>;
  rounds?: number;
  model_out?: string;
  model_in?: string;
  pred_out?: string;
}

export interface PeerResult {
  fit_seconds: number | null;
  /** Process CPU time of the fit (all threads), null when the peer only scored. */
  fit_cpu_seconds: number | null;
  xgboost: string;
}

export function runXgboost(req: PeerRequest, env: NodeJS.ProcessEnv = process.env): PeerResult {
  const r = spawnSync(peerPython(), [SCRIPT], {
    input: JSON.stringify(req),
    encoding: 'utf8',
    env,
    maxBuffer: 16 << 20,
  });
  if (r.status !== 0) {
    throw new Error(
      `python3-xgboost failed (${r.error?.message ?? `exit ${r.status}`}); install it with ` +
        `apt-get install python3-xgboost. stderr: ${r.stderr}`,
    );
  }
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as PeerResult;
}

export function readPredictions(path: string): Float64Array {
  const text = readFileSync(path, 'utf8').trim();
  return Float64Array.from(text.split('\n'), Number);
}
