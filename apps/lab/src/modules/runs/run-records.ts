// A run as stored (workflow_executions and what hangs off it) and as the API shows it. Reads only;
// the service decides what changes.
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { iso } from '../../db/sql-values.ts';
import { type Caller, notFound, visibleTo } from '../../platform/access/lab-scope.ts';
import type { SignableRecord } from '../signatures/port.ts';
import {
  RUN_RELEASE_STATUSES,
  RUN_STATUSES,
  type RunReleaseStatus,
  type RunStatus,
  type RunView,
  TERMINAL_STATUSES,
} from './schemas.ts';

export type Tx = Pick<LabTx, 'execute'>;

const RUN_VIEW = sql`SELECT x.id, x.run_id, x.status, l.lab_id, x.operator, x.definition_hash, x.parameters, x.devices,
    x.seed, x.checkpoint, x.abort_reason, x.failure_code, x.error_message, x.resume_count, x.claimed_by,
    x.lease_expires_at, x.created_at, x.started_at, x.completed_at, x.updated_at, x.lab_id AS lab_uuid,
    x.release_status, x.reviewed_by, x.reviewed_at, x.review_signature_id, x.review_record_hash, x.decided_by,
    x.decided_at, x.decision_signature_id,
    v.workflow_name, v.version, v.id AS version_id, c.snapshot_id, c.config_hash, c.config -> 'lots' AS lots,
    (SELECT coalesce(json_agg(s.sample_id ORDER BY s.sample_id), '[]'::json)
       FROM workflow_sample_assignments a JOIN samples s ON s.id = a.sample_id WHERE a.execution_id = x.id) AS samples,
    (SELECT count(*)::int FROM run_steps r WHERE r.execution_id = x.id AND r.outcome = 'completed') AS steps_completed,
    (SELECT coalesce(max(e.seq), 0) FROM run_events e WHERE e.execution_id = x.id) AS last_event_seq,
    (SELECT json_build_object('pc', r.pc, 'step_id', r.step_id, 'op', r.op, 'iteration', r.iteration, 'started_at', r.started_at)
       FROM run_steps r WHERE r.execution_id = x.id AND r.ended_at IS NULL ORDER BY r.started_at DESC LIMIT 1) AS current_step
  FROM workflow_executions x
  JOIN workflow_versions v ON v.id = x.workflow_version_id
  LEFT JOIN config_snapshots c ON c.id = x.config_snapshot_id
  LEFT JOIN labs l ON l.id = x.lab_id`;

export interface RunRow {
  id: string;
  run_id: string;
  status: string;
  lab_id: string | null;
  lab_uuid: string | null;
  operator: string;
  definition_hash: string;
  parameters: Record<string, number> | null;
  devices: { spectrometer: string; temperature_controller: string; daq: string } | null;
  seed: number | null;
  checkpoint: { pc: number; iterations: Record<string, number> } | null;
  abort_reason: string | null;
  failure_code: string | null;
  error_message: string | null;
  resume_count: number;
  claimed_by: string | null;
  lease_expires_at: unknown;
  created_at: unknown;
  started_at: unknown;
  completed_at: unknown;
  updated_at: unknown;
  release_status: string;
  reviewed_by: string | null;
  reviewed_at: unknown;
  review_signature_id: string | null;
  review_record_hash: string | null;
  decided_by: string | null;
  decided_at: unknown;
  decision_signature_id: string | null;
  workflow_name: string;
  version: number;
  version_id: string;
  snapshot_id: string | null;
  config_hash: string | null;
  lots: { lot_number: string }[] | null;
  samples: string[];
  steps_completed: number;
  last_event_seq: number | string;
  current_step: {
    pc: number;
    step_id: string;
    op: string;
    iteration: number | null;
    started_at: string;
  } | null;
}

export function runStatusOf(s: string): RunStatus {
  const found = RUN_STATUSES.find((x) => x === s);
  if (!found) throw new Error(`workflow_executions.status ${s} is not a run status`);
  return found;
}

export function releaseStatusOf(s: string): RunReleaseStatus {
  const found = RUN_RELEASE_STATUSES.find((x) => x === s);
  if (!found) throw new Error(`workflow_executions.release_status ${s} is not a release status`);
  return found;
}

export function runView(r: RunRow): RunView {
  return {
    run_id: r.run_id,
    workflow: { name: r.workflow_name, version: r.version, version_id: r.version_id },
    status: runStatusOf(r.status),
    lab_id: r.lab_id,
    operator: r.operator,
    definition_hash: r.definition_hash,
    config_snapshot_id: r.snapshot_id ?? '',
    config_hash: r.config_hash ?? '',
    parameters: r.parameters ?? {},
    devices: r.devices ?? { spectrometer: '', temperature_controller: '', daq: '' },
    samples: r.samples,
    lots: (r.lots ?? []).map((l) => l.lot_number),
    seed: r.seed ?? 0,
    checkpoint: r.checkpoint,
    current_step: r.current_step && { ...r.current_step, started_at: iso(r.current_step.started_at)! },
    steps_completed: r.steps_completed,
    last_event_seq: Number(r.last_event_seq),
    abort_reason: r.abort_reason,
    failure_code: r.failure_code,
    error_message: r.error_message,
    resume_count: r.resume_count,
    claimed_by: r.claimed_by,
    lease_expires_at: iso(r.lease_expires_at),
    created_at: iso(r.created_at)!,
    started_at: iso(r.started_at),
    completed_at: iso(r.completed_at),
    updated_at: iso(r.updated_at)!,
    release_status: releaseStatusOf(r.release_status),
    reviewed_by: r.reviewed_by,
    reviewed_at: iso(r.reviewed_at),
    review_signature_id: r.review_signature_id,
    decided_by: r.decided_by,
    decided_at: iso(r.decided_at),
    decision_signature_id: r.decision_signature_id,
  };
}

/** The run as the caller may see it (404 for another lab's); `lock` takes the run's row lock first. */
export async function runRow(tx: Tx, caller: Caller, runId: string, lock = false): Promise<RunRow> {
  if (lock) {
    await tx.execute(
      sql`SELECT 1 FROM workflow_executions x WHERE x.run_id = ${runId} AND ${visibleTo(caller, sql`x.lab_id`)} FOR UPDATE`,
    );
  }
  const [row] = await queryRows<RunRow>(
    tx,
    sql`${RUN_VIEW} WHERE x.run_id = ${runId} AND x.lab_id IS NOT NULL AND ${visibleTo(caller, sql`x.lab_id`)}`,
  );
  if (!row) throw notFound('Run', runId);
  return row;
}

/**
 * The run's identity, its parameters and where it is: what a resume, a human input, a review or an
 * approval signature binds to. The release fields are not part of it, so a review stays current while
 * the run waits for approval.
 */
export const signableRunContent = (r: RunRow) => ({
  run_id: r.run_id,
  lab_id: r.lab_id,
  workflow: r.workflow_name,
  version: r.version,
  definition_hash: r.definition_hash,
  config_hash: r.config_hash,
  parameters: r.parameters,
  devices: r.devices,
  seed: r.seed,
  operator: r.operator,
  status: r.status,
  checkpoint: r.checkpoint,
  resume_count: r.resume_count,
  last_event_seq: Number(r.last_event_seq),
});

/**
 * Loads a run for the signature service. While a run executes it has no author: whoever started it may
 * sign its resume or a human input (an operational confirmation, not a second person's review). Once
 * it has ended, the person who started it is its author: they may not review, approve or reject it.
 */
export async function runSignableContent(
  tx: Tx,
  recordId: string,
  scope: Caller,
): Promise<SignableRecord | null> {
  const [row] = await queryRows<RunRow>(
    tx,
    sql`${RUN_VIEW} WHERE x.run_id = ${recordId} AND x.lab_id IS NOT NULL AND ${visibleTo(scope, sql`x.lab_id`)}`,
  );
  if (!row) return null;
  const ended = TERMINAL_STATUSES.includes(runStatusOf(row.status));
  return { content: signableRunContent(row), authors: ended ? [row.operator] : [] };
}
