// `synfinance import-model`: turn an XGBoost JSON model (trained in Python on the exported features)
// into a model file that `serve` scores and explains.
import fs from 'node:fs';
import { importXgboostModel } from '../fraud/training/import-model.ts';
import { DEFAULT_THRESHOLDS, modelFileText } from '../fraud/training/train.ts';
import {
  asUsage,
  type Command,
  checkInputFile,
  checkOutPath,
  numOpt,
  parseCli,
  requireOpt,
  strOpt,
  writeOutput,
} from './args.ts';
import { UsageError } from './config.ts';

export const IMPORT_MODEL: Command = {
  name: 'import-model',
  synopsis: '--xgboost M.json --out MODEL.json [options]',
  summary:
    "Import an XGBoost JSON model (Booster.save_model, binary:logistic, trained on named feature columns, e.g. synfinance features' output) as a model file serve scores and explains.",
  flags: {
    xgboost: { arg: 'M.json', group: 'Input', help: "XGBoost's JSON model file" },
    out: { arg: 'MODEL.json', group: 'Output', help: 'model file to write' },
    review: { arg: 'P', group: 'Output', help: `review threshold (default ${DEFAULT_THRESHOLDS.review})` },
    block: { arg: 'P', group: 'Output', help: `block threshold (default ${DEFAULT_THRESHOLDS.block})` },
    'model-version': { arg: 'V', group: 'Output', help: 'model version to record (default derived)' },
  },
};

export async function runImportModel(argv: string[]): Promise<number> {
  const v = parseCli(argv, IMPORT_MODEL);
  const src = checkInputFile(v, 'xgboost', IMPORT_MODEL);
  const out = requireOpt(v, 'out', IMPORT_MODEL);
  if (out === '-') throw new UsageError('--out MODEL.json must be a file path');
  checkOutPath(out, '--out');
  const thresholds = {
    review: numOpt(v, 'review', { min: 0, max: 1 }) ?? DEFAULT_THRESHOLDS.review,
    block: numOpt(v, 'block', { min: 0, max: 1 }) ?? DEFAULT_THRESHOLDS.block,
  };
  const version = strOpt(v, 'model-version');
  const file = await asUsage(async () =>
    importXgboostModel(fs.readFileSync(src, 'utf8'), { thresholds, version }),
  );
  writeOutput(out, modelFileText(file));
  const kind =
    file.fraud.feature_spec.kind === 'synfinance-history' ? 'SynFinance history features' : 'named columns';
  process.stderr.write(
    `imported ${file.feature_names.length}-feature XGBoost model (${kind}) as ${file.fraud.model_version} -> ${out}\n`,
  );
  return 0;
}
