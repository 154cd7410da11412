// `npm run synfinance -- quality --reference REF --data FILE`: data-quality and drift report in the terminal.

import { access } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { buildReferenceProfile } from '@polymorph/observability/quality/profile';
import { formatQualityReport, qualityReport } from '@polymorph/observability/quality/report';
import { TRANSACTION_QUALITY_SCHEMA, typedTransaction } from '../quality/transaction-quality-schema.ts';
import { readRows } from '../transactions/read.ts';
import { UsageError } from './config.ts';

export const QUALITY_USAGE = `quality --reference REF --data FILE [--max-rows N] [--json]
    Data-quality and drift report of FILE against the reference dataset REF (CSV, JSONL or Parquet):
    missing and outlier rates per field, schema violations, PSI/KS/JS drift, and a 0-100 score.
    Reads at most N rows of each file (default 200000). Exits 1 when the score is below 70.`;

async function readTransactions(file: string, maxRows: number): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const row of readRows(file)) {
    rows.push(typedTransaction(row));
    if (rows.length >= maxRows) break;
  }
  return rows;
}

export async function runQuality(argv: string[]): Promise<number> {
  let values: { reference?: string; data?: string; 'max-rows'?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        reference: { type: 'string' },
        data: { type: 'string' },
        'max-rows': { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(`quality: ${(err as Error).message}`);
  }
  if (!values.reference || !values.data) throw new UsageError('quality: --reference and --data are required');
  const maxRows = values['max-rows'] === undefined ? 200_000 : Number(values['max-rows']);
  if (!Number.isInteger(maxRows) || maxRows < 1)
    throw new UsageError(`quality: --max-rows must be a positive integer (got "${values['max-rows']}")`);
  for (const file of [values.reference, values.data]) {
    try {
      await access(file);
    } catch {
      throw new UsageError(`quality: cannot read ${file}`);
    }
  }
  const profile = buildReferenceProfile(
    await readTransactions(values.reference, maxRows),
    TRANSACTION_QUALITY_SCHEMA,
  );
  const report = qualityReport(
    profile,
    await readTransactions(values.data, maxRows),
    TRANSACTION_QUALITY_SCHEMA,
  );
  process.stdout.write(
    values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatQualityReport(report)}\n`,
  );
  return report.quality !== null && report.quality.score < 70 ? 1 : 0;
}
