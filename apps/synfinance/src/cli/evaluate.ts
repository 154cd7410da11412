// `synfinance evaluate`: score a labelled table with a saved model and print/write the report.
import { htmlReport } from '../fraud/evaluation/html-report.ts';
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
    html: {
      arg: 'OUT.html',
      group: 'Output',
      help: 'write a self-contained page: ROC, PR, calibration, confusion matrix, cost curve, recall per type, drift',
    },
  },
  notes: `Without --test-days every row is evaluated. The time and entity columns default to the model's
when the table has them. The summary goes to stdout (to stderr when --report is -).`,
};

/** The HTML page of an evaluation, with drift of the evaluated rows against the training profile. */
export async function evaluationPage(
  res: EvaluateResult,
  data: string,
  costFnFlag: number | 'amount' | undefined,
  costFp = 50,
): Promise<string> {
  const ds = res.dataset;
  const pick = <T>(a: ArrayLike<T>) => Array.from(res.rows, (r) => a[r]!);
  const fnOpt = costFnFlag ?? (ds.amounts ? 'amount' : 100);
  const costFn = fnOpt === 'amount' ? (ds.amounts ? pick(ds.amounts) : 100) : fnOpt;
  const profile = res.loaded.file.fraud?.reference_profile;
  const step = Math.max(1, Math.floor(res.rows.length / 5000));
  const rows: Record<string, number | null>[] = [];
  for (let k = 0; k < res.rows.length; k += step) {
    const base = res.rows[k]! * ds.nCols;
    const rec: Record<string, number | null> = {};
    ds.featureNames.forEach((f, j) => {
      const x = ds.X[base + j]!;
      rec[f] = Number.isNaN(x) ? null : x;
    });
    rows.push(rec);
  }
  return htmlReport({
    title: `Evaluation of ${res.version}`,
    context: [
      `data ${data}${res.dates ? `, ${res.dates[0]} to ${res.dates[1]}` : ''}: ${res.rows.length} rows`,
      ...(res.removedKnownCompromised === null
        ? []
        : [`${res.removedKnownCompromised} rows of cards known compromised in the earlier days left out`]),
      `written ${new Date().toISOString()}`,
    ],
    report: res.report,
    labels: pick(ds.y),
    probs: res.probs,
    costFn,
    costFp,
    drift: profile ? { profile, featureNames: ds.featureNames, rows } : undefined,
  });
}

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
  const html = strOpt(v, 'html');
  if (report !== undefined) checkOutPath(report, '--report');
  if (html !== undefined) checkOutPath(html, '--html');
  const toStdout = stdoutTaken({ '--report': report, '--html': html });
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
  if (html !== undefined)
    writeOutput(html, await evaluationPage(res, data, costFnOpt(v), numOpt(v, 'cost-fp')));
  if (!v.quiet) (toStdout ? process.stderr : process.stdout).write(evaluateSummary(res, data));
  return 0;
}
