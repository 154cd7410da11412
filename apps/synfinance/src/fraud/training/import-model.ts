// A model trained elsewhere (XGBoost or LightGBM in Python, on the features `synfinance features`
// exports) turned into a SynFinance model file that `serve` scores, explains and monitors like one
// trained here.
import type { GbdtModel } from '@polymorph/gbdt/gbdt';
import { importLightgbmText } from '@polymorph/gbdt/lightgbm-import';
import { modelToJson } from '@polymorph/gbdt/model-io';
import { importXgboostJson } from '@polymorph/gbdt/xgboost-import';
import { type FeatureSpec, historySpec } from '../features/dataset.ts';
import { featureNamesOf } from '../features/features.ts';
import { DEFAULT_THRESHOLDS, type FraudModelFile, ModelLoadError, type Thresholds } from './train.ts';

export interface ImportOptions {
  /** ISO time for created_at (tests pass a fixed one); default now. */
  createdAt?: string;
  thresholds?: Thresholds;
  /** model_version served with each prediction; default `xgboost-<created_at>` (`lightgbm-` for LightGBM). */
  version?: string;
  label?: string;
}

/**
 * The feature definition of an imported model, from its feature names: exactly the SynFinance history
 * features in their order -> the history features computed from raw transactions; anything else ->
 * those named columns read from the request as they are (a model trained on another table).
 */
export function specForNames(names: readonly string[]): FeatureSpec {
  const same = (want: readonly string[]) =>
    names.length === want.length && names.every((n, i) => n === want[i]);
  for (const v of [2, 1] as const) if (same(featureNamesOf(v))) return historySpec(v);
  return { kind: 'columns', columns: [...names], categorical: {} };
}

export type ForeignFormat = 'xgboost' | 'lightgbm';

/** The format of a model file from its content: XGBoost's JSON, or LightGBM's text (first line `tree`). */
export function detectModelFormat(text: string): ForeignFormat {
  const start = text.trimStart();
  if (start.startsWith('{')) return 'xgboost';
  if (/^tree\r?\n/.test(start)) return 'lightgbm';
  throw new ModelLoadError(
    "not an XGBoost JSON model (Booster.save_model('m.json')) nor a LightGBM text model (Booster.save_model('m.txt'))",
  );
}

const FORMATS = {
  xgboost: { name: 'XGBoost', read: importXgboostJson, unnamed: (i: number) => `f${i}` },
  lightgbm: { name: 'LightGBM', read: importLightgbmText, unnamed: (i: number) => `Column_${i}` },
} as const;

/** XGBoost JSON text -> our model file (same trees, predictions equal to XGBoost's within 1e-6). */
export function importXgboostModel(text: string, o: ImportOptions = {}): FraudModelFile {
  return importForeignModel('xgboost', text, o);
}

/** XGBoost JSON or LightGBM text -> our model file with the same trees. */
export function importForeignModel(
  format: ForeignFormat,
  text: string,
  o: ImportOptions = {},
): FraudModelFile {
  const f = FORMATS[format];
  let imported: { model: GbdtModel; source: Record<string, unknown> };
  try {
    imported = f.read(text);
  } catch (e) {
    throw new ModelLoadError((e as Error).message);
  }
  const { model, source } = imported;
  if (model.featureNames.every((n, i) => n === f.unnamed(i)))
    throw new ModelLoadError(
      `the ${f.name} model has no feature names: train it on a DataFrame with named columns (as \`synfinance features\` writes them)`,
    );
  const createdAt = o.createdAt ?? new Date().toISOString();
  const thresholds = o.thresholds ?? DEFAULT_THRESHOLDS;
  if (!(thresholds.review >= 0 && thresholds.review <= thresholds.block && thresholds.block <= 1))
    throw new ModelLoadError('thresholds must satisfy 0 <= review <= block <= 1');
  const file = modelToJson(model, { createdAt, training: { imported_from: source } });
  return {
    ...file,
    fraud: {
      model_version: o.version ?? `${format}-${createdAt}`,
      feature_spec: specForNames(model.featureNames),
      label: o.label ?? 'is_fraud',
      thresholds,
      // No training table here, so no reference profile: the drift endpoint answers 404 for this model.
      split: { kind: 'imported' },
    },
  };
}
