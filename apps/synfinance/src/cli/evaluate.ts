// `synfinance evaluate`: score a labelled table with a saved model and print/write the report.

import fs from 'node:fs';
import { formatReport, reportToJson } from '../fraud/evaluation/report.ts';
import { evaluateFile, writeFileAtomic } from '../fraud/training/train.ts';
import { UsageError } from './config.ts';
import { asUsage, checkDataFile, checkOutPath, costFnOpt, numOpt, parseCli } from './train.ts';

export const EVALUATE_USAGE = `usage: synfinance evaluate --model M.json --data FILE [--label COL] [--time-col COL] [--report OUT.json] [--test-days N]
         [--threshold P] [--cost-fn INR|amount --cost-fp INR] [--quiet]`;

export async function runEvaluate(argv: string[]): Promise<number> {
  const v = parseCli(
    argv,
    {
      model: { type: 'string' },
      data: { type: 'string' },
      label: { type: 'string' },
      'time-col': { type: 'string' },
      report: { type: 'string' },
      'test-days': { type: 'string' },
      threshold: { type: 'string' },
      'cost-fn': { type: 'string' },
      'cost-fp': { type: 'string' },
      limit: { type: 'string' },
      quiet: { type: 'boolean' },
    },
    EVALUATE_USAGE,
  );
  const model = v.model;
  if (typeof model !== 'string' || !model)
    throw new UsageError(`--model M.json is required (${EVALUATE_USAGE.split('\n')[0]})`);
  if (!fs.existsSync(model)) throw new UsageError(`no such model file: ${model}`);
  const data = checkDataFile(v, EVALUATE_USAGE);
  if (typeof v.report === 'string') checkOutPath(v.report, '--report');
  const res = await asUsage(() =>
    evaluateFile({
      model,
      data,
      label: v.label as string | undefined,
      timeColumn: v['time-col'] as string | undefined,
      testDays: numOpt(v, 'test-days', { int: true, min: 1 }),
      threshold: numOpt(v, 'threshold', { min: 0, max: 1 }),
      costFn: costFnOpt(v),
      costFp: numOpt(v, 'cost-fp', { min: 0 }),
      limit: numOpt(v, 'limit', { int: true, min: 1 }),
    }),
  );
  if (typeof v.report === 'string') writeFileAtomic(v.report, reportToJson(res.report));
  if (!v.quiet)
    process.stdout.write(
      `model ${res.version} on ${res.rows} rows of ${data}\n${formatReport(res.report)}\n`,
    );
  return 0;
}
