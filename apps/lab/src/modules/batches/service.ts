import { type SQL, sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { iso } from '../../db/sql-values.ts';
import { type Caller, notFound, visibleTo } from '../../platform/access/lab-scope.ts';
import type { AppendAudit, AuditContext } from '../../platform/audit/audit-trail.ts';
import { offsetPage } from '../../platform/http/offset-page.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import type {
  BATCH_SORTS,
  BatchCreate,
  BatchDecision,
  BatchDetail,
  BatchList,
  BatchQuery,
  BatchUpdate,
  BatchView,
} from './schemas.ts';

type Tx = Pick<LabTx, 'execute'>;

const SORTS: Record<(typeof BATCH_SORTS)[number], SQL> = {
  '-created_at': sql`b.created_at DESC, b.batch_id`,
  created_at: sql`b.created_at, b.batch_id`,
  batch_id: sql`b.batch_id`,
  status: sql`b.status, b.batch_id`,
};

const VIEW = sql`SELECT b.id, b.batch_id, p.project_id, b.status, b.description, l.lab_id, b.created_by, b.created_at,
    b.updated_at, b.decided_by, b.decided_at, b.decision_signature_id
  FROM batches b JOIN projects p ON p.id = b.project_id LEFT JOIN labs l ON l.id = b.lab_id`;
type Row = Omit<BatchView, 'created_at' | 'updated_at' | 'decided_at'> & {
  id: string;
  created_at: unknown;
  updated_at: unknown;
  decided_at: unknown;
};
const toView = (r: Row): BatchView => ({
  batch_id: r.batch_id,
  project_id: r.project_id,
  status: r.status,
  description: r.description,
  lab_id: r.lab_id,
  created_by: r.created_by,
  created_at: iso(r.created_at)!,
  updated_at: iso(r.updated_at)!,
  decided_by: r.decided_by,
  decided_at: iso(r.decided_at),
  decision_signature_id: r.decision_signature_id,
});

/** The batch as the API shows it, in the caller's lab; null when unknown there. */
export async function batchInScope(tx: Tx, batchId: string, scope: Caller): Promise<BatchView | null> {
  const [row] = await queryRows<Row>(
    tx,
    sql`${VIEW} WHERE b.batch_id = ${batchId} AND ${visibleTo(scope, sql`b.lab_id`)}`,
  );
  return row ? toView(row) : null;
}

/**
 * What a batch signature binds to: the batch as reviewed, without its decision fields. A batch of a
 * lab the signer cannot see is not found, like an unknown one.
 */
export async function batchSignableContent(tx: Tx, batchId: string, scope: Caller) {
  const [row] = await queryRows<Row>(
    tx,
    sql`${VIEW} WHERE b.batch_id = ${batchId} AND ${visibleTo(scope, sql`b.lab_id`)}`,
  );
  if (!row) return null;
  const samples = await queryRows<{ sample_id: string; status: string }>(
    tx,
    sql`SELECT sample_id, status FROM samples WHERE batch_id = ${row.id} AND deleted_at IS NULL ORDER BY sample_id`,
  );
  return {
    content: {
      batch_id: row.batch_id,
      project_id: row.project_id,
      description: row.description,
      lab_id: row.lab_id,
      created_by: row.created_by,
      created_at: iso(row.created_at),
      samples,
    },
    authors: [row.created_by],
  };
}

/**
 * The e-signature step of a release or rejection, as the batch service needs it: re-authenticate the
 * signer, enforce segregation of duties against the batch's creator, store the signature, all inside the
 * caller's transaction. signature-adapter.ts connects it to the signatures port.
 */
export interface BatchDecisionSigner {
  sign(
    tx: LabTx,
    append: AppendAudit,
    input: {
      /** The caller deciding: roles, lab and login session decide what the signing asks for. */
      signer: Caller;
      /** The signer's user id (email), required at the first signing of a login session. */
      user_id?: string | undefined;
      batchId: string;
      meaning: 'approved' | 'rejected';
      password: string;
      mfa_code?: string | undefined;
      reason: string;
    },
    ctx: AuditContext,
  ): Promise<{ ok: true; signatureId: string } | { ok: false; problem: HttpProblem }>;
}

/** Batches: active -> released | rejected, each by an e-signature of someone other than the creator. */
export class BatchService {
  private signer: BatchDecisionSigner | undefined;

  constructor(private readonly uow: UnitOfWork) {}

  /** Wired by modules.ts (through signature-adapter.ts) once the signature service exists. */
  useSigner(signer: BatchDecisionSigner) {
    this.signer = signer;
  }

  private async row(tx: Tx, code: string, caller: Caller, lock = false): Promise<Row> {
    const [row] = await queryRows<Row>(
      tx,
      sql`${VIEW} WHERE b.batch_id = ${code} AND ${visibleTo(caller, sql`b.lab_id`)} ${lock ? sql`FOR UPDATE OF b` : sql``}`,
    );
    if (!row) throw notFound('Batch', code);
    return row;
  }

  async create(input: BatchCreate, caller: Caller): Promise<BatchView> {
    try {
      return await this.uow.create(async (tx, append) => {
        const [project] = await queryRows<{ id: string; lab_id: string | null; status: string }>(
          tx,
          sql`SELECT id, lab_id, status FROM projects WHERE project_id = ${input.project_id} AND ${visibleTo(caller, sql`lab_id`)}`,
        );
        if (!project) {
          throw new HttpProblem(
            400,
            'validation-error',
            'Invalid request',
            `No project ${input.project_id}`,
            [{ field: 'body.project_id', message: 'does not name a project you can see' }],
          );
        }
        if (project.status !== 'active') {
          throw new HttpProblem(
            409,
            'project-archived',
            'Project archived',
            `Project ${input.project_id} is ${project.status}`,
          );
        }
        await tx.execute(sql`INSERT INTO batches (batch_id, project_id, description, lab_id, created_by)
          VALUES (${input.batch_id}, ${project.id}, ${input.description ?? null}, ${project.lab_id}, ${caller.email})`);
        const view = toView(await this.row(tx, input.batch_id, { ...caller, allLabs: true }));
        append(caller.ctx, {
          action: 'batch.created',
          entityType: 'batch',
          entityId: input.batch_id,
          after: view,
        });
        return view;
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new HttpProblem(409, 'conflict', 'Conflict', `Batch ${input.batch_id} exists`);
      throw err;
    }
  }

  async get(code: string, caller: Caller): Promise<BatchDetail> {
    return this.uow.read(async (tx) => {
      const row = await this.row(tx, code, caller);
      const [n] = await queryRows<{ n: number }>(
        tx,
        sql`SELECT count(*)::int AS n FROM samples WHERE batch_id = ${row.id} AND deleted_at IS NULL`,
      );
      return { ...toView(row), sample_count: n!.n };
    });
  }

  async list(q: BatchQuery, caller: Caller): Promise<BatchList> {
    const rows = await this.uow.read((tx) =>
      queryRows<Row>(
        tx,
        sql`${VIEW} WHERE ${visibleTo(caller, sql`b.lab_id`)}
              AND (${q.project_id ?? null}::text IS NULL OR p.project_id = ${q.project_id ?? null})
              AND (${q.status ?? null}::text IS NULL OR b.status = ${q.status ?? null})
            ORDER BY ${SORTS[q.sort ?? '-created_at']} LIMIT ${q.limit + 1} OFFSET ${q.offset}`,
      ),
    );
    return offsetPage(rows, q, toView);
  }

  /** Description only, and only while active: a released or rejected batch is frozen. */
  async update(code: string, patch: BatchUpdate, caller: Caller): Promise<BatchView> {
    return this.uow.write(async (tx, append) => {
      const before = await this.row(tx, code, caller, true);
      if (before.status !== 'active') {
        throw new HttpProblem(
          409,
          'batch-decided',
          'Batch decided',
          `Batch ${code} is ${before.status} and cannot change`,
        );
      }
      await tx.execute(sql`UPDATE batches SET description = ${patch.description === undefined ? sql`description` : sql`${patch.description}`},
          updated_at = now() WHERE id = ${before.id}`);
      const after = toView(await this.row(tx, code, caller));
      append(caller.ctx, {
        action: 'batch.updated',
        entityType: 'batch',
        entityId: code,
        before: toView(before),
        after,
        reason: patch.reason,
      });
      return after;
    });
  }

  /**
   * Release (meaning `approved`) or reject (meaning `rejected`): the signature and the status change
   * commit together. The signer re-authenticates; the creator cannot sign (segregation of duties).
   */
  async decide(
    code: string,
    decision: 'release' | 'reject',
    input: BatchDecision,
    caller: Caller,
  ): Promise<BatchView> {
    const signer = this.signer;
    if (!signer) {
      throw new HttpProblem(
        503,
        'signatures-unavailable',
        'Electronic signatures unavailable',
        'No signature service is configured',
      );
    }
    let refused: HttpProblem | undefined;
    const result = await this.uow.write(async (tx, append) => {
      const before = await this.row(tx, code, caller, true);
      if (before.status !== 'active') {
        throw new HttpProblem(
          409,
          'batch-decided',
          'Batch decided',
          `Batch ${code} is already ${before.status}`,
        );
      }
      const signed = await signer.sign(
        tx as LabTx,
        append,
        {
          signer: caller,
          user_id: input.user_id,
          batchId: code,
          meaning: decision === 'release' ? 'approved' : 'rejected',
          password: input.password,
          mfa_code: input.mfa_code,
          reason: input.reason,
        },
        caller.ctx,
      );
      // A refused signing still commits its audit events (failed attempt, segregation refusal).
      if (!signed.ok) {
        refused = signed.problem;
        return null;
      }
      const status = decision === 'release' ? 'released' : 'rejected';
      await tx.execute(sql`UPDATE batches SET status = ${status}, decided_by = ${caller.email}, decided_at = now(),
          decision_signature_id = ${signed.signatureId}, updated_at = now() WHERE id = ${before.id}`);
      const after = toView(await this.row(tx, code, caller));
      append(caller.ctx, {
        action: decision === 'release' ? 'batch.released' : 'batch.rejected',
        entityType: 'batch',
        entityId: code,
        before: toView(before),
        after,
        reason: input.reason,
      });
      return after;
    });
    if (refused) throw refused;
    return result!;
  }
}
