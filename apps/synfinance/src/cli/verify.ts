// `synfinance verify DIR`: check a finished dataset folder against its manifest. Exit 0 when every
// part is there with the recorded size and SHA-256 and no unlisted part lies beside them, 1 with one
// line per difference, 2 when DIR is not a finished dataset.
import fs from 'node:fs';
import path from 'node:path';
import { MANIFEST, type Manifest, verifyDataset } from '../generator/manifest.ts';
import { UsageError } from './config.ts';
import { fmtInt } from './format.ts';

export const VERIFY_USAGE = 'usage: synfinance verify DATASET_DIR';

function readManifest(dir: string): Manifest {
  const file = path.join(dir, MANIFEST);
  if (!fs.existsSync(file))
    throw new UsageError(`${file} does not exist (not a dataset folder, or not every part has finished)`);
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Manifest>;
  } catch (e) {
    throw new UsageError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (m.version !== 1 || !Array.isArray(m.files))
    throw new UsageError(`${file} is not a SynFinance dataset manifest (version 1 with files)`);
  return m as Manifest;
}

export function runVerify(argv: string[]): number {
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(`${VERIFY_USAGE}\n`);
    return 0;
  }
  if (argv.length !== 1 || argv[0]!.startsWith('-')) throw new UsageError(VERIFY_USAGE);
  const dir = argv[0]!;
  const m = readManifest(dir);
  const problems = verifyDataset(dir, m);
  if (problems.length > 0) {
    for (const p of problems) process.stdout.write(`differs: ${p}\n`);
    process.stdout.write(`${dir}: ${problems.length} difference(s) from ${MANIFEST}\n`);
    return 1;
  }
  process.stdout.write(
    `${dir}: ok, ${m.files.length} files in ${m.parts} parts, ${fmtInt(m.rows.transactions)} transactions, seed ${m.seed}\n`,
  );
  return 0;
}
