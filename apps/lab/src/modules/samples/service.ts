import { csvCell } from '@polymorph/csv/cell';
import { type SQL, sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { iso, likePattern } from '../../db/sql-values.ts';
import { type Caller, labForNewRecord, notFound, visibleTo } from '../../platform/access/lab-scope.ts';
import { type FieldError, HttpProblem } from '../../platform/http/problem.ts';
import type { LabMetrics } from '../../platform/lab-metrics.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import { containerRef, reserveContainerSlot } from '../containers/port.ts';
import type { SampleMover } from './port.ts';
import { DEFAULT_SAMPLE_ID_PATTERN, sampleIdSql } from './sample-id.ts';
import { canTransition, SAMPLE_TRANSITIONS } from './sample-status.ts';
import {
  BULK_LIMIT,
  type SampleDetail,
  type SampleFilters,
  type SampleHistory,
  type SampleHistoryQuery,
  type SampleInput,
  type SampleLineage,
  type SampleLineageNode,
  type SampleList,
  type SampleListQuery,
  type SamplePatch,
  type SampleSort,
  type SampleSplit,
  type SampleSplitResult,
  type SampleStatus,
  type SampleView,
  type SampleWorkflowAssigned,
  type SampleWorkflowAssignment,
} from './schemas.ts';

type Tx = Pick<LabTx, 'execute'>;

export type { SampleInput } from './schemas.ts';

/** The sample as the API shows it, read from `source` (the table, or the rows an INSERT returned). */
const viewOf = (
  source: SQL,
  extraColumns: SQL = sql``,
) => sql`SELECT s.id, s.sample_id, s.name, s.lot_number, p.project_id, b.batch_id, c.container_id,
    ps.sample_id AS parent_sample_id, s.status, s.quantity::float8 AS quantity, s.unit, s.metadata, l.lab_id,
    s.created_by, s.created_at, s.updated_at, s.deleted_at, s.lab_id AS lab_uuid${extraColumns}
  FROM ${source} s
  LEFT JOIN projects p ON p.id = s.project_id
  LEFT JOIN batches b ON b.id = s.batch_id
  LEFT JOIN containers c ON c.id = s.container_id
  LEFT JOIN samples ps ON ps.id = s.parent_id
  LEFT JOIN labs l ON l.id = s.lab_id`;
const VIEW = viewOf(sql`samples`);

type Row = Omit<SampleView, 'created_at' | 'updated_at' | 'deleted_at'> & {
  id: string;
  lab_uuid: string | null;
  created_at: unknown;
  updated_at: unknown;
  deleted_at: unknown;
};

export function toSampleView(r: Row): SampleView {
  return {
    sample_id: r.sample_id,
    name: r.name,
    lot_number: r.lot_number,
    project_id: r.project_id,
    batch_id: r.batch_id,
    container_id: r.container_id,
    parent_sample_id: r.parent_sample_id,
    status: r.status,
    quantity: r.quantity === null ? null : Number(r.quantity),
    unit: r.unit,
    metadata: r.metadata ?? {},
    lab_id: r.lab_id,
    created_by: r.created_by,
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
    deleted_at: iso(r.deleted_at),
  };
}

/** The sample as the API shows it, in the caller's lab; null when unknown there (deleted ones too). */
export async function sampleInScope(tx: Tx, sampleId: string, scope: Caller): Promise<SampleView | null> {
  const [row] = await queryRows<Row>(
    tx,
    sql`${VIEW} WHERE s.sample_id = ${sampleId} AND ${visibleTo(scope, sql`s.lab_id`)}`,
  );
  return row ? toSampleView(row) : null;
}

/**
 * What a sample signature binds to: every field of the sample except `updated_at` (the time of the
 * last change says nothing a reviewer attests to; the change itself shows in the other fields).
 */
export async function sampleSignableContent(tx: Tx, sampleId: string, scope: Caller) {
  const view = await sampleInScope(tx, sampleId, scope);
  if (!view) return null;
  const { updated_at: _updated, ...content } = view;
  return { content, authors: [view.created_by] };
}

const SORTS: Record<SampleSort, SQL> = {
  created_at: sql`s.created_at ASC, s.sample_id ASC`,
  '-created_at': sql`s.created_at DESC, s.sample_id DESC`,
  sample_id: sql`s.sample_id ASC`,
  '-sample_id': sql`s.sample_id DESC`,
  status: sql`s.status ASC, s.sample_id ASC`,
};

/**
 * Keyset paging: the cursor holds the sort key's value and the sample_id of the last row, so the next
 * page starts after it through the index, however deep the page. `created_at` travels as text with
 * microseconds (a JS Date would round them away).
 */
const KEYSET: Record<SampleSort, { column: SQL | null; desc: boolean }> = {
  created_at: { column: sql`s.created_at`, desc: false },
  '-created_at': { column: sql`s.created_at`, desc: true },
  sample_id: { column: null, desc: false },
  '-sample_id': { column: null, desc: true },
  status: { column: sql`s.status`, desc: false },
};

function encodeCursor(sort: string, row: Row & { sort_key?: string | null }): string {
  return Buffer.from(JSON.stringify([sort, row.sort_key ?? null, row.sample_id])).toString('base64url');
}

function decodeCursor(sort: string, cursor: string): { key: string | null; id: string } {
  try {
    const [s, key, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [
      string,
      string | null,
      string,
    ];
    if (s !== sort || typeof id !== 'string') throw new Error('cursor of another sort');
    return { key, id };
  } catch {
    throw invalid([{ field: 'querystring.cursor', message: 'is not a cursor of this listing (and sort)' }]);
  }
}

const conflict = (slug: string, title: string, detail: string) => new HttpProblem(409, slug, title, detail);
const invalid = (errors: FieldError[]) =>
  new HttpProblem(
    400,
    'validation-error',
    'Invalid request',
    `${errors.length} field(s) failed validation: ${errors.map((e) => e.field).join(', ')}`,
    errors,
  );

interface Refs {
  projectId: string | null;
  batchId: string | null;
  containerId: string | null;
}

/**
 * Samples: create (single and bulk, all or nothing), read with lineage, update under the status state
 * machine, soft delete, split into aliquots, history from the audit trail. Every change and its audit
 * event commit in one transaction; the audit append is the last statement, so row locks are always
 * taken before the audit lock and no two transactions wait on each other in opposite orders.
 */
export class SampleService implements SampleMover {
  private readonly generatedId: SQL;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly metrics: LabMetrics,
    idPattern: string = DEFAULT_SAMPLE_ID_PATTERN,
  ) {
    this.generatedId = sampleIdSql(idPattern);
  }

  private async row(tx: Tx, sampleId: string, caller: Caller, lock = false): Promise<Row> {
    const [row] = await queryRows<Row>(
      tx,
      sql`${VIEW} WHERE s.sample_id = ${sampleId} AND ${visibleTo(caller, sql`s.lab_id`)} ${lock ? sql`FOR UPDATE OF s` : sql``}`,
    );
    if (!row) throw notFound('Sample', sampleId);
    return row;
  }

  /** Project, batch and container codes -> ids, each visible to the caller; unknown ones become field errors. */
  private async resolveRefs(
    tx: Tx,
    input: {
      project_id?: string | null | undefined;
      batch_id?: string | null | undefined;
      container_id?: string | null | undefined;
    },
    caller: Caller,
    field: string,
    errors: FieldError[],
  ): Promise<Refs> {
    const lookup = async (code: string | null | undefined, query: SQL, name: string) => {
      if (code === undefined || code === null) return null;
      const [r] = await queryRows<{ id: string }>(tx, query);
      if (!r) errors.push({ field: `${field}.${name}`, message: `no ${name.replace('_id', '')} ${code}` });
      return r?.id ?? null;
    };
    return {
      projectId: await lookup(
        input.project_id,
        sql`SELECT id FROM projects WHERE project_id = ${input.project_id ?? null} AND ${visibleTo(caller, sql`lab_id`)}`,
        'project_id',
      ),
      batchId: await lookup(
        input.batch_id,
        sql`SELECT id FROM batches WHERE batch_id = ${input.batch_id ?? null} AND ${visibleTo(caller, sql`lab_id`)}`,
        'batch_id',
      ),
      containerId: await lookup(
        input.container_id,
        sql`SELECT id FROM containers WHERE container_id = ${input.container_id ?? null} AND ${visibleTo(caller, sql`lab_id`)}`,
        'container_id',
      ),
    };
  }

  /** Inserts one sample inside `tx`; problems with the item are pushed to `errors` under `field`. */
  private async insert(
    tx: Tx,
    input: SampleInput,
    caller: Caller,
    field: string,
    errors: FieldError[],
    extra: { parentId?: string; labId?: string | null } = {},
  ): Promise<Row | null> {
    const before = errors.length;
    const refs = await this.resolveRefs(tx, input, caller, field, errors);
    const labId = extra.labId !== undefined ? extra.labId : await labForNewRecord(tx, caller, input.lab_id);
    if (errors.length > before) return null;
    if (refs.containerId) await reserveContainerSlot(tx, refs.containerId, input.container_id!);
    // One statement: the id (given, or generated from the pattern in the database), the insert, and the
    // row as the API shows it. ON CONFLICT turns a taken sample_id into "no row" instead of an error.
    const [row] = await queryRows<Row>(
      tx,
      sql`WITH s_new AS (
            INSERT INTO samples (sample_id, name, lot_number, project_id, batch_id, container_id, parent_id,
              status, quantity, unit, metadata, lab_id, created_by)
            VALUES (${input.sample_id === undefined ? this.generatedId : sql`${input.sample_id}`}, ${input.name ?? null},
              ${input.lot_number ?? null}, ${refs.projectId}, ${refs.batchId}, ${refs.containerId}, ${extra.parentId ?? null},
              ${input.status ?? 'active'}, ${input.quantity === undefined ? null : String(input.quantity)}::numeric,
              ${input.unit ?? null}, ${JSON.stringify(input.metadata ?? {})}::jsonb, ${labId}, ${caller.email})
            ON CONFLICT (sample_id) DO NOTHING
            RETURNING *)
          ${viewOf(sql`s_new`)}`,
    );
    if (!row) {
      errors.push({ field: `${field}.sample_id`, message: `sample ${input.sample_id} already exists` });
      return null;
    }
    return row;
  }

  async create(input: SampleInput, caller: Caller): Promise<SampleView> {
    const view = await this.uow.create(async (tx, append) => {
      const errors: FieldError[] = [];
      const row = await this.insert(tx, input, caller, 'body', errors);
      if (!row) throw duplicateOrInvalid(errors);
      const view = toSampleView(row);
      append(caller.ctx, {
        action: 'sample.created',
        entityType: 'sample',
        entityId: view.sample_id,
        after: view,
      });
      return view;
    });
    this.metrics.samplesCreated.inc();
    return view;
  }

  /** At most 100, all or nothing: every offending item is listed in one 400 and nothing is written. */
  async createBulk(items: SampleInput[], caller: Caller): Promise<SampleView[]> {
    if (items.length > BULK_LIMIT) {
      throw invalid([
        { field: 'body.samples', message: `must have at most ${BULK_LIMIT} items (got ${items.length})` },
      ]);
    }
    const seen = new Map<string, number>();
    const dupes: FieldError[] = [];
    items.forEach((it, i) => {
      if (it.sample_id === undefined) return;
      if (seen.has(it.sample_id))
        dupes.push({
          field: `body.samples[${i}].sample_id`,
          message: `repeats item ${seen.get(it.sample_id)}`,
        });
      else seen.set(it.sample_id, i);
    });
    if (dupes.length) throw invalid(dupes);
    const views = await this.uow.create(
      async (tx, append) => {
        const errors: FieldError[] = [];
        const rows: Row[] = [];
        for (const [i, item] of items.entries()) {
          const row = await this.insert(tx, item, caller, `body.samples[${i}]`, errors);
          if (row) rows.push(row);
        }
        // Throwing rolls back every insert of this request.
        if (errors.length) throw invalid(errors);
        const out = rows.map(toSampleView);
        for (const view of out) {
          append(caller.ctx, {
            action: 'sample.created',
            entityType: 'sample',
            entityId: view.sample_id,
            after: view,
          });
        }
        return out;
      },
      (items) => ({ items }),
    );
    this.metrics.samplesCreated.inc(views.length);
    return views;
  }

  /** One sample with its parent chain (nearest first) and direct children. */
  async get(sampleId: string, caller: Caller): Promise<SampleDetail> {
    return this.uow.read(async (tx) => {
      const row = await this.row(tx, sampleId, caller);
      const chain = await queryRows<{ sample_id: string; status: SampleStatus; depth: number }>(
        tx,
        sql`WITH RECURSIVE up(id, parent_id, depth) AS (
              SELECT id, parent_id, 0 FROM samples WHERE id = ${row.id}
              UNION ALL
              SELECT s.id, s.parent_id, up.depth + 1 FROM samples s JOIN up ON s.id = up.parent_id WHERE up.depth < 1000
            )
            SELECT s.sample_id, s.status, up.depth FROM up JOIN samples s ON s.id = up.id WHERE up.depth > 0 ORDER BY up.depth`,
      );
      const children = await queryRows<{ sample_id: string; status: SampleStatus; quantity: number | null }>(
        tx,
        sql`SELECT s.sample_id, s.status, s.quantity::float8 AS quantity FROM sample_lineage l JOIN samples s ON s.id = l.child_id
             WHERE l.parent_id = ${row.id} ORDER BY s.sample_id`,
      );
      return {
        ...toSampleView(row),
        parent_chain: chain.map((c) => ({ sample_id: c.sample_id, status: c.status })),
        children,
      };
    });
  }

  /** Pages by `offset`, or by `cursor` (keyset; the answer's `next_cursor`), not both. */
  async list(q: SampleListQuery, caller: Caller): Promise<SampleList> {
    const sort = q.sort ?? '-created_at';
    if (q.cursor !== undefined && q.offset > 0) {
      throw invalid([{ field: 'querystring.cursor', message: 'cannot be combined with offset' }]);
    }
    const after = q.cursor === undefined ? undefined : decodeCursor(sort, q.cursor);
    const rows = await this.uow.read((tx) =>
      queryRows<Row & { sort_key: string | null }>(
        tx,
        sql`${this.listQuery(q, caller, after)} LIMIT ${q.limit + 1} OFFSET ${after ? 0 : q.offset}`,
      ),
    );
    const page = rows.slice(0, q.limit);
    const more = rows.length > q.limit;
    return {
      items: page.map(toSampleView),
      next_offset: more && !after ? q.offset + q.limit : null,
      next_cursor: more ? encodeCursor(sort, page[page.length - 1]!) : null,
    };
  }

  private listQuery(q: SampleFilters, caller: Caller, after?: { key: string | null; id: string }): SQL {
    const sort = q.sort ?? '-created_at';
    const keyset = KEYSET[sort];
    const where: SQL[] = [visibleTo(caller, sql`s.lab_id`)];
    if (after) {
      const cmp = keyset.desc ? sql.raw('<') : sql.raw('>');
      if (!keyset.column) where.push(sql`s.sample_id ${cmp} ${after.id}`);
      else if (sort.endsWith('created_at'))
        where.push(sql`(s.created_at, s.sample_id) ${cmp} (${after.key}::timestamptz, ${after.id})`);
      else where.push(sql`(${keyset.column}, s.sample_id) ${cmp} (${after.key}, ${after.id})`);
    }
    if (!q.include_deleted) where.push(sql`s.deleted_at IS NULL`);
    if (q.status) where.push(sql`s.status = ${q.status}`);
    if (q.project_id) where.push(sql`p.project_id = ${q.project_id}`);
    if (q.batch_id) where.push(sql`b.batch_id = ${q.batch_id}`);
    if (q.container_id) where.push(sql`c.container_id = ${q.container_id}`);
    if (q.parent_id) where.push(sql`ps.sample_id = ${q.parent_id}`);
    if (q.q) {
      const p = likePattern(q.q);
      where.push(
        sql`(s.sample_id ILIKE ${p} OR s.lot_number ILIKE ${p} OR s.name ILIKE ${p} OR s.metadata::text ILIKE ${p})`,
      );
    }
    const sortKey = keyset.column ? sql`${keyset.column}::text` : sql`NULL::text`;
    return sql`${viewOf(sql`samples`, sql`, ${sortKey} AS sort_key`)} WHERE ${sql.join(where, sql` AND `)}
      ORDER BY ${SORTS[sort]}`;
  }

  /** CSV of the filtered list (up to `max` rows). Cells that a spreadsheet would run as formulas are quoted. */
  async exportCsv(q: SampleFilters, caller: Caller, max = 50_000): Promise<string> {
    const rows = await this.uow.read((tx) =>
      queryRows<Row>(tx, sql`${this.listQuery(q, caller)} LIMIT ${max}`),
    );
    const columns: (keyof SampleView)[] = [
      'sample_id',
      'name',
      'lot_number',
      'project_id',
      'batch_id',
      'container_id',
      'parent_sample_id',
      'status',
      'quantity',
      'unit',
      'lab_id',
      'created_by',
      'created_at',
      'updated_at',
      'deleted_at',
      'metadata',
    ];
    const lines = [columns.join(',')];
    for (const r of rows) {
      const v = toSampleView(r);
      lines.push(columns.map((c) => csvCell(v[c])).join(','));
    }
    return `${lines.join('\r\n')}\r\n`;
  }

  async update(sampleId: string, patch: SamplePatch, caller: Caller): Promise<SampleView> {
    return this.uow.write(async (tx, append) => {
      const before = await this.row(tx, sampleId, caller, true);
      if (before.deleted_at)
        throw conflict('sample-deleted', 'Sample deleted', `Sample ${sampleId} was deleted`);
      if (patch.status !== undefined && !canTransition(before.status, patch.status)) {
        throw conflict(
          'invalid-status-transition',
          'Status transition not allowed',
          `A ${before.status} sample cannot become ${patch.status} (allowed: ${SAMPLE_TRANSITIONS[before.status]?.join(', ') || 'none'})`,
        );
      }
      const errors: FieldError[] = [];
      const refs = await this.resolveRefs(tx, patch, caller, 'body', errors);
      if (errors.length) throw invalid(errors);
      const moving = patch.container_id !== undefined && patch.container_id !== before.container_id;
      if (moving && refs.containerId) await reserveContainerSlot(tx, refs.containerId, patch.container_id!);
      const set = (key: keyof SamplePatch, column: SQL, value: SQL): SQL | null =>
        patch[key] === undefined ? null : sql`${column} = ${value}`;
      const sets = [
        set('name', sql`name`, sql`${patch.name ?? null}`),
        set('lot_number', sql`lot_number`, sql`${patch.lot_number ?? null}`),
        set('project_id', sql`project_id`, sql`${refs.projectId}`),
        set('batch_id', sql`batch_id`, sql`${refs.batchId}`),
        set('container_id', sql`container_id`, sql`${refs.containerId}`),
        set('status', sql`status`, sql`${patch.status ?? null}`),
        set(
          'quantity',
          sql`quantity`,
          sql`${patch.quantity === null || patch.quantity === undefined ? null : String(patch.quantity)}::numeric`,
        ),
        set('unit', sql`unit`, sql`${patch.unit ?? null}`),
        set('metadata', sql`metadata`, sql`${JSON.stringify(patch.metadata ?? {})}::jsonb`),
      ].filter((s): s is SQL => s !== null);
      await tx.execute(
        sql`UPDATE samples SET ${sql.join([...sets, sql`updated_at = now()`], sql`, `)} WHERE id = ${before.id}`,
      );
      const after = toSampleView(await this.row(tx, sampleId, { ...caller, allLabs: true }));
      const prev = toSampleView(before);
      append(caller.ctx, {
        action: moving && sets.length === 1 ? 'sample.moved' : 'sample.updated',
        entityType: 'sample',
        entityId: sampleId,
        before: prev,
        after,
        reason: patch.reason,
      });
      return after;
    });
  }

  /** Places a sample in a container (or takes it out with null): audited as `sample.moved`. */
  move(sampleId: string, containerId: string | null, reason: string, caller: Caller): Promise<SampleView> {
    return this.update(sampleId, { container_id: containerId, reason }, caller);
  }

  /** Soft delete (admin): the row stays for the record, hidden from lists, and leaves its container. */
  async softDelete(sampleId: string, reason: string, caller: Caller): Promise<SampleView> {
    return this.uow.write(async (tx, append) => {
      const before = await this.row(tx, sampleId, caller, true);
      if (before.deleted_at)
        throw conflict('sample-deleted', 'Sample deleted', `Sample ${sampleId} was already deleted`);
      await tx.execute(
        sql`UPDATE samples SET deleted_at = now(), container_id = NULL, updated_at = now() WHERE id = ${before.id}`,
      );
      const after = toSampleView(await this.row(tx, sampleId, caller));
      append(caller.ctx, {
        action: 'sample.deleted',
        entityType: 'sample',
        entityId: sampleId,
        before: toSampleView(before),
        after,
        reason,
      });
      return after;
    });
  }

  /**
   * Splits a parent into aliquots. Children inherit project, batch, lab, lot and unit, get a lineage row
   * each, and the parent's quantity drops by their sum (a parent at 0 becomes `consumed`). 409 when the
   * children together exceed what the parent has left, or the parent is not active.
   */
  async split(sampleId: string, input: SampleSplit, caller: Caller): Promise<SampleSplitResult> {
    const result = await this.uow.create(async (tx, append) => {
      const parent = await this.row(tx, sampleId, caller, true);
      if (parent.deleted_at || parent.status !== 'active') {
        throw conflict(
          'sample-not-active',
          'Sample not active',
          `Sample ${sampleId} is ${parent.deleted_at ? 'deleted' : parent.status}; only active samples can be split`,
        );
      }
      if (parent.quantity === null) {
        throw conflict(
          'quantity-unknown',
          'Quantity unknown',
          `Sample ${sampleId} has no recorded quantity to split`,
        );
      }
      // Compare in numeric, not floating point: 0.1 + 0.2 must fit into 0.3.
      const [check] = await queryRows<{ remaining: string; fits: boolean }>(
        tx,
        sql`SELECT (quantity - ${sumText(input.children.map((c) => c.quantity))}::numeric)::text AS remaining,
                   quantity >= ${sumText(input.children.map((c) => c.quantity))}::numeric AS fits
              FROM samples WHERE id = ${parent.id}`,
      );
      if (!check!.fits) {
        throw conflict(
          'insufficient-quantity',
          'Insufficient quantity',
          `Children need ${sumText(input.children.map((c) => c.quantity))} ${parent.unit ?? ''} but ${sampleId} has ${parent.quantity} left`,
        );
      }
      const errors: FieldError[] = [];
      const children: SampleView[] = [];
      for (const [i, child] of input.children.entries()) {
        // Refs are inherited from the parent; only the child's container is the caller's choice.
        if (child.container_id !== undefined) await containerRef(tx, child.container_id, caller);
        const row = await this.insert(
          tx,
          {
            sample_id: child.sample_id,
            name: child.name ?? parent.name ?? undefined,
            lot_number: parent.lot_number ?? undefined,
            project_id: parent.project_id ?? undefined,
            batch_id: parent.batch_id ?? undefined,
            container_id: child.container_id,
            quantity: child.quantity,
            unit: parent.unit ?? undefined,
            metadata: { ...parent.metadata },
          },
          { ...caller, allLabs: true },
          `body.children[${i}]`,
          errors,
          { parentId: parent.id, labId: parent.lab_uuid },
        );
        if (!row) continue;
        await tx.execute(sql`INSERT INTO sample_lineage (parent_id, child_id, relationship, quantity, created_by)
          VALUES (${parent.id}, ${row.id}, ${input.relationship ?? 'aliquot'}, ${String(child.quantity)}::numeric, ${caller.email})`);
        children.push(toSampleView(row));
      }
      if (errors.length) throw invalid(errors);
      await tx.execute(sql`UPDATE samples SET quantity = ${check!.remaining}::numeric,
          status = CASE WHEN ${check!.remaining}::numeric = 0 THEN 'consumed' ELSE status END, updated_at = now()
        WHERE id = ${parent.id}`);
      const after = toSampleView(await this.row(tx, sampleId, caller));
      append(caller.ctx, {
        action: 'sample.split',
        entityType: 'sample',
        entityId: sampleId,
        before: toSampleView(parent),
        after: {
          ...after,
          children: children.map((c) => ({ sample_id: c.sample_id, quantity: c.quantity })),
        },
        reason: input.reason ?? null,
      });
      for (const child of children) {
        append(caller.ctx, {
          action: 'sample.created',
          entityType: 'sample',
          entityId: child.sample_id,
          after: child,
          reason: input.reason ?? null,
        });
      }
      return { parent: after, children };
    });
    this.metrics.samplesCreated.inc(result.children.length);
    return result;
  }

  /** Ancestors and descendants up to `depth` generations, as two trees rooted at the sample. */
  async lineage(sampleId: string, depth: number, caller: Caller): Promise<SampleLineage> {
    return this.uow.read(async (tx) => {
      const root = await this.row(tx, sampleId, caller);
      const walk = (direction: 'down' | 'up') =>
        queryRows<{
          id: string;
          from_id: string;
          depth: number;
          relationship: SampleLineageNode['relationship'];
          edge_quantity: number | null;
          sample_id: string;
          status: SampleStatus;
          quantity: number | null;
          unit: string | null;
        }>(
          tx,
          direction === 'down'
            ? sql`WITH RECURSIVE t(id, from_id, depth, relationship, edge_quantity) AS (
                    SELECT child_id, parent_id, 1, relationship, quantity FROM sample_lineage WHERE parent_id = ${root.id}
                    UNION ALL
                    SELECT l.child_id, l.parent_id, t.depth + 1, l.relationship, l.quantity
                      FROM sample_lineage l JOIN t ON l.parent_id = t.id WHERE t.depth < ${depth}
                  )
                  SELECT t.id, t.from_id, t.depth, t.relationship, t.edge_quantity::float8 AS edge_quantity,
                         s.sample_id, s.status, s.quantity::float8 AS quantity, s.unit
                    FROM t JOIN samples s ON s.id = t.id ORDER BY t.depth, s.sample_id`
            : sql`WITH RECURSIVE t(id, from_id, depth, relationship, edge_quantity) AS (
                    SELECT parent_id, child_id, 1, relationship, quantity FROM sample_lineage WHERE child_id = ${root.id}
                    UNION ALL
                    SELECT l.parent_id, l.child_id, t.depth + 1, l.relationship, l.quantity
                      FROM sample_lineage l JOIN t ON l.child_id = t.id WHERE t.depth < ${depth}
                  )
                  SELECT t.id, t.from_id, t.depth, t.relationship, t.edge_quantity::float8 AS edge_quantity,
                         s.sample_id, s.status, s.quantity::float8 AS quantity, s.unit
                    FROM t JOIN samples s ON s.id = t.id ORDER BY t.depth, s.sample_id`,
        );
      const tree = (
        rows: Awaited<ReturnType<typeof walk>>,
        key: 'children' | 'parents',
      ): SampleLineageNode[] => {
        const byFrom = new Map<string, typeof rows>();
        for (const r of rows) byFrom.set(r.from_id, [...(byFrom.get(r.from_id) ?? []), r]);
        const build = (id: string, d: number): SampleLineageNode[] =>
          (byFrom.get(id) ?? [])
            .filter((r) => r.depth === d)
            .map((r) => ({
              sample_id: r.sample_id,
              status: r.status,
              quantity: r.quantity === null ? null : Number(r.quantity),
              unit: r.unit,
              relationship: r.relationship,
              edge_quantity: r.edge_quantity === null ? null : Number(r.edge_quantity),
              [key]: build(r.id, d + 1),
            }));
        return build(root.id, 1);
      };
      return {
        sample_id: root.sample_id,
        depth,
        quantity: root.quantity === null ? null : Number(root.quantity),
        unit: root.unit,
        ancestors: tree(await walk('up'), 'parents'),
        descendants: tree(await walk('down'), 'children'),
      };
    });
  }

  /** The sample's audit events, read through the (entity_type, entity_id, seq) index. */
  async history(sampleId: string, caller: Caller, q: SampleHistoryQuery): Promise<SampleHistory> {
    return this.uow.read(async (tx) => {
      await this.row(tx, sampleId, caller);
      const rows = await queryRows<{
        seq: string;
        ts: string;
        actor: string;
        action: string;
        before: unknown;
        after: unknown;
        reason: string | null;
        hash: string;
      }>(
        tx,
        sql`SELECT seq, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts, actor, action, before, after, reason, hash
              FROM audit_events WHERE entity_type = 'sample' AND entity_id = ${sampleId} AND seq > ${q.after_seq ?? 0}
             ORDER BY seq LIMIT ${q.limit + 1}`,
      );
      const items = rows.slice(0, q.limit).map((r) => ({ ...r, seq: Number(r.seq) }));
      return {
        sample_id: sampleId,
        items,
        next_after_seq: rows.length > q.limit ? items[items.length - 1]!.seq : null,
      };
    });
  }

  /** Links the sample to a workflow run (workflow_executions); audited. */
  async assignWorkflow(
    sampleId: string,
    input: SampleWorkflowAssignment,
    caller: Caller,
  ): Promise<SampleWorkflowAssigned> {
    return this.uow.create(async (tx, append) => {
      const sample = await this.row(tx, sampleId, caller, true);
      if (sample.deleted_at || sample.status === 'disposed' || sample.status === 'consumed') {
        throw conflict(
          'sample-not-active',
          'Sample not usable',
          `Sample ${sampleId} is ${sample.deleted_at ? 'deleted' : sample.status}`,
        );
      }
      const [run] = await queryRows<{ id: string; status: string }>(
        tx,
        sql`SELECT id, status FROM workflow_executions WHERE run_id = ${input.run_id}`,
      );
      if (!run) {
        throw new HttpProblem(400, 'validation-error', 'Invalid request', `No workflow run ${input.run_id}`, [
          { field: 'body.run_id', message: 'does not name an existing workflow run' },
        ]);
      }
      const inserted = await queryRows(
        tx,
        sql`INSERT INTO workflow_sample_assignments (execution_id, sample_id, assigned_by) VALUES (${run.id}, ${sample.id}, ${caller.email})
            ON CONFLICT DO NOTHING RETURNING sample_id`,
      );
      if (!inserted.length)
        throw conflict(
          'already-assigned',
          'Already assigned',
          `Sample ${sampleId} is already assigned to run ${input.run_id}`,
        );
      const assignment = { sample_id: sampleId, run_id: input.run_id, assigned_by: caller.email };
      append(caller.ctx, {
        action: 'sample.workflow_assigned',
        entityType: 'sample',
        entityId: sampleId,
        after: assignment,
        reason: input.reason ?? null,
      });
      return assignment;
    });
  }
}

/** A bulk/create failure: a taken sample_id alone is a 409, anything else a 400 listing each field. */
function duplicateOrInvalid(errors: FieldError[]): HttpProblem {
  if (errors.length === 1 && errors[0]!.message.endsWith('already exists')) {
    return new HttpProblem(409, 'sample-exists', 'Sample exists', errors[0]!.message);
  }
  return invalid(errors);
}

/** Exact decimal sum of JSON numbers, as text for a numeric parameter. */
function sumText(values: number[]): string {
  // Scale to the column's 6 decimals and add as integers so 0.1 + 0.2 is exactly 0.3.
  let total = 0n;
  for (const v of values) total += BigInt(Math.round(v * 1e6));
  const neg = total < 0n;
  const abs = neg ? -total : total;
  const s = abs.toString().padStart(7, '0');
  return `${neg ? '-' : ''}${s.slice(0, -6)}.${s.slice(-6)}`;
}
