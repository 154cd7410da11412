import type { WorkflowDefinition } from '@polymorph/run-engine/definition';
import { definitionHash } from '@polymorph/run-engine/definition-hash';
import { diffDefinitions } from '@polymorph/run-engine/diff';
import { checkDefinition, parseDefinition } from '@polymorph/run-engine/parse';
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { iso } from '../../db/sql-values.ts';
import { type Caller, notFound, visibleTo } from '../../platform/access/lab-scope.ts';
import type { AppendAudit } from '../../platform/audit/audit-trail.ts';
import { offsetPage } from '../../platform/http/offset-page.ts';
import { HttpProblem, validationProblem } from '../../platform/http/problem.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import type { RecordSigning, SignableRecord } from '../signatures/port.ts';
import type {
  ExecutionQuery,
  WorkflowDetail,
  WorkflowDiff,
  WorkflowEdit,
  WorkflowExecutionList,
  WorkflowList,
  WorkflowQuery,
  WorkflowSigning,
  WorkflowSource,
  WorkflowStatus,
  WorkflowTransition,
  WorkflowVersionDetail,
  WorkflowVersionList,
  WorkflowVersionView,
} from './schemas.ts';

type Tx = Pick<LabTx, 'execute'>;

const VIEW = sql`SELECT v.id, v.workflow_name AS name, v.version, v.title, v.status, v.definition_hash,
    v.source_format, v.locked, l.lab_id, v.lab_id AS lab_uuid, v.created_by, v.created_at, v.updated_at,
    v.submitted_by, v.submitted_at, v.approved_by, v.approved_at, v.approval_signature_id, v.effective_by,
    v.effective_at, v.retired_by, v.retired_at, v.source, v.definition
  FROM workflow_versions v LEFT JOIN labs l ON l.id = v.lab_id`;

type Row = Omit<WorkflowVersionDetail, `${string}_at` | 'status' | 'source_format'> & {
  status: string;
  source_format: string;
  lab_uuid: string;
  created_at: unknown;
  updated_at: unknown;
  submitted_at: unknown;
  approved_at: unknown;
  effective_at: unknown;
  retired_at: unknown;
};

const STATUSES: readonly WorkflowStatus[] = ['draft', 'in_review', 'approved', 'effective', 'retired'];
const statusOf = (s: string): WorkflowStatus => {
  const found = STATUSES.find((x) => x === s);
  if (!found) throw new Error(`workflow_versions.status ${s} is not a known status`);
  return found;
};
const formatOf = (f: string): 'yaml' | 'json' => (f === 'json' ? 'json' : 'yaml');

const toView = (r: Row): WorkflowVersionView => ({
  id: r.id,
  name: r.name,
  version: r.version,
  title: r.title,
  status: statusOf(r.status),
  definition_hash: r.definition_hash,
  source_format: formatOf(r.source_format),
  locked: r.locked,
  lab_id: r.lab_id,
  created_by: r.created_by,
  created_at: iso(r.created_at)!,
  updated_at: iso(r.updated_at)!,
  submitted_by: r.submitted_by,
  submitted_at: iso(r.submitted_at),
  approved_by: r.approved_by,
  approved_at: iso(r.approved_at),
  approval_signature_id: r.approval_signature_id,
  effective_by: r.effective_by,
  effective_at: iso(r.effective_at),
  retired_by: r.retired_by,
  retired_at: iso(r.retired_at),
});
const toDetail = (r: Row): WorkflowVersionDetail => ({
  ...toView(r),
  source: r.source,
  definition: r.definition,
});

/** Source text -> definition, or 400 with one field error per fault, pointing into the parsed source. */
function parsedSource(input: WorkflowSource): WorkflowDefinition {
  const result = parseDefinition(input.source, input.format);
  if (result.ok) return result.definition;
  throw validationProblem(
    result.faults.map((f) => ({
      field: `body.source${f.pointer.replace(/\/([^/]*)/g, (_, t: string) => (/^\d+$/.test(t) ? `[${t}]` : `.${t}`))}`,
      in: 'body' as const,
      pointer: `/source${f.pointer}`,
      message: f.message,
    })),
    'Invalid workflow definition',
  );
}

export const transitionRefused = (detail: string) =>
  new HttpProblem(409, 'workflow-transition-not-allowed', 'Workflow transition not allowed', detail);

/** What an approval signature binds to: the content as reviewed, never its lifecycle fields. */
const signableContent = (r: Row) => ({
  workflow_name: r.name,
  version: r.version,
  lab_id: r.lab_id,
  title: r.title,
  definition_hash: r.definition_hash,
  definition: r.definition,
  source: r.source,
  source_format: r.source_format,
  created_by: r.created_by,
});

async function versionRow(tx: Tx, caller: Caller, name: string, version: number, lock = false) {
  const [row] = await queryRows<Row>(
    tx,
    sql`${VIEW} WHERE v.workflow_name = ${name} AND v.version = ${version} AND ${visibleTo(caller, sql`v.lab_id`)}
        ${lock ? sql`FOR UPDATE OF v` : sql``}`,
  );
  if (!row) throw notFound('Workflow version', `${name} v${version}`);
  return row;
}

/** Loads a version for the signature service: record id is the version's id, its creator the author. */
/** Activation signs through its own route, which moves the version to effective with the signature. */
export const WORKFLOW_SIGNED_THROUGH = {
  made_effective: 'POST /api/workflows/{name}/versions/{version}/activate',
} as const;

export async function workflowSignableContent(
  tx: Tx,
  recordId: string,
  scope: Caller,
): Promise<SignableRecord | null> {
  if (!/^[0-9a-f-]{36}$/.test(recordId)) return null;
  const [row] = await queryRows<Row>(
    tx,
    sql`${VIEW} WHERE v.id = ${recordId} AND ${visibleTo(scope, sql`v.lab_id`)}`,
  );
  return row ? { content: signableContent(row), authors: [row.created_by] } : null;
}

/**
 * Workflow definitions and their lifecycle: draft -> in_review -> approved (e-signature by someone
 * other than the author) -> effective (one per workflow) -> retired. Approved versions are locked.
 */
export class WorkflowService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly signing: RecordSigning,
  ) {}

  /** Version 1 of a new workflow, named by its definition. */
  async create(input: WorkflowSource, caller: Caller): Promise<WorkflowVersionDetail> {
    const definition = parsedSource(input);
    if (definition.name === 'schema') {
      throw validationProblem([
        { field: 'body.source.name', message: 'schema is reserved (GET /api/workflows/schema)' },
      ]);
    }
    return this.insertVersion(definition, input, caller, 'new');
  }

  /** The next version of an existing workflow, as a draft. */
  async createVersion(name: string, input: WorkflowSource, caller: Caller): Promise<WorkflowVersionDetail> {
    const definition = parsedSource(input);
    if (definition.name !== name) {
      throw validationProblem([
        { field: 'body.source.name', message: `must be ${name}, the workflow's name` },
      ]);
    }
    return this.insertVersion(definition, input, caller, 'next');
  }

  private async insertVersion(
    definition: WorkflowDefinition,
    input: WorkflowSource,
    caller: Caller,
    kind: 'new' | 'next',
  ): Promise<WorkflowVersionDetail> {
    const labId = caller.labId;
    if (labId === null) {
      throw validationProblem([{ field: 'body.source', message: 'your account belongs to no lab' }]);
    }
    const name = definition.name;
    try {
      return await this.uow.create(async (tx, append) => {
        const [last] = await queryRows<{ version: number | null }>(
          tx,
          sql`SELECT max(version) AS version FROM workflow_versions WHERE lab_id = ${labId} AND workflow_name = ${name}`,
        );
        const latest = last?.version ?? null;
        if (kind === 'new' && latest !== null) {
          throw new HttpProblem(
            409,
            'conflict',
            'Conflict',
            `Workflow ${name} exists; add a version with POST /api/workflows/${name}/versions`,
          );
        }
        if (kind === 'next' && latest === null) throw notFound('Workflow', name);
        const version = (latest ?? 0) + 1;
        await tx.execute(sql`INSERT INTO workflow_versions (lab_id, workflow_name, version, title, definition, definition_hash, source, source_format, created_by)
          VALUES (${labId}, ${name}, ${version}, ${definition.title}, ${JSON.stringify(definition)}::jsonb, ${definitionHash(definition)},
                  ${input.source}, ${input.format}, ${caller.email})`);
        const row = await versionRow(tx, { ...caller, allLabs: true }, name, version);
        append(caller.ctx, {
          action: 'workflow.version_created',
          entityType: 'workflow_version',
          entityId: row.id,
          after: toView(row),
        });
        return toDetail(row);
      });
    } catch (err) {
      // Two creates of the same next version at once: the unique (lab, name, version) lets one win.
      if (isUniqueViolation(err))
        throw new HttpProblem(409, 'conflict', 'Conflict', `Workflow ${name} changed meanwhile; retry`);
      throw err;
    }
  }

  /** Only a draft changes, and only by its author; an approved version is locked (edit = new version). */
  async edit(
    name: string,
    version: number,
    input: WorkflowEdit,
    caller: Caller,
  ): Promise<WorkflowVersionDetail> {
    const definition = parsedSource(input);
    if (definition.name !== name) {
      throw validationProblem([
        { field: 'body.source.name', message: `must be ${name}, the workflow's name` },
      ]);
    }
    return this.uow.write(async (tx, append) => {
      const before = await versionRow(tx, caller, name, version, true);
      if (before.status !== 'draft') {
        throw new HttpProblem(
          409,
          'workflow-version-locked',
          'Workflow version locked',
          `${name} v${version} is ${before.status}; only a draft can change. Create a new version with POST /api/workflows/${name}/versions`,
        );
      }
      if (before.created_by !== caller.email) {
        throw new HttpProblem(
          403,
          'forbidden',
          'Forbidden',
          `Only the author of ${name} v${version} may edit it`,
        );
      }
      await tx.execute(sql`UPDATE workflow_versions SET title = ${definition.title}, definition = ${JSON.stringify(definition)}::jsonb,
          definition_hash = ${definitionHash(definition)}, source = ${input.source}, source_format = ${input.format}, updated_at = now()
          WHERE id = ${before.id}`);
      const after = await versionRow(tx, caller, name, version);
      append(caller.ctx, {
        action: 'workflow.version_updated',
        entityType: 'workflow_version',
        entityId: before.id,
        before: toView(before),
        after: toView(after),
        reason: input.reason,
      });
      return toDetail(after);
    });
  }

  /** draft -> in_review, by anyone who may update workflows. */
  async submit(name: string, version: number, input: WorkflowTransition, caller: Caller) {
    return this.transition(name, version, caller, input.reason ?? null, {
      from: ['draft'],
      action: 'workflow.version_submitted',
      set: sql`status = 'in_review', submitted_by = ${caller.email}, submitted_at = now()`,
    });
  }

  /**
   * approved -> effective, by an e-signature (meaning made_effective) of someone other than the author;
   * the previously effective version of the workflow is retired in the same transaction, and the partial
   * unique index makes a concurrent second activation fail rather than leave two.
   */
  async activate(name: string, version: number, input: WorkflowSigning, caller: Caller) {
    try {
      return await this.signedStep(name, version, input, caller, {
        from: 'made effective',
        status: 'approved',
        meaning: 'made_effective',
        action: 'workflow.version_activated',
        apply: async (tx, append, row) => {
          await this.retireEffective(tx, append, caller, row, `superseded by ${name} v${version}`);
          return sql`status = 'effective', effective_by = ${caller.email}, effective_at = now()`;
        },
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw transitionRefused(
          `Another version of ${name} became effective at the same time; read the versions and retry`,
        );
      }
      throw err;
    }
  }

  /** Retires the workflow's effective version (if any), each retirement audited with `reason`. */
  private async retireEffective(tx: LabTx, append: AppendAudit, caller: Caller, row: Row, reason: string) {
    const retired = await queryRows<Row>(
      tx,
      sql`UPDATE workflow_versions SET status = 'retired', retired_by = ${caller.email}, retired_at = now(), updated_at = now()
          WHERE lab_id = ${row.lab_uuid} AND workflow_name = ${row.name} AND status = 'effective' RETURNING id`,
    );
    for (const r of retired) {
      const [view] = await queryRows<Row>(tx, sql`${VIEW} WHERE v.id = ${r.id}`);
      append(caller.ctx, {
        action: 'workflow.version_retired',
        entityType: 'workflow_version',
        entityId: r.id,
        after: view ? toView(view) : null,
        reason,
      });
    }
  }

  /** approved | effective -> retired: no run can start from it any more. */
  async retire(name: string, version: number, input: WorkflowTransition, caller: Caller) {
    return this.transition(name, version, caller, input.reason ?? null, {
      from: ['approved', 'effective'],
      action: 'workflow.version_retired',
      set: sql`status = 'retired', retired_by = ${caller.email}, retired_at = now()`,
    });
  }

  private async transition(
    name: string,
    version: number,
    caller: Caller,
    reason: string | null,
    step: {
      from: WorkflowStatus[];
      action: string;
      set: ReturnType<typeof sql>;
      before?: (tx: LabTx, append: AppendAudit, row: Row) => Promise<void>;
    },
  ): Promise<WorkflowVersionView> {
    return this.uow.write(async (tx, append) => {
      const before = await versionRow(tx, caller, name, version, true);
      if (!step.from.some((s) => s === before.status)) {
        throw transitionRefused(
          `${name} v${version} is ${before.status}; this step needs a version that is ${step.from.join(' or ')}`,
        );
      }
      await step.before?.(tx, append, before);
      await tx.execute(
        sql`UPDATE workflow_versions SET ${step.set}, updated_at = now() WHERE id = ${before.id}`,
      );
      const after = toView(await versionRow(tx, caller, name, version));
      append(caller.ctx, {
        action: step.action,
        entityType: 'workflow_version',
        entityId: before.id,
        before: toView(before),
        after,
        reason,
      });
      return after;
    });
  }

  /**
   * in_review -> approved, locked: an e-signature (meaning approved) by a user other than the author,
   * committed with the status change.
   */
  async approve(
    name: string,
    version: number,
    input: WorkflowSigning,
    caller: Caller,
  ): Promise<WorkflowVersionView> {
    return this.signedStep(name, version, input, caller, {
      from: 'approved',
      status: 'in_review',
      meaning: 'approved',
      action: 'workflow.version_approved',
      apply: async (_tx, _append, _row, signatureId) =>
        sql`status = 'approved', locked = true, approved_by = ${caller.email}, approved_at = now(), approval_signature_id = ${signatureId}`,
    });
  }

  /**
   * A status change made by an e-signature, both in one transaction. A refused signing still commits its
   * audit events (failed attempts count towards the lockout) and changes nothing else.
   */
  private async signedStep(
    name: string,
    version: number,
    input: WorkflowSigning,
    caller: Caller,
    step: {
      /** What the step does, for the refusal message ("needs in_review to be approved"). */
      from: string;
      status: WorkflowStatus;
      meaning: 'approved' | 'made_effective';
      action: string;
      apply(tx: LabTx, append: AppendAudit, row: Row, signatureId: string): Promise<ReturnType<typeof sql>>;
    },
  ): Promise<WorkflowVersionView> {
    let refused: HttpProblem | undefined;
    const result = await this.uow.write(async (tx, append) => {
      const before = await versionRow(tx, caller, name, version, true);
      if (before.status !== step.status) {
        throw transitionRefused(
          `${name} v${version} is ${before.status}; it must be ${step.status} to be ${step.from}`,
        );
      }
      const signed = await this.signing.signInTransaction(tx, append, caller, {
        user_id: input.user_id,
        record_type: 'workflow_version',
        record_id: before.id,
        meaning: step.meaning,
        reason: input.reason,
        password: input.password,
        mfa_code: input.mfa_code,
      });
      if (!signed.ok) {
        refused = signed.problem;
        return null;
      }
      const set = await step.apply(tx, append, before, signed.signature.id);
      await tx.execute(sql`UPDATE workflow_versions SET ${set}, updated_at = now() WHERE id = ${before.id}`);
      const after = toView(await versionRow(tx, caller, name, version));
      append(caller.ctx, {
        action: step.action,
        entityType: 'workflow_version',
        entityId: before.id,
        before: toView(before),
        after,
        reason: input.reason,
      });
      return after;
    });
    if (refused) throw refused;
    if (!result) throw new Error(`${step.action} ended without a result`);
    return result;
  }

  async list(q: WorkflowQuery, caller: Caller): Promise<WorkflowList> {
    const order = q.sort === '-updated_at' ? sql`updated_at DESC, name` : sql`name`;
    const rows = await this.uow.read((tx) =>
      queryRows<{
        name: string;
        title: string;
        latest_version: number;
        latest_status: string;
        effective_version: number | null;
        updated_at: unknown;
      }>(
        tx,
        sql`SELECT * FROM (
              SELECT DISTINCT ON (v.lab_id, v.workflow_name) v.workflow_name AS name, v.title, v.version AS latest_version,
                     v.status AS latest_status, v.updated_at,
                     (SELECT e.version FROM workflow_versions e WHERE e.lab_id = v.lab_id AND e.workflow_name = v.workflow_name
                        AND e.status = 'effective') AS effective_version
                FROM workflow_versions v WHERE ${visibleTo(caller, sql`v.lab_id`)}
               ORDER BY v.lab_id, v.workflow_name, v.version DESC) w
            WHERE (${q.status ?? null}::text IS NULL OR w.latest_status = ${q.status ?? null})
            ORDER BY ${order} LIMIT ${q.limit + 1} OFFSET ${q.offset}`,
      ),
    );
    return offsetPage(rows, q, (r) => ({
      name: r.name,
      title: r.title,
      latest_version: r.latest_version,
      latest_status: statusOf(r.latest_status),
      effective_version: r.effective_version,
      updated_at: iso(r.updated_at)!,
    }));
  }

  private versionRows(tx: Tx, name: string, caller: Caller) {
    return queryRows<Row>(
      tx,
      sql`${VIEW} WHERE v.workflow_name = ${name} AND ${visibleTo(caller, sql`v.lab_id`)} ORDER BY v.version DESC`,
    );
  }

  async get(name: string, caller: Caller): Promise<WorkflowDetail> {
    const rows = await this.uow.read((tx) => this.versionRows(tx, name, caller));
    const latest = rows[0];
    if (!latest) throw notFound('Workflow', name);
    const effective = rows.find((r) => r.status === 'effective');
    return { name, latest: toView(latest), effective: effective ? toView(effective) : null };
  }

  async versions(name: string, caller: Caller): Promise<WorkflowVersionList> {
    const rows = await this.uow.read((tx) => this.versionRows(tx, name, caller));
    if (rows.length === 0) throw notFound('Workflow', name);
    return { items: rows.map(toView) };
  }

  async version(name: string, version: number, caller: Caller): Promise<WorkflowVersionDetail> {
    return toDetail(await this.uow.read((tx) => versionRow(tx, caller, name, version)));
  }

  async diff(name: string, version: number, against: number, caller: Caller): Promise<WorkflowDiff> {
    const [older, newer] = await this.uow.read(async (tx) => [
      await versionRow(tx, caller, name, against),
      await versionRow(tx, caller, name, version),
    ]);
    return {
      name,
      from_version: against,
      to_version: version,
      from_hash: older.definition_hash,
      to_hash: newer.definition_hash,
      changes: diffDefinitions(storedDefinition(older), storedDefinition(newer)),
    };
  }

  async executions(name: string, q: ExecutionQuery, caller: Caller): Promise<WorkflowExecutionList> {
    const rows = await this.uow.read(async (tx) => {
      if ((await this.versionRows(tx, name, caller)).length === 0) throw notFound('Workflow', name);
      return queryRows<{
        run_id: string;
        version: number;
        status: string;
        operator: string;
        started_at: unknown;
        completed_at: unknown;
        created_at: unknown;
      }>(
        tx,
        sql`SELECT x.run_id, v.version, x.status, x.operator, x.started_at, x.completed_at, x.created_at
              FROM workflow_executions x JOIN workflow_versions v ON v.id = x.workflow_version_id
             WHERE v.workflow_name = ${name} AND ${visibleTo(caller, sql`v.lab_id`)}
             ORDER BY x.created_at DESC, x.run_id LIMIT ${q.limit + 1} OFFSET ${q.offset}`,
      );
    });
    return offsetPage(rows, q, (r) => ({
      run_id: r.run_id,
      version: r.version,
      status: r.status,
      operator: r.operator,
      started_at: iso(r.started_at),
      completed_at: iso(r.completed_at),
      created_at: iso(r.created_at)!,
    }));
  }
}

/**
 * A stored definition, checked again on the way out: what a run executes must be valid and hash to
 * what the version records (the locked trigger stops edits; this catches anything else).
 */
export function storedDefinition(row: {
  definition: unknown;
  definition_hash: string;
  id: string;
}): WorkflowDefinition {
  const checked = checkDefinition(row.definition);
  if (!checked.ok || definitionHash(checked.definition) !== row.definition_hash) {
    throw new Error(`workflow version ${row.id}: the stored definition does not match its hash or schema`);
  }
  return checked.definition;
}

export { type Row as WorkflowVersionRow, toView as workflowVersionView, VIEW as WORKFLOW_VERSION_VIEW };
