/**
 * Quality score, 0–100: 100 minus penalties for missing values, schema violations, outliers and drift,
 * clamped to [0, 100]. Exactly:
 *
 *   m = mean over schema fields of max(0, missingRate_f − referenceMissingRate_f)
 *   v = invalidRecords / records                       (records with at least one schema violation)
 *   o = mean over numeric fields with fences of max(0, outlierRate_f − referenceOutlierRate_f)
 *   P_missing    = 100 · w_missing    · m              (w_missing    = 1 by default)
 *   P_violations = 100 · w_violations · v              (w_violations = 1 by default)
 *   P_outliers   = 100 · w_outliers   · o              (w_outliers   = 1 by default)
 *   P_drift      = min(driftCap, driftPoints · #fields in 'drift' + warnPoints · #fields in 'warn')
 *                  (driftPoints = 10, warnPoints = 5, driftCap = 40; a field's verdict is its worst method's,
 *                   fields with 'insufficient_data' cost nothing)
 *   score = clamp(100 − P_missing − P_violations − P_outliers − P_drift, 0, 100)
 *
 * The reference rates are the profile's (0 without a profile): a field that is as incomplete, or has as
 * many outliers, as the data the model was trained on is not penalised again.
 */

export interface ScoreWeights {
  missing: number;
  violations: number;
  outliers: number;
  driftPoints: number;
  warnPoints: number;
  driftCap: number;
}

export const DEFAULT_SCORE_WEIGHTS: ScoreWeights = {
  missing: 1,
  violations: 1,
  outliers: 1,
  driftPoints: 10,
  warnPoints: 5,
  driftCap: 40,
};

export interface ScoreInputs {
  /** m above: mean excess missing rate, in [0, 1]. */
  missingExcess: number;
  /** v above: share of records with a violation, in [0, 1]. */
  invalidRecordRate: number;
  /** o above: mean excess outlier rate, in [0, 1]. */
  outlierExcess: number;
  driftedFields: number;
  warnFields: number;
}

export interface QualityScore {
  score: number;
  penalties: { missing: number; violations: number; outliers: number; drift: number };
  inputs: ScoreInputs;
}

export function qualityScore(inputs: ScoreInputs, weights: Partial<ScoreWeights> = {}): QualityScore {
  const w = { ...DEFAULT_SCORE_WEIGHTS, ...weights };
  const penalties = {
    missing: 100 * w.missing * inputs.missingExcess,
    violations: 100 * w.violations * inputs.invalidRecordRate,
    outliers: 100 * w.outliers * inputs.outlierExcess,
    drift: Math.min(w.driftCap, w.driftPoints * inputs.driftedFields + w.warnPoints * inputs.warnFields),
  };
  const raw = 100 - penalties.missing - penalties.violations - penalties.outliers - penalties.drift;
  return { score: Math.min(100, Math.max(0, raw)), penalties, inputs };
}
