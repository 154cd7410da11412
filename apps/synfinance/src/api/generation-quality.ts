// Every generated batch is checked against the declared transaction schema: missing values and
// outliers beyond the default world's own rates, and schema violations, on its first shard. Drift is
// not judged here (each seed is a different synthetic world, so there is no single reference); it is
// monitored on scoring traffic against the model's training profile.
import { buildReferenceProfile, type ReferenceProfile } from '@polymorph/observability/quality/profile';
import type { QualityMetrics } from '@polymorph/observability/quality/prometheus-exporter';
import { qualityReport } from '@polymorph/observability/quality/report';
import { planShards } from '../generator/plan.ts';
import { TaskRunner } from '../generator/task.ts';
import { defaultGenParams, type GenParams } from '../generator/types.ts';
import { TRANSACTION_QUALITY_SCHEMA, typedTransaction } from '../quality/transaction-quality-schema.ts';

/** Rows of the default world's first shard that the baseline profile is built from. */
const BASELINE_ROWS = 20_000;

/** The first shard (up to 20,000 rows) of a generation, regenerated as JSON: the same rows in any format. */
function firstShardRecords(params: GenParams, count: number): Record<string, unknown>[] {
  const first = planShards(count, params.days, params.shardRows)[0];
  if (!first) return [];
  const text = new TextDecoder().decode(new TaskRunner(params, 'jsonl').run(0, [first]).txnText!);
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => typedTransaction(JSON.parse(line) as Record<string, unknown>));
}

export class GeneratedBatchMonitor {
  // Expected missing and outlier rates come from the default world; built on first use.
  private baseline: ReferenceProfile | undefined;

  constructor(
    private readonly quality: QualityMetrics,
    private readonly warn: (err: unknown, message: string) => void,
  ) {}

  /** Reports the batch's quality as the synfinance_data_* series with stream="generated". */
  check(params: GenParams, count: number): void {
    try {
      this.baseline ??= buildReferenceProfile(
        firstShardRecords(defaultGenParams(), BASELINE_ROWS),
        TRANSACTION_QUALITY_SCHEMA,
      );
      const report = qualityReport(
        this.baseline,
        firstShardRecords(params, count),
        TRANSACTION_QUALITY_SCHEMA,
        {
          minWindow: Number.MAX_SAFE_INTEGER,
        },
      );
      this.quality.record('generated', report);
    } catch (err) {
      this.warn(err, 'data-quality check of a generated batch failed');
    }
  }
}
