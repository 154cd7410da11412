// The manifest of a dataset folder: what was asked for (seed, configuration) and what was written
// (row counts, sizes, SHA-256 of every part). Parts are written by independent processes (pods of a
// Kubernetes Indexed Job), so each part leaves a record in _parts/, and whichever part finds all N
// records writes manifest.json. Its content depends only on the records, so two parts finishing at
// once write the same bytes; the rename makes either write atomic.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { partFileName, TABLES, type Table } from './dataset.ts';
import type { PartRef, RunSummary } from './run.ts';
import type { Format } from './task.ts';
import type { GenParams } from './types.ts';

export const MANIFEST = 'manifest.json';
const PARTS_DIR = '_parts';

/** Everything the bytes depend on (workers and chunking do not change a byte). */
export interface DatasetConfig {
  params: GenParams;
  count: number;
  format: Format;
}

export interface FileEntry {
  table: Table;
  /** relative to the dataset folder, with "/" */
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
}

interface PartRecord {
  part: PartRef;
  config: DatasetConfig;
  files: FileEntry[];
}

export interface Manifest {
  version: 1;
  seed: number;
  config: DatasetConfig;
  parts: number;
  rows: Record<Table, number>;
  files: FileEntry[];
}

export function sha256File(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

function writeAtomic(file: string, text: string): void {
  // not the pid: every pod's process may be pid 1, and two pods may write the manifest at once
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${randomUUID()}`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function entry(dir: string, table: Table, file: string, rows: number): FileEntry {
  return {
    table,
    file: path.relative(dir, file).split(path.sep).join('/'),
    rows,
    bytes: fs.statSync(file).size,
    sha256: sha256File(file),
  };
}

/** Record a finished part, then write the manifest if every part is there. Returns it if written. */
export function recordPart(
  dir: string,
  part: PartRef,
  config: DatasetConfig,
  s: RunSummary,
): Manifest | null {
  const files = [
    entry(dir, 'transactions', s.files.transactions, s.rows),
    entry(dir, 'customers', s.files.customers, s.customers),
  ];
  if (s.files.merchants) files.push(entry(dir, 'merchants', s.files.merchants, s.merchants));
  const rec: PartRecord = { part, config, files };
  fs.mkdirSync(path.join(dir, PARTS_DIR), { recursive: true });
  writeAtomic(path.join(dir, PARTS_DIR, `${partFileName(part.index, 'json')}`), `${JSON.stringify(rec)}\n`);
  return assembleManifest(dir, part.count, config);
}

function assembleManifest(dir: string, count: number, config: DatasetConfig): Manifest | null {
  const records: PartRecord[] = [];
  for (let i = 0; i < count; i++) {
    const f = path.join(dir, PARTS_DIR, partFileName(i, 'json'));
    if (!fs.existsSync(f)) return null;
    const rec = JSON.parse(fs.readFileSync(f, 'utf8')) as PartRecord;
    if (rec.part.count !== count || JSON.stringify(rec.config) !== JSON.stringify(config))
      throw new Error(
        `${f} belongs to another dataset (other part count or configuration) in the same folder`,
      );
    records.push(rec);
  }
  const files = TABLES.flatMap((t) => records.flatMap((r) => r.files.filter((f) => f.table === t)));
  const rows = { transactions: 0, customers: 0, merchants: 0 };
  for (const f of files) rows[f.table] += f.rows;
  const m: Manifest = { version: 1, seed: config.params.seed, config, parts: count, rows, files };
  writeAtomic(path.join(dir, MANIFEST), `${JSON.stringify(m, null, 2)}\n`);
  return m;
}

/** Differences between a dataset folder and its manifest, one line each; empty when it matches. */
export function verifyDataset(dir: string, m: Manifest): string[] {
  const problems: string[] = [];
  const listed = new Set(m.files.map((f) => f.file));
  for (const f of m.files) {
    const p = path.join(dir, f.file);
    if (!fs.existsSync(p)) {
      problems.push(`${f.file}: missing`);
      continue;
    }
    const bytes = fs.statSync(p).size;
    if (bytes !== f.bytes) problems.push(`${f.file}: ${bytes} bytes, manifest says ${f.bytes}`);
    else if (sha256File(p) !== f.sha256) problems.push(`${f.file}: SHA-256 differs from the manifest`);
  }
  for (const t of TABLES) {
    const tdir = path.join(dir, t);
    if (!fs.existsSync(tdir)) continue;
    for (const name of fs.readdirSync(tdir).sort()) {
      if (!name.startsWith('.') && !listed.has(`${t}/${name}`))
        problems.push(`${t}/${name}: not in the manifest`);
    }
  }
  return problems;
}
