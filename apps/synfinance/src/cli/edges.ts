// `synfinance edges --data FILE --out EDGES.csv`: the money-movement graph of a generated table. Each
// P2P transfer is one row on the sender's account with the receiving customer in `counterparty_id`;
// this command writes those rows as an edge list (sender, receiver, amount, time, labels) for graph
// tools. Streamed: memory does not grow with the table.
import fs from 'node:fs';
import path from 'node:path';
import type { Column } from '../generator/schema.ts';
import { csvHeader, csvLine, type Value } from '../generator/serialize.ts';
import { openSink, type TableSink } from '../generator/writers.ts';
import { formatOf, type Row, readHeader, readRows } from '../transactions/read.ts';
import { type Command, checkInputFile, checkOutPath, parseCli, requireOpt } from './args.ts';
import { UsageError } from './config.ts';
import { fmtInt } from './format.ts';

export const EDGES: Command = {
  name: 'edges',
  synopsis: '--data FILE --out EDGES.csv|EDGES.parquet|-',
  summary:
    'Write the transfer edge list of a generated transaction table: one edge per P2P transfer between customers.',
  flags: {
    data: { arg: 'FILE', group: 'Input', help: 'generated transactions (CSV, JSONL or Parquet)' },
    out: { arg: 'FILE', group: 'Output', help: 'EDGES.csv or EDGES.parquet (- = CSV on stdout)' },
    quiet: { group: 'Output', help: 'print no summary' },
  },
  notes: `Columns: from, to, amount, timestamp, transaction_id, is_fraud, episode_id. "from" is the
sending customer (customer_id), "to" the receiving one (counterparty_id); rows without a
counterparty (purchases, refunds, ATM withdrawals) are not edges.`,
};

const c = (name: string, type: Column['type'], nullable = false): Column => ({ name, type, nullable });
export const EDGE_COLUMNS: readonly Column[] = [
  c('from', 'string'),
  c('to', 'string'),
  c('amount', 'float'),
  c('timestamp', 'string'),
  c('transaction_id', 'string'),
  c('is_fraud', 'int'),
  c('episode_id', 'string', true),
];

const NEEDED = [
  'customer_id',
  'counterparty_id',
  'amount',
  'timestamp',
  'transaction_id',
  'is_fraud',
  'episode_id',
];

/** The edge of a row, or null when the row is not a transfer to another customer. */
export function edgeOf(r: Row): Value[] | null {
  const to = r.counterparty_id;
  if (to === null || to === undefined || to === '') return null;
  const ep = r.episode_id;
  return [
    String(r.customer_id),
    String(to),
    Number(r.amount),
    String(r.timestamp),
    String(r.transaction_id),
    Number(r.is_fraud),
    ep === null || ep === undefined || ep === '' ? null : String(ep),
  ];
}

/** stdout as a sink of CSV rows, so `-` takes the same path as a file. */
function stdoutSink(): Pick<TableSink, 'writeRows' | 'commit' | 'abort'> {
  process.stdout.write(csvHeader(EDGE_COLUMNS));
  return {
    writeRows: (rows) => process.stdout.write(rows.map(csvLine).join('')),
    commit: async () => {},
    abort: () => {},
  };
}

export async function runEdges(argv: string[]): Promise<number> {
  const v = parseCli(argv, EDGES);
  const data = checkInputFile(v, 'data', EDGES);
  const out = requireOpt(v, 'out', EDGES);
  checkOutPath(out, '--out');
  if (out !== '-' && !/\.(csv|parquet)$/.test(out))
    throw new UsageError(`--out: ${out} must end in .csv or .parquet (or be - for stdout)`);
  const header = await readHeader(data).catch((e: unknown) => {
    throw new UsageError(`--data: cannot read ${data}: ${(e as Error).message}`);
  });
  const missing = NEEDED.filter((n) => !header.includes(n));
  if (missing.length)
    throw new UsageError(
      `--data: ${data} has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''} (not a SynFinance transaction table, or one from before transfers had counterparties)`,
    );
  if (out !== '-') fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  const sink =
    out === '-' ? stdoutSink() : openSink(out, EDGE_COLUMNS, formatOf(out) === 'parquet' ? 'parquet' : 'csv');
  let rows = 0;
  let edges = 0;
  try {
    let batch: Value[][] = [];
    for await (const r of readRows(data, NEEDED)) {
      rows++;
      const e = edgeOf(r);
      if (!e) continue;
      batch.push(e);
      if (batch.length === 50_000) {
        sink.writeRows(batch);
        edges += batch.length;
        batch = [];
      }
    }
    sink.writeRows(batch);
    edges += batch.length;
    await sink.commit();
  } catch (e) {
    sink.abort();
    throw e;
  }
  if (!v.quiet && out !== '-')
    process.stderr.write(`${out}: ${fmtInt(edges)} transfer edges from ${fmtInt(rows)} transactions\n`);
  return 0;
}
