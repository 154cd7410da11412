import { describe, expect, it } from 'vitest';
import { buildEvaluationReport, formatReport, reportToJson } from './report.ts';

describe('evaluation report', () => {
  const input = {
    labels: [0, 0, 1, 1, 0, 1],
    probs: [0.1, 0.4, 0.35, 0.8, 0.2, 0.9],
    threshold: 0.5,
    days: [0, 0, 0, 1, 1, 1],
    cardIds: ['a', 'b', 'c', 'a', 'b', 'c'],
    k: 1,
    fraudTypes: [null, null, 'ato', 'ato', null, 'card_testing'],
    costFn: 10,
    costFp: 1,
  };

  it('combines the metrics (values checked against hand computation)', () => {
    const r = buildEvaluationReport(input);
    expect(r.rows).toBe(6);
    expect(r.frauds).toBe(3);
    // Pairs: positives .35,.8,.9 vs negatives .1,.4,.2 -> 8 of 9 correct (only .35 < .4).
    expect(r.roc_auc).toBeCloseTo(8 / 9, 12);
    // Descending .9+ .8+ .4- .35+ ...: AP = 1/3*1 + 1/3*1 + 1/3*(3/4).
    expect(r.average_precision).toBeCloseTo(2 / 3 + 0.25, 12);
    expect(r.at_threshold).toMatchObject({ tp: 2, fp: 0, fn: 1 });
    // Day 0: top card b (.4, genuine) -> 0; day 1: top card c (.9, fraud) -> 1.
    expect(r.card_precision_at_k!.mean).toBe(0.5);
    expect(r.recall_by_fraud_type!.map((x) => [x.fraudType, x.recall])).toEqual([
      ['ato', 0.5],
      ['card_testing', 1],
    ]);
    // Cost: flag >= .35 -> 0 FN, 1 FP = 1 (best).
    expect(r.cost_threshold).toMatchObject({ threshold: 0.35, cost: 1, cost_fn: 10, cost_fp: 1 });
    expect(r.calibration.bins).toHaveLength(10);
  });

  it('writes JSON with null for undefined metrics and prints a summary', () => {
    const r = buildEvaluationReport({ labels: [0, 0], probs: [0.1, 0.2] });
    const j = JSON.parse(reportToJson(r));
    expect(j.roc_auc).toBeNull();
    expect(j.average_precision).toBeNull();
    expect(j.card_precision_at_k).toBeNull();
    const text = formatReport(buildEvaluationReport(input));
    expect(text).toContain('ROC AUC            0.8889');
    expect(text).toContain('card precision@1 0.5000');
    expect(text).toMatch(/cost-based threshold \(FN 10, FP 1\): 0\.3500/);
  });
});
