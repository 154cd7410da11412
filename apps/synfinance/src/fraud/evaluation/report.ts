import {
  averagePrecision,
  type CalibrationTable,
  type CostThreshold,
  calibrationTable,
  costBasedThreshold,
  type FraudTypeRecall,
  metricsAtThreshold,
  recallByFraudType,
  rocAuc,
  type ThresholdMetrics,
} from './metrics.ts';
import { type CardPrecisionResult, cardPrecisionAtK } from './topk.ts';

/**
 * One evaluation report from labels and predicted probabilities, with the optional per-row context
 * (day, card, fraud type, amounts) that the day-based and cost-based metrics need. The `train` and
 * `evaluate` commands print it with `formatReport` and write it with `reportToJson`.
 */
export interface EvaluationInput {
  labels: ArrayLike<number>;
  /** Predicted fraud probabilities in [0, 1]. */
  probs: ArrayLike<number>;
  /** Decision threshold for precision/recall/F1 and recall per fraud type (flag prob >= threshold). */
  threshold?: number;
  /** Day index per row and card/customer id per row, for card precision@k. */
  days?: ArrayLike<number>;
  cardIds?: ArrayLike<string | number>;
  k?: number;
  fraudTypes?: ArrayLike<string | null | undefined>;
  /** Cost of a missed fraud (constant or per row, e.g. the amount) and of a false alert. */
  costFn?: number | ArrayLike<number>;
  costFp?: number;
  calibrationBins?: number;
}

export interface EvaluationReport {
  rows: number;
  frauds: number;
  fraud_rate: number;
  roc_auc: number;
  average_precision: number;
  at_threshold: ThresholdMetrics;
  card_precision_at_k: CardPrecisionResult | null;
  recall_by_fraud_type: FraudTypeRecall[] | null;
  cost_threshold: (CostThreshold & { cost_fn: number | 'per-row'; cost_fp: number }) | null;
  calibration: CalibrationTable;
}

export function buildEvaluationReport(input: EvaluationInput): EvaluationReport {
  const { labels, probs } = input;
  const threshold = input.threshold ?? 0.5;
  let frauds = 0;
  for (let i = 0; i < labels.length; i++) frauds += labels[i] === 1 ? 1 : 0;
  const cardPrecision =
    input.days && input.cardIds
      ? cardPrecisionAtK(
          { day: input.days, cardId: input.cardIds, label: labels, score: probs },
          input.k ?? 100,
        )
      : null;
  const cost =
    input.costFn !== undefined && input.costFp !== undefined
      ? {
          ...costBasedThreshold(labels, probs, input.costFn, input.costFp),
          cost_fn: typeof input.costFn === 'number' ? input.costFn : ('per-row' as const),
          cost_fp: input.costFp,
        }
      : null;
  return {
    rows: labels.length,
    frauds,
    fraud_rate: labels.length ? frauds / labels.length : Number.NaN,
    roc_auc: rocAuc(labels, probs),
    average_precision: averagePrecision(labels, probs),
    at_threshold: metricsAtThreshold(labels, probs, threshold),
    card_precision_at_k: cardPrecision,
    recall_by_fraud_type: input.fraudTypes
      ? recallByFraudType(labels, probs, input.fraudTypes, threshold)
      : null,
    cost_threshold: cost,
    calibration: calibrationTable(labels, probs, input.calibrationBins ?? 10),
  };
}

/** JSON text of a report; NaN and ±Infinity (undefined metrics, "flag nothing") become null. */
export function reportToJson(report: EvaluationReport): string {
  return JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}

const f4 = (x: number | null) => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(4));

/** Human-readable summary for the terminal. */
export function formatReport(r: EvaluationReport): string {
  const out: string[] = [];
  out.push(`rows ${r.rows}, frauds ${r.frauds} (${(100 * r.fraud_rate).toFixed(3)}%)`);
  out.push(`ROC AUC            ${f4(r.roc_auc)}`);
  out.push(`average precision  ${f4(r.average_precision)}`);
  const t = r.at_threshold;
  out.push(
    `at threshold ${t.threshold}: precision ${f4(t.precision)}, recall ${f4(t.recall)}, F1 ${f4(t.f1)} ` +
      `(tp ${t.tp}, fp ${t.fp}, fn ${t.fn}, tn ${t.tn})`,
  );
  if (r.card_precision_at_k) {
    const c = r.card_precision_at_k;
    out.push(`card precision@${c.k} ${f4(c.mean)} (mean over ${c.days.length} days)`);
  }
  if (r.recall_by_fraud_type) {
    out.push('recall by fraud type:');
    for (const x of r.recall_by_fraud_type) {
      out.push(`  ${x.fraudType.padEnd(28)} ${f4(x.recall)}  (${x.detected}/${x.frauds})`);
    }
  }
  if (r.cost_threshold) {
    const c = r.cost_threshold;
    out.push(
      `cost-based threshold (FN ${c.cost_fn}, FP ${c.cost_fp}): ${c.threshold === Number.POSITIVE_INFINITY ? 'flag nothing' : f4(c.threshold)}, ` +
        `cost ${c.cost.toFixed(2)} (flag none ${c.costFlagNone.toFixed(2)}, flag all ${c.costFlagAll.toFixed(2)}), ` +
        `precision ${f4(c.precision)}, recall ${f4(c.recall)}`,
    );
  }
  out.push(`calibration (${r.calibration.strategy}, ECE ${f4(r.calibration.ece)}):`);
  out.push('  bin            count   mean predicted   observed rate');
  for (const b of r.calibration.bins) {
    out.push(
      `  [${b.lower.toFixed(2)}, ${b.upper.toFixed(2)})  ${String(b.count).padStart(8)}   ${f4(b.meanPredicted).padStart(14)}   ${f4(b.observedRate).padStart(13)}`,
    );
  }
  return out.join('\n');
}
