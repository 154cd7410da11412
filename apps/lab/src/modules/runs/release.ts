// Review and release of an ended run: a reviewer signs `reviewed`, then QA signs `approved` or
// `rejected`. Each step is an e-signature through the signatures port, committed in one transaction
// with the run's release status; who may sign which meaning is data (platform/access/signing-authority.ts).
import { sql } from 'drizzle-orm';
import type { LabTx } from '../../db/client.ts';
import type { Caller } from '../../platform/access/lab-scope.ts';
import { catalogueProblem, type HttpProblem } from '../../platform/http/problem.ts';
import { recordHash } from '../../platform/signatures/manifest.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import type { RecordSigning } from '../signatures/port.ts';
import { type RunRow, runRow, runStatusOf, runView, signableRunContent } from './run-records.ts';
import { type RunReleaseSigning, type RunView, TERMINAL_STATUSES } from './schemas.ts';

export type ReleaseMeaning = 'reviewed' | 'approved' | 'rejected';

/** The release meanings are signed on a run only through these routes (routes.ts), never the generic one. */
export const RUN_RELEASE_ROUTES: Record<ReleaseMeaning, string> = {
  reviewed: 'POST /api/runs/{runId}/review',
  approved: 'POST /api/runs/{runId}/approve',
  rejected: 'POST /api/runs/{runId}/reject',
};

const ACTIONS: Record<ReleaseMeaning, string> = {
  reviewed: 'run.reviewed',
  approved: 'run.approved',
  rejected: 'run.rejected',
};

const releaseConflict = (run: RunRow, detail: string) =>
  catalogueProblem('run-release-conflict', `${run.run_id} is ${run.release_status}: ${detail}`, {
    extensions: { release_status: run.release_status },
  });

/**
 * Why this step cannot start from the run as it is, or null. The checks that need no credentials come
 * first, so a refusal here re-authenticates nobody and stores nothing.
 */
export function releaseRefusal(run: RunRow, meaning: ReleaseMeaning, caller: Caller): HttpProblem | null {
  if (!TERMINAL_STATUSES.includes(runStatusOf(run.status))) {
    return catalogueProblem(
      'run-state-conflict',
      `${run.run_id} is ${run.status}: only a completed, failed or aborted run can be reviewed or decided`,
      { extensions: { run_status: run.status } },
    );
  }
  if (run.release_status === 'approved' || run.release_status === 'rejected') {
    return releaseConflict(run, 'the run is decided and its release cannot change');
  }
  if (meaning === 'reviewed') {
    return run.release_status === 'unreviewed' ? null : releaseConflict(run, 'the run is already reviewed');
  }
  if (meaning === 'approved' && run.release_status !== 'reviewed') {
    return releaseConflict(run, 'approval needs a signed review first');
  }
  if (run.reviewed_by !== null && run.reviewed_by === caller.email) {
    return catalogueProblem(
      'segregation-of-duties',
      `${run.run_id} was reviewed by you: another person approves or rejects it`,
    );
  }
  if (run.review_record_hash !== null && run.review_record_hash !== recordHash(signableRunContent(run))) {
    return releaseConflict(run, 'the run changed after its review; it needs a new review');
  }
  return null;
}

/** The three release steps of a run; RunService holds one (routes reach it as `runs.release`). */
export class RunRelease {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly signing: RecordSigning,
  ) {}

  /**
   * Signs `meaning` on the run and moves its release status in the same transaction. A refused signing
   * (authority, credentials, the run's starter) commits only the signature service's audit of the
   * attempt; the run and its signatures stay as they were.
   */
  async sign(
    runId: string,
    meaning: ReleaseMeaning,
    input: RunReleaseSigning,
    caller: Caller,
  ): Promise<RunView> {
    let refused: HttpProblem | undefined;
    const view = await this.uow.write(async (tx, append) => {
      const before = await runRow(tx, caller, runId, true);
      const refusal = releaseRefusal(before, meaning, caller);
      if (refusal?.slug === 'segregation-of-duties') {
        // Audited like the signature service's own segregation refusals; nothing else is stored.
        append(caller.ctx, {
          action: 'signature.refused',
          entityType: 'run',
          entityId: before.run_id,
          after: { meaning, reason: 'reviewer_decides' },
        });
        refused = refusal;
        return null;
      }
      if (refusal) throw refusal;
      const signed = await this.signing.signInTransaction(tx, append, caller, {
        record_type: 'run',
        record_id: before.run_id,
        meaning,
        reason: input.reason,
        password: input.password,
        ...(input.user_id === undefined ? {} : { user_id: input.user_id }),
        ...(input.mfa_code === undefined ? {} : { mfa_code: input.mfa_code }),
      });
      if (!signed.ok) {
        refused = signed.problem;
        return null;
      }
      await this.record(tx, before, meaning, caller, signed.signature);
      const after = runView(await runRow(tx, caller, runId));
      append(caller.ctx, {
        action: ACTIONS[meaning],
        entityType: 'run',
        entityId: before.run_id,
        before: runView(before),
        after,
        reason: input.reason,
      });
      return after;
    });
    if (refused) throw refused;
    return view!;
  }

  private async record(
    tx: Pick<LabTx, 'execute'>,
    run: RunRow,
    meaning: ReleaseMeaning,
    caller: Caller,
    signature: { id: string; record_hash: string },
  ): Promise<void> {
    if (meaning === 'reviewed') {
      await tx.execute(sql`UPDATE workflow_executions SET release_status = 'reviewed', reviewed_by = ${caller.email},
          reviewed_at = now(), review_signature_id = ${signature.id}, review_record_hash = ${signature.record_hash},
          updated_at = now() WHERE id = ${run.id}`);
      return;
    }
    await tx.execute(sql`UPDATE workflow_executions SET release_status = ${meaning}, decided_by = ${caller.email},
        decided_at = now(), decision_signature_id = ${signature.id}, updated_at = now() WHERE id = ${run.id}`);
  }
}
