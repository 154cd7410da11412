// The engine's side of the runs tables: claiming a pending run, renewing its lease, marking runs whose
// engine died as interrupted, and finishing a run. Each state change is one audited transaction under
// the run's row lock, so the API (pause, abort, resume) and other engines see a run in one state only.
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../../db/client.ts';
import type { AppendAudit, AuditContext } from '../../../platform/audit/audit-trail.ts';
import type { LabMetrics } from '../../../platform/lab-metrics.ts';
import type { UnitOfWork } from '../../../platform/unit-of-work.ts';
import { appendRunEvent, lockRun } from '../events.ts';

export const ENGINE_ACTOR = 'system:engine';

/** Audit context of an engine's own actions; the engine id is in each event's `after`. */
export const engineAudit: AuditContext = { actor: ENGINE_ACTOR, requestId: null, ip: null };

/** The engine no longer holds the run (another engine or the server marked it interrupted). */
export class LeaseLost extends Error {
  override readonly name = 'LeaseLost';
}

export interface ClaimedRun {
  id: string;
  runId: string;
}

const AUDITED_ENTITY = 'workflow_execution';

/**
 * Claims the oldest pending run, if any: status running, claimed_by, lease, a 'claimed' event and
 * its audit event in one transaction. SKIP LOCKED: two engines never wait on, nor take, the same run.
 */
export async function claimNextRun(
  uow: UnitOfWork,
  metrics: LabMetrics,
  engineId: string,
  leaseMs: number,
): Promise<ClaimedRun | null> {
  const claimed = await uow.write(async (tx, audit) => {
    const [row] = await queryRows<{ id: string; run_id: string; resume_count: number }>(
      tx,
      sql`SELECT id, run_id, resume_count FROM workflow_executions WHERE status = 'pending'
           ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
    );
    if (!row) return null;
    // queued since the run was created, or since its latest resume
    const [queued] = await queryRows<{ lag_s: string | number }>(
      tx,
      sql`SELECT extract(epoch FROM clock_timestamp() - coalesce(
             (SELECT created_at FROM run_events WHERE execution_id = ${row.id} AND type IN ('created', 'resumed')
               ORDER BY seq DESC LIMIT 1),
             (SELECT created_at FROM workflow_executions WHERE id = ${row.id}))) AS lag_s`,
    );
    await tx.execute(
      sql`UPDATE workflow_executions SET status = 'running', claimed_by = ${engineId},
             lease_expires_at = now() + make_interval(secs => ${leaseMs / 1000}),
             started_at = coalesce(started_at, now()), updated_at = now()
           WHERE id = ${row.id}`,
    );
    const payload = { engine: engineId, lease_ms: leaseMs, resume_count: row.resume_count };
    await appendRunEvent(tx, row.id, { type: 'claimed', payload });
    audit(engineAudit, {
      action: 'run.claimed',
      entityType: AUDITED_ENTITY,
      entityId: row.run_id,
      before: { status: 'pending' },
      after: { status: 'running', ...payload },
    });
    const lag = queued ? Number(queued.lag_s) : null;
    return { id: row.id, runId: row.run_id, lag };
  });
  if (!claimed) return null;
  if (claimed.lag !== null) metrics.engineClaimLag.observe(Math.max(0, claimed.lag));
  metrics.runsTotal.inc({ status: 'running' });
  return { id: claimed.id, runId: claimed.runId };
}

/**
 * Extends the lease; false when the run is no longer this engine's to drive. Not audited: the lease is
 * bookkeeping of who drives the run, and a heartbeat every few seconds would flood the chain; every
 * change of the run's status is audited.
 */
export async function renewLease(
  uow: UnitOfWork,
  executionId: string,
  engineId: string,
  leaseMs: number,
): Promise<boolean> {
  return uow.write(async (tx) => {
    const rows = await queryRows<{ id: string }>(
      tx,
      sql`UPDATE workflow_executions SET lease_expires_at = now() + make_interval(secs => ${leaseMs / 1000})
           WHERE id = ${executionId} AND claimed_by = ${engineId} AND status IN ('running', 'paused')
           RETURNING id`,
    );
    return rows.length === 1;
  });
}

type InterruptRow = { id: string; run_id: string; status: string; claimed_by: string | null };

/**
 * Marks running or paused runs whose lease expired as interrupted (all of them when `expiredOnly` is
 * false: at the start of the only process an embedded database admits, no other engine can be alive).
 * The open step is closed as interrupted. Returns the run ids marked.
 */
export async function markInterrupted(
  uow: UnitOfWork,
  metrics: LabMetrics,
  by: string,
  options: { expiredOnly: boolean } = { expiredOnly: true },
): Promise<string[]> {
  const reason = options.expiredOnly ? 'the engine lease expired' : 'found running at server start';
  const marked = await uow.write(async (tx, audit) => {
    const rows = await queryRows<InterruptRow>(
      tx,
      sql`SELECT id, run_id, status, claimed_by FROM workflow_executions
           WHERE status IN ('running', 'paused')
             AND ${options.expiredOnly ? sql`(lease_expires_at IS NULL OR lease_expires_at < now())` : sql`TRUE`}
           ORDER BY id FOR UPDATE SKIP LOCKED`,
    );
    for (const row of rows) await interrupt(tx, audit, row, by, reason);
    return rows.map((r) => r.run_id);
  });
  for (const _ of marked) metrics.runsTotal.inc({ status: 'interrupted' });
  return marked;
}

/** This engine gives up a run it holds (shutdown): interrupted at once, resumable without waiting. */
export async function interruptRun(
  uow: UnitOfWork,
  metrics: LabMetrics,
  executionId: string,
  engineId: string,
  reason: string,
): Promise<boolean> {
  const done = await uow.write(async (tx, audit) => {
    const [row] = await queryRows<InterruptRow>(
      tx,
      sql`SELECT id, run_id, status, claimed_by FROM workflow_executions
           WHERE id = ${executionId} AND claimed_by = ${engineId} AND status IN ('running', 'paused') FOR UPDATE`,
    );
    if (!row) return false;
    await interrupt(tx, audit, row, engineId, reason);
    return true;
  });
  if (done) metrics.runsTotal.inc({ status: 'interrupted' });
  return done;
}

async function interrupt(tx: LabTx, audit: AppendAudit, row: InterruptRow, by: string, reason: string) {
  await tx.execute(
    sql`UPDATE workflow_executions SET status = 'interrupted', claimed_by = NULL, lease_expires_at = NULL,
           updated_at = now() WHERE id = ${row.id}`,
  );
  const steps = await queryRows<{ pc: number; step_id: string }>(
    tx,
    sql`UPDATE run_steps SET outcome = 'interrupted', ended_at = now()
         WHERE execution_id = ${row.id} AND outcome IS NULL RETURNING pc, step_id`,
  );
  const payload = {
    engine: row.claimed_by,
    marked_by: by,
    reason,
    open_steps: steps.map((s) => ({ pc: s.pc, step_id: s.step_id })),
  };
  await appendRunEvent(tx, row.id, { type: 'interrupted', payload });
  audit(engineAudit, {
    action: 'run.interrupted',
    entityType: AUDITED_ENTITY,
    entityId: row.run_id,
    before: { status: row.status, claimed_by: row.claimed_by },
    after: { status: 'interrupted', ...payload },
  });
}

export interface RunOutcome {
  status: 'completed' | 'failed' | 'aborted';
  checkpoint: { pc: number; iterations: Record<string, number> } | null;
  failureCode?: string;
  errorMessage?: string;
  abortReason?: string;
  detail?: Record<string, unknown>;
}

/**
 * The run's end: status, completion time, the 'finished' event, the claim released; audited. Throws
 * LeaseLost when the run is no longer this engine's (it was marked interrupted meanwhile).
 */
export async function finishRun(
  uow: UnitOfWork,
  metrics: LabMetrics,
  run: ClaimedRun,
  engineId: string,
  outcome: RunOutcome,
): Promise<void> {
  await uow.write(async (tx, audit) => {
    await lockRun(tx, run.id);
    const before = await holdsClaim(tx, run.id, engineId);
    const abortReason = outcome.status === 'aborted' ? (outcome.abortReason ?? null) : null;
    await tx.execute(
      sql`UPDATE workflow_executions SET status = ${outcome.status}, completed_at = now(), updated_at = now(),
             failure_code = ${outcome.failureCode ?? null}, error_message = ${outcome.errorMessage ?? null},
             abort_reason = coalesce(abort_reason, ${abortReason}),
             checkpoint = coalesce(${outcome.checkpoint ? JSON.stringify(outcome.checkpoint) : null}::jsonb, checkpoint),
             claimed_by = NULL, lease_expires_at = NULL
           WHERE id = ${run.id}`,
    );
    const payload = {
      status: outcome.status,
      ...(outcome.failureCode ? { failure_code: outcome.failureCode } : {}),
      ...(outcome.errorMessage ? { error_message: outcome.errorMessage } : {}),
      ...(abortReason ? { abort_reason: abortReason } : {}),
      ...(outcome.detail ?? {}),
      engine: engineId,
    };
    await appendRunEvent(tx, run.id, { type: 'finished', payload });
    audit(engineAudit, {
      action: `run.${outcome.status}`,
      entityType: AUDITED_ENTITY,
      entityId: run.runId,
      before: { status: before },
      after: payload,
    });
  });
  metrics.runsTotal.inc({ status: outcome.status });
}

/** The run's status when this engine holds it; LeaseLost otherwise. The caller holds lockRun. */
export async function holdsClaim(
  tx: Parameters<typeof lockRun>[0],
  executionId: string,
  engineId: string,
): Promise<string> {
  const [row] = await queryRows<{ status: string; claimed_by: string | null }>(
    tx,
    sql`SELECT status, claimed_by FROM workflow_executions WHERE id = ${executionId}`,
  );
  if (!row || row.claimed_by !== engineId || (row.status !== 'running' && row.status !== 'paused')) {
    throw new LeaseLost(
      `run ${executionId} is ${row?.status ?? 'gone'}, held by ${row?.claimed_by ?? 'nobody'}`,
    );
  }
  return row.status;
}
