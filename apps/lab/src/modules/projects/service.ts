import { type SQL, sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { iso, likePattern } from '../../db/sql-values.ts';
import { type Caller, labForNewRecord, notFound, visibleTo } from '../../platform/access/lab-scope.ts';
import { offsetPage } from '../../platform/http/offset-page.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import type {
  PROJECT_SORTS,
  ProjectCreate,
  ProjectList,
  ProjectQuery,
  ProjectUpdate,
  ProjectView,
} from './schemas.ts';

type Tx = Pick<LabTx, 'execute'>;

const SORTS: Record<(typeof PROJECT_SORTS)[number], SQL> = {
  project_id: sql`p.project_id`,
  name: sql`p.name, p.project_id`,
  created_at: sql`p.created_at, p.project_id`,
  '-created_at': sql`p.created_at DESC, p.project_id`,
};
const VIEW = sql`SELECT p.id, p.project_id, p.name, p.description, p.status, l.lab_id, p.created_by, p.created_at, p.updated_at
  FROM projects p LEFT JOIN labs l ON l.id = p.lab_id`;
type Row = Omit<ProjectView, 'created_at' | 'updated_at'> & {
  id: string;
  created_at: unknown;
  updated_at: unknown;
};
const toView = (r: Row): ProjectView => ({
  project_id: r.project_id,
  name: r.name,
  description: r.description,
  status: r.status,
  lab_id: r.lab_id,
  created_by: r.created_by,
  created_at: iso(r.created_at)!,
  updated_at: iso(r.updated_at)!,
});

/** Projects: create, list, get, update, archive (archived projects take no new batches). */
export class ProjectService {
  constructor(private readonly uow: UnitOfWork) {}

  private async row(tx: Tx, code: string, caller: Caller, lock = false): Promise<Row> {
    const [row] = await queryRows<Row>(
      tx,
      sql`${VIEW} WHERE p.project_id = ${code} AND ${visibleTo(caller, sql`p.lab_id`)} ${lock ? sql`FOR UPDATE OF p` : sql``}`,
    );
    if (!row) throw notFound('Project', code);
    return row;
  }

  async create(input: ProjectCreate, caller: Caller): Promise<ProjectView> {
    try {
      return await this.uow.create(async (tx, append) => {
        const labId = await labForNewRecord(tx, caller, input.lab_id);
        await tx.execute(sql`INSERT INTO projects (project_id, name, description, lab_id, created_by)
          VALUES (${input.project_id}, ${input.name}, ${input.description ?? null}, ${labId}, ${caller.email})`);
        const view = toView(await this.row(tx, input.project_id, { ...caller, allLabs: true }));
        append(caller.ctx, {
          action: 'project.created',
          entityType: 'project',
          entityId: input.project_id,
          after: view,
        });
        return view;
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new HttpProblem(409, 'conflict', 'Conflict', `Project ${input.project_id} exists`);
      throw err;
    }
  }

  async get(code: string, caller: Caller) {
    return this.uow.read(async (tx) => {
      const row = await this.row(tx, code, caller);
      const [counts] = await queryRows<{ batches: number; samples: number }>(
        tx,
        sql`SELECT (SELECT count(*)::int FROM batches WHERE project_id = ${row.id}) AS batches,
                   (SELECT count(*)::int FROM samples WHERE project_id = ${row.id} AND deleted_at IS NULL) AS samples`,
      );
      return { ...toView(row), batch_count: counts!.batches, sample_count: counts!.samples };
    });
  }

  async list(q: ProjectQuery, caller: Caller): Promise<ProjectList> {
    const rows = await this.uow.read((tx) =>
      queryRows<Row>(
        tx,
        sql`${VIEW} WHERE ${visibleTo(caller, sql`p.lab_id`)}
              AND (${q.status ?? null}::text IS NULL OR p.status = ${q.status ?? null})
              AND (${q.q ?? null}::text IS NULL OR p.project_id ILIKE ${q.q ? likePattern(q.q) : null} OR p.name ILIKE ${q.q ? likePattern(q.q) : null})
            ORDER BY ${SORTS[q.sort ?? 'project_id']} LIMIT ${q.limit + 1} OFFSET ${q.offset}`,
      ),
    );
    return offsetPage(rows, q, toView);
  }

  async update(code: string, patch: ProjectUpdate, caller: Caller): Promise<ProjectView> {
    return this.change(code, caller, patch.reason, 'project.updated', async (tx, before) => {
      await tx.execute(sql`UPDATE projects SET name = coalesce(${patch.name ?? null}, name),
          description = ${patch.description === undefined ? sql`description` : sql`${patch.description}`}, updated_at = now()
        WHERE id = ${before.id}`);
    });
  }

  async archive(code: string, reason: string, caller: Caller): Promise<ProjectView> {
    return this.change(code, caller, reason, 'project.archived', async (tx, before) => {
      if (before.status === 'archived')
        throw new HttpProblem(409, 'already-archived', 'Already archived', `Project ${code} is archived`);
      await tx.execute(
        sql`UPDATE projects SET status = 'archived', updated_at = now() WHERE id = ${before.id}`,
      );
    });
  }

  private change(
    code: string,
    caller: Caller,
    reason: string,
    action: string,
    work: (tx: Tx, before: Row) => Promise<void>,
  ) {
    return this.uow.write(async (tx, append) => {
      const before = await this.row(tx, code, caller, true);
      await work(tx, before);
      const after = toView(await this.row(tx, code, caller));
      append(caller.ctx, {
        action,
        entityType: 'project',
        entityId: code,
        before: toView(before),
        after,
        reason,
      });
      return after;
    });
  }
}
