// `synfinance evaluate`: score a labelled table with a saved model and print/write the report.
import { formatReport, reportToJson } from '../fraud/evaluation/report.ts';
import { type EvaluateResult, evaluateFile } from '../fraud/training/train.ts';
import {
  asUsage,
  type Command,
  checkInputFile,
  checkOutPath,
  costFnOpt,
  numOpt,
  parseCli,
  stdoutTaken,
  strOpt,
  writeOutput,
} from './args.ts';
import { REPORT_FLAGS, TABLE_FLAGS } from './train.ts';

const { features: _features, ...EVAL_TABLE_FLAGS } = TABLE_FLAGS;

export const EVALUATE: Command = {
  name: 'evaluate',
  synopsis: '--model M.json --data FILE [options]',
  summary:
    "Score a labelled table with a saved model (the model's own features) and report ROC AUC, average precision, card precision@100, recall per fraud type, the cost threshold and calibration.",
  flags: {
    model: { arg: 'M.json', group: 'Table', help: 'model file written by synfinance train' },
    ...EVAL_TABLE_FLAGS,
    'test-days': {
      arg: 'N',
      group: 'Rows',
      help: 'evaluate only the last N days; earlier rows are history, and cards with a fraud in them are left out',
    },
    ...REPORT_FLAGS,
  },
  notes: `Without --test-days every row is evaluated. The time and entity columns default to the model's
when the table has them. The summary goes to stdout (to stderr when --report is -).`,
};

export function evaluateSummary(res: EvaluateResult, data: string): string {
  const when = res.dates ? `, ${res.dates[0]} to ${res.dates[1]}` : '';
  const removed =
    res.removedKnownCompromised === null
      ? ''
      : `known-compromised removal: ${res.removedKnownCompromised} rows of cards with a fraud in the earlier days left out\n`;
  return `model ${res.version} on ${res.rows.length} rows of ${data}${when}\n${removed}${formatReport(res.report)}\n`;
}

export async function runEvaluate(argv: string[]): Promise<number> {
  const v = parseCli(argv, EVALUATE);
  const model = checkInputFile(v, 'model', EVALUATE);
  const data = checkInputFile(v, 'data', EVALUATE);
  const report = strOpt(v, 'report');
  if (report !== undefined) checkOutPath(report, '--report');
  const toStdout = stdoutTaken({ '--report': report });
  const res = await asUsage(() =>
    evaluateFile({
      model,
      data,
      label: strOpt(v, 'label'),
      timeColumn: strOpt(v, 'time-col'),
      entityColumn: strOpt(v, 'entity-column'),
      testDays: numOpt(v, 'test-days', { int: true, min: 1 }),
      threshold: numOpt(v, 'threshold', { min: 0, max: 1 }),
      costFn: costFnOpt(v),
      costFp: numOpt(v, 'cost-fp', { min: 0 }),
      limit: numOpt(v, 'limit', { int: true, min: 1 }),
    }),
  );
  if (report !== undefined) writeOutput(report, reportToJson(res.report));
  if (!v.quiet) (toStdout ? process.stderr : process.stdout).write(evaluateSummary(res, data));
  return 0;
}
