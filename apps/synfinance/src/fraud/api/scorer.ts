// Scoring one transaction at a time, as the API does: validate, compute the features through the
// bounded LRU of customer histories (features.ts, the same code training uses), score, explain.

import { type Reason, topReasons } from '@polymorph/gbdt/explain';
import { sigmoid } from '@polymorph/gbdt/gbdt';
import { columnsRow } from '../features/dataset.ts';
import { FeatureExtractor, N_FEATURES, nFeaturesOf } from '../features/features.ts';
import { FieldError, parseTxn } from '../features/transaction.ts';
import type { LoadedModel, Thresholds } from '../training/train.ts';

export type Decision = 'allow' | 'review' | 'block';

export interface Prediction {
  transaction_id: string | null;
  fraud_probability: number;
  risk_score: number;
  decision: Decision;
  top_reasons: Reason[];
  model_version: string;
  processing_time_ms: number;
}

export interface Timed {
  prediction: Prediction;
  /** The feature row (the scorer's buffer: valid until its next call). */
  features: Float64Array;
  featureSeconds: number;
  totalSeconds: number;
  /** Customer-history cache lookup: true hit, false miss, null (model without history features). */
  cacheHit: boolean | null;
  severity: Severity | null;
  reasonGroup: ReasonGroup;
}

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const REASON_GROUPS = [
  'velocity',
  'amount',
  'location',
  'merchant',
  'device',
  'time',
  'payment',
  'history',
  'other',
  'model',
  'unknown',
] as const;
export type ReasonGroup = (typeof REASON_GROUPS)[number];

/** Bounded label values for synfinance_fraud_detections_total{fraud_type}: the top reason's group. */
export function reasonGroup(feature: string | undefined): ReasonGroup {
  if (feature === undefined) return 'unknown';
  if (/^(count_|amount_(1h|6h|24h)_log$|declined_|time_since_last)/.test(feature)) return 'velocity';
  if (/^(amount_|same_amount|round_amount)/.test(feature)) return 'amount';
  if (/^(distance_|travel_speed|new_city)/.test(feature)) return 'location';
  if (/^(new_merchant|merchant_reputation|new_category|category_)/.test(feature)) return 'merchant';
  if (feature === 'new_device') return 'device';
  if (/^(hour|is_weekend)/.test(feature)) return 'time';
  if (/^(type_|channel_|payment_)/.test(feature)) return 'payment';
  if (feature === 'history_count' || feature === 'days_known_log') return 'history';
  return 'other';
}

export function decide(p: number, t: Thresholds): Decision {
  return p >= t.block ? 'block' : p >= t.review ? 'review' : 'allow';
}

export function severityOf(p: number, d: Decision, t: Thresholds): Timed['severity'] {
  if (d === 'allow') return null;
  if (d === 'block') return p >= Math.max(0.97, t.block) ? 'critical' : 'high';
  return p >= (t.review + t.block) / 2 ? 'medium' : 'low';
}

/** A model's row of the full history features: an older version's are the first so many. */
export function historyRow(lm: LoadedModel, features: Float64Array): Float64Array {
  const n = lm.spec.kind === 'synfinance-history' ? nFeaturesOf(lm.spec.version) : features.length;
  return n === features.length ? features : features.subarray(0, n);
}

export class FraudScorer {
  readonly extractor: FeatureExtractor;
  private readonly buf = new Float64Array(N_FEATURES);

  constructor(cacheSize = 100_000) {
    this.extractor = new FeatureExtractor(cacheSize, 'accept');
  }

  /** Feature row of a transaction for `lm`'s feature definition (updates the customer's history). */
  features(
    lm: LoadedModel,
    body: Record<string, unknown>,
  ): { row: Float64Array; hit: boolean | null; id: string | null } {
    if (lm.spec.kind === 'columns') {
      const id = body.transaction_id;
      return {
        row: columnsRow(lm.spec, body),
        hit: null,
        id: id === undefined || id === null ? null : String(id),
      };
    }
    const t = parseTxn(body);
    const { features, hit } = this.extractor.process(t, this.buf);
    return { row: historyRow(lm, features), hit, id: t.transactionId };
  }

  score(
    lm: LoadedModel,
    body: Record<string, unknown>,
    thresholds: Thresholds = lm.thresholds,
    nReasons = 3,
  ): Timed {
    const t0 = performance.now();
    return this.scoreFeatures(lm, this.features(lm, body), thresholds, t0, nReasons);
  }

  /** The prediction from a feature row computed elsewhere (a shared history store), timed from `t0`. */
  scoreFeatures(
    lm: LoadedModel,
    { row, hit, id }: { row: Float64Array; hit: boolean | null; id: string | null },
    thresholds: Thresholds,
    t0: number,
    nReasons = 3,
  ): Timed {
    const t1 = performance.now();
    const z = lm.model.predictRawRow(row);
    const p = sigmoid(z);
    const decision = decide(p, thresholds);
    const reasons = topReasons(lm.model.contributionsRow(row), lm.model.featureNames, row, nReasons);
    const t2 = performance.now();
    return {
      prediction: {
        transaction_id: id,
        fraud_probability: p,
        risk_score: Math.round(100 * p),
        decision,
        top_reasons: reasons,
        model_version: lm.version,
        processing_time_ms: t2 - t0,
      },
      features: row,
      featureSeconds: (t1 - t0) / 1000,
      totalSeconds: (t2 - t0) / 1000,
      cacheHit: hit,
      severity: severityOf(p, decision, thresholds),
      reasonGroup: lm.spec.kind === 'columns' ? 'model' : reasonGroup(reasons[0]?.feature),
    };
  }
}

export { FieldError };
