import { type SQL, sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { iso, likePattern } from '../../db/sql-values.ts';
import { type Caller, labForNewRecord, notFound, visibleTo } from '../../platform/access/lab-scope.ts';
import { offsetPage } from '../../platform/http/offset-page.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import type {
  CONTAINER_SORTS,
  ContainerCreate,
  ContainerDetail,
  ContainerList,
  ContainerQuery,
  ContainerUpdate,
  ContainerView,
} from './schemas.ts';

type Tx = Pick<LabTx, 'execute'>;

const SORTS: Record<(typeof CONTAINER_SORTS)[number], SQL> = {
  container_id: sql`v.container_id`,
  location: sql`v.location, v.container_id`,
  '-free': sql`(v.capacity - v.occupancy) DESC, v.container_id`,
};

const VIEW = sql`SELECT c.id, c.container_id, c.container_type, c.location, c.capacity, l.lab_id, c.lab_id AS lab_uuid,
    (SELECT count(*)::int FROM samples s WHERE s.container_id = c.id AND s.deleted_at IS NULL) AS occupancy,
    c.created_at, c.updated_at
  FROM containers c LEFT JOIN labs l ON l.id = c.lab_id`;

type Row = Omit<ContainerView, 'created_at' | 'updated_at'> & {
  id: string;
  lab_uuid: string | null;
  created_at: unknown;
  updated_at: unknown;
};
const toView = (r: Row): ContainerView => ({
  container_id: r.container_id,
  container_type: r.container_type,
  location: r.location,
  capacity: r.capacity,
  occupancy: r.occupancy,
  lab_id: r.lab_id,
  created_at: iso(r.created_at)!,
  updated_at: iso(r.updated_at)!,
});

/** Storage containers: create, list (by free space too), get with the samples inside, update. */
export class ContainerService {
  constructor(private readonly uow: UnitOfWork) {}

  private async row(tx: Tx, code: string, caller: Caller, lock = false): Promise<Row> {
    const [row] = await queryRows<Row>(
      tx,
      sql`${VIEW} WHERE c.container_id = ${code} AND ${visibleTo(caller, sql`c.lab_id`)} ${lock ? sql`FOR UPDATE OF c` : sql``}`,
    );
    if (!row) throw notFound('Container', code);
    return row;
  }

  async create(input: ContainerCreate, caller: Caller): Promise<ContainerView> {
    try {
      return await this.uow.create(async (tx, append) => {
        const labId = await labForNewRecord(tx, caller, input.lab_id);
        await tx.execute(sql`INSERT INTO containers (container_id, container_type, location, capacity, lab_id)
          VALUES (${input.container_id}, ${input.container_type}, ${input.location}, ${input.capacity}, ${labId})`);
        const view = toView(await this.row(tx, input.container_id, { ...caller, allLabs: true }));
        append(caller.ctx, {
          action: 'container.created',
          entityType: 'container',
          entityId: input.container_id,
          after: view,
        });
        return view;
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new HttpProblem(409, 'conflict', 'Conflict', `Container ${input.container_id} exists`);
      throw err;
    }
  }

  async get(code: string, caller: Caller): Promise<ContainerDetail> {
    return this.uow.read(async (tx) => {
      const row = await this.row(tx, code, caller);
      const samples = await queryRows<{ sample_id: string; status: string }>(
        tx,
        sql`SELECT sample_id, status FROM samples WHERE container_id = ${row.id} AND deleted_at IS NULL ORDER BY sample_id`,
      );
      return { ...toView(row), samples };
    });
  }

  async list(q: ContainerQuery, caller: Caller): Promise<ContainerList> {
    const rows = await this.uow.read((tx) =>
      queryRows<Row>(
        tx,
        sql`SELECT * FROM (${VIEW} WHERE ${visibleTo(caller, sql`c.lab_id`)}
              AND (${q.container_type ?? null}::text IS NULL OR c.container_type = ${q.container_type ?? null})
              AND (${q.location ?? null}::text IS NULL OR c.location ILIKE ${q.location ? likePattern(q.location) : null})) v
            WHERE (${q.has_space ?? null}::boolean IS NULL OR (v.occupancy < v.capacity) = ${q.has_space ?? null})
            ORDER BY ${SORTS[q.sort ?? 'container_id']} LIMIT ${q.limit + 1} OFFSET ${q.offset}`,
      ),
    );
    return offsetPage(rows, q, toView);
  }

  /** Type, location and capacity; capacity never drops below the samples already inside (409). */
  async update(code: string, patch: ContainerUpdate, caller: Caller): Promise<ContainerView> {
    return this.uow.write(async (tx, append) => {
      const before = await this.row(tx, code, caller, true);
      if (patch.capacity !== undefined && patch.capacity < before.occupancy) {
        throw new HttpProblem(
          409,
          'container-full',
          'Container full',
          `Container ${code} holds ${before.occupancy} samples; capacity cannot be ${patch.capacity}`,
        );
      }
      await tx.execute(sql`UPDATE containers SET container_type = coalesce(${patch.container_type ?? null}, container_type),
          location = coalesce(${patch.location ?? null}, location), capacity = coalesce(${patch.capacity ?? null}::int, capacity),
          updated_at = now() WHERE id = ${before.id}`);
      const after = toView(await this.row(tx, code, caller));
      append(caller.ctx, {
        action: 'container.updated',
        entityType: 'container',
        entityId: code,
        before: toView(before),
        after,
        reason: patch.reason,
      });
      return after;
    });
  }
}
