// Helpers shared by the SynFinance tests (not used at run time).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Row, readRows } from '../transactions/read.ts';
import { generateDataset, type RunSummary } from './run.ts';
import type { Format } from './task.ts';
import { defaultGenParams, type GenParams } from './types.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const CLI = path.join(REPO_ROOT, 'apps/synfinance/src/cli.ts');
export const TSX = path.join(REPO_ROOT, 'node_modules/.bin/tsx');

export function tmpDir(prefix = 'synfinance-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const params = defaultGenParams;

export async function generate(
  count: number,
  format: Format,
  over: Partial<GenParams> = {},
  workers = 0,
): Promise<{ file: string; summary: RunSummary; dir: string }> {
  const dir = tmpDir();
  const file = path.join(dir, `txns.${format}`);
  const summary = await generateDataset({
    params: params(over),
    count,
    format,
    out: file,
    workers,
    chunkShards: 1,
  });
  return { file, summary, dir };
}

export async function readAll(file: string): Promise<Row[]> {
  const out: Row[] = [];
  for await (const r of readRows(file)) out.push(r);
  return out;
}

/**
 * How long a test waits for a process or a condition: a guard against hangs, not a budget (a busy
 * 2-core machine is slow, not wrong). Times that matter are measured in bench/.
 */
export const HANG_GUARD_MS = 120_000;

export function runCli(args: string[], opts: { timeout?: number } = {}) {
  return spawnSync(TSX, [CLI, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: opts.timeout ?? HANG_GUARD_MS,
  });
}
