// `synfinance features`: write the feature matrix the model sees (the same loader as train and
// evaluate), with the transaction id, time, entity and label columns, as Parquet or CSV, so that any
// other tool can train on exactly these features.
import fs from 'node:fs';
import path from 'node:path';
import type { Dataset } from '../fraud/features/dataset.ts';
import { loadDataset } from '../fraud/features/dataset.ts';
import { loadModelFile } from '../fraud/training/train.ts';
import type { Column } from '../generator/schema.ts';
import { csvHeader, csvLine, type Value } from '../generator/serialize.ts';
import { openSink } from '../generator/writers.ts';
import { formatOf } from '../transactions/read.ts';
import {
  asUsage,
  type Command,
  checkInputFile,
  checkOutPath,
  numOpt,
  parseCli,
  requireOpt,
  strOpt,
} from './args.ts';
import { UsageError } from './config.ts';
import { featuresOpt, TABLE_FLAGS } from './train.ts';

export const FEATURES: Command = {
  name: 'features',
  synopsis: '--data FILE --out OUT.parquet|OUT.csv [options]',
  summary:
    'Write the features a model sees for every row of a table, with the transaction id, time, entity and label columns.',
  flags: {
    ...TABLE_FLAGS,
    model: {
      arg: 'M.json',
      group: 'Table',
      help: 'the features of this model (its feature definition and category codes) instead of --features',
    },
    out: { arg: 'FILE', group: 'Output', help: 'OUT.parquet or OUT.csv (- = CSV on stdout)' },
    quiet: { group: 'Output', help: 'print no summary and no progress' },
  },
  notes: `Columns: transaction_id (when the table has one), the time column (as text: ISO 8601 UTC for a
Parquet timestamp), the entity column, the label, then one column per feature in the model's order.
Missing feature values are empty (CSV) or null (Parquet); category features are the codes the model
uses (their vocabulary is in the model file, fraud.feature_spec.categorical).`,
};

/** The exported table: column definitions and per-row values. */
export function featureTable(ds: Dataset, label: string): { cols: Column[]; row: (i: number) => Value[] } {
  const meta: { col: Column; get: (i: number) => Value }[] = [];
  if (ds.transactionIds && ds.header.includes('transaction_id'))
    meta.push({
      col: { name: 'transaction_id', type: 'string', nullable: true },
      get: (i) => ds.transactionIds![i] ?? null,
    });
  if (ds.timeColumn && ds.timeText)
    meta.push({
      col: { name: ds.timeColumn, type: 'string', nullable: false },
      get: (i) => ds.timeText![i]!,
    });
  if (ds.entityColumn && ds.cardIds)
    meta.push({
      col: { name: ds.entityColumn, type: 'string', nullable: true },
      get: (i) => ds.cardIds![i] ?? null,
    });
  meta.push({ col: { name: label, type: 'int', nullable: false }, get: (i) => ds.y[i]! });
  const names = new Set(meta.map((m) => m.col.name));
  const clash = ds.featureNames.find((f) => names.has(f));
  if (clash) throw new UsageError(`feature "${clash}" has the name of the time, entity or label column`);
  const p = ds.nCols;
  const cols = [
    ...meta.map((m) => m.col),
    ...ds.featureNames.map((name) => ({ name, type: 'float' as const, nullable: true })),
  ];
  const row = (i: number): Value[] => {
    const out: Value[] = meta.map((m) => m.get(i));
    for (let j = 0; j < p; j++) {
      const x = ds.X[i * p + j]!;
      out.push(Number.isNaN(x) ? null : x);
    }
    return out;
  };
  return { cols, row };
}

export async function runFeatures(argv: string[]): Promise<number> {
  const v = parseCli(argv, FEATURES);
  const data = checkInputFile(v, 'data', FEATURES);
  const out = requireOpt(v, 'out', FEATURES);
  checkOutPath(out, '--out');
  const format = out === '-' ? 'csv' : formatOf(out);
  if (format === 'jsonl')
    throw new UsageError('--out must end in .parquet or .csv (or be - for CSV on stdout)');
  const modelPath = strOpt(v, 'model');
  const features = featuresOpt(v);
  if (modelPath && features) throw new UsageError('give --model or --features, not both');
  const say = v.quiet ? () => {} : (m: string) => process.stderr.write(`${m}\n`);
  const lm = modelPath
    ? await asUsage(async () => loadModelFile(checkInputFile(v, 'model', FEATURES)))
    : undefined;
  const label = strOpt(v, 'label') ?? lm?.file.fraud?.label ?? 'is_fraud';
  const saved = (k: string) => {
    const x = lm?.file.fraud?.split?.[k];
    return typeof x === 'string' ? x : undefined;
  };
  say(`reading ${data}`);
  const ds = await asUsage(() =>
    loadDataset(data, {
      label,
      features,
      spec: lm?.spec,
      timeColumn: strOpt(v, 'time-col'),
      entityColumn: strOpt(v, 'entity-column'),
      preferred: { time: saved('time_column'), entity: saved('entity_column') },
      limit: numOpt(v, 'limit', { int: true, min: 1 }),
      keepTimeText: true,
      onRows: (n) => say(`  ${n.toLocaleString('en-US')} rows`),
    }),
  );
  const { cols, row } = featureTable(ds, label);
  if (out === '-') {
    process.stdout.write(csvHeader(cols));
    for (let i = 0; i < ds.nRows; i += 10_000) {
      let text = '';
      for (let k = i; k < Math.min(ds.nRows, i + 10_000); k++) text += csvLine(row(k));
      process.stdout.write(text);
    }
  } else {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const sink = openSink(out, cols, format);
    try {
      for (let i = 0; i < ds.nRows; i += 50_000) {
        const rows: Value[][] = [];
        for (let k = i; k < Math.min(ds.nRows, i + 50_000); k++) rows.push(row(k));
        sink.writeRows(rows);
      }
      await sink.commit();
    } catch (e) {
      sink.abort();
      throw e;
    }
  }
  say(
    `wrote ${ds.nRows} rows × ${cols.length} columns (${ds.nCols} features) to ${out === '-' ? 'stdout' : out}`,
  );
  return 0;
}
