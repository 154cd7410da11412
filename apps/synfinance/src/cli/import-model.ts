// `synfinance import-model`: turn an XGBoost JSON model (trained in Python on the exported features)
// into a model file that `serve` scores and explains.

import fs from 'node:fs';
import { importXgboostModel } from '../fraud/training/import-model.ts';
import { DEFAULT_THRESHOLDS, modelFileText, writeFileAtomic } from '../fraud/training/train.ts';
import { UsageError } from './config.ts';
import { asUsage, checkOutPath, numOpt, parseCli } from './train.ts';

export const IMPORT_MODEL_USAGE = `usage: synfinance import-model --xgboost M.json --out MODEL.json [--review P] [--block P] [--model-version V]
         (M.json: XGBoost's Booster.save_model, binary:logistic, trained on named feature columns)`;

export async function runImportModel(argv: string[]): Promise<number> {
  const v = parseCli(
    argv,
    {
      xgboost: { type: 'string' },
      out: { type: 'string' },
      review: { type: 'string' },
      block: { type: 'string' },
      'model-version': { type: 'string' },
      help: { type: 'boolean' },
    },
    IMPORT_MODEL_USAGE,
  );
  if (v.help) {
    process.stdout.write(`${IMPORT_MODEL_USAGE}\n`);
    return 0;
  }
  const src = v.xgboost;
  if (typeof src !== 'string' || !src)
    throw new UsageError(`--xgboost M.json is required (${IMPORT_MODEL_USAGE.split('\n')[0]})`);
  if (!fs.existsSync(src)) throw new UsageError(`--xgboost: no such file: ${src}`);
  const out = v.out;
  if (typeof out !== 'string' || !out || out === '-')
    throw new UsageError('--out MODEL.json is required (a file path)');
  checkOutPath(out, '--out');
  const thresholds = {
    review: numOpt(v, 'review', { min: 0, max: 1 }) ?? DEFAULT_THRESHOLDS.review,
    block: numOpt(v, 'block', { min: 0, max: 1 }) ?? DEFAULT_THRESHOLDS.block,
  };
  const version = v['model-version'];
  const file = await asUsage(async () =>
    importXgboostModel(fs.readFileSync(src, 'utf8'), {
      thresholds,
      version: typeof version === 'string' ? version : undefined,
    }),
  );
  writeFileAtomic(out, modelFileText(file));
  const kind =
    file.fraud.feature_spec.kind === 'synfinance-history' ? 'SynFinance history features' : 'named columns';
  process.stderr.write(
    `imported ${file.feature_names.length}-feature XGBoost model (${kind}) as ${file.fraud.model_version} -> ${out}\n`,
  );
  return 0;
}
