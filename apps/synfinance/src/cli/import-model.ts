// `synfinance import-model`: turn an XGBoost JSON or LightGBM text model (trained in Python on the
// exported features) into a model file that `serve` scores and explains.
import fs from 'node:fs';
import { detectModelFormat, type ForeignFormat, importForeignModel } from '../fraud/training/import-model.ts';
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
  synopsis: '--model M.json|M.txt --out MODEL.json [options]',
  summary:
    "Import an XGBoost JSON model (binary:logistic) or a LightGBM text model (binary), saved with Booster.save_model and trained on named feature columns (e.g. synfinance features' output), as a model file serve scores and explains.",
  flags: {
    model: { arg: 'FILE', group: 'Input', help: "XGBoost's JSON or LightGBM's text model file" },
    format: {
      arg: 'F',
      group: 'Input',
      help: 'xgboost or lightgbm (default: recognised from the content)',
    },
    xgboost: { arg: 'M.json', group: 'Input', help: 'same as --model M.json --format xgboost' },
    out: { arg: 'MODEL.json', group: 'Output', help: 'model file to write' },
    review: { arg: 'P', group: 'Output', help: `review threshold (default ${DEFAULT_THRESHOLDS.review})` },
    block: { arg: 'P', group: 'Output', help: `block threshold (default ${DEFAULT_THRESHOLDS.block})` },
    'model-version': { arg: 'V', group: 'Output', help: 'model version to record (default derived)' },
  },
};

export async function runImportModel(argv: string[]): Promise<number> {
  const v = parseCli(argv, IMPORT_MODEL);
  if ((v.model === undefined) === (v.xgboost === undefined))
    throw new UsageError('give the model file with --model FILE (or --xgboost M.json), once');
  const src = checkInputFile(v, v.model === undefined ? 'xgboost' : 'model', IMPORT_MODEL);
  const formatFlag = v.model === undefined ? 'xgboost' : strOpt(v, 'format');
  if (formatFlag !== undefined && formatFlag !== 'xgboost' && formatFlag !== 'lightgbm')
    throw new UsageError(`--format must be xgboost or lightgbm, got "${formatFlag}"`);
  const out = requireOpt(v, 'out', IMPORT_MODEL);
  if (out === '-') throw new UsageError('--out MODEL.json must be a file path');
  checkOutPath(out, '--out');
  const thresholds = {
    review: numOpt(v, 'review', { min: 0, max: 1 }) ?? DEFAULT_THRESHOLDS.review,
    block: numOpt(v, 'block', { min: 0, max: 1 }) ?? DEFAULT_THRESHOLDS.block,
  };
  const version = strOpt(v, 'model-version');
  const text = fs.readFileSync(src, 'utf8');
  const format: ForeignFormat = formatFlag ?? (await asUsage(async () => detectModelFormat(text)));
  const file = await asUsage(async () => importForeignModel(format, text, { thresholds, version }));
  writeOutput(out, modelFileText(file));
  const kind =
    file.fraud.feature_spec.kind === 'synfinance-history' ? 'SynFinance history features' : 'named columns';
  process.stderr.write(
    `imported ${file.feature_names.length}-feature ${format === 'xgboost' ? 'XGBoost' : 'LightGBM'} model (${kind}) as ${file.fraud.model_version} -> ${out}\n`,
  );
  return 0;
}
