import { type SQL, sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { iso } from '../../db/sql-values.ts';
import { type Caller, labForNewRecord, notFound, visibleTo } from '../../platform/access/lab-scope.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';

type Tx = Pick<LabTx, 'execute'>;

const SORTS: Record<string, SQL> = {
  device_id: sql`d.device_id`,
  next_calibration_due: sql`ds.next_calibration_due NULLS LAST, d.device_id`,
  health_score: sql`ds.health_score NULLS FIRST, d.device_id`,
};
export const DEVICE_SORTS = Object.keys(SORTS);

export const DEVICE_STATUSES = ['operational', 'maintenance', 'offline', 'error'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

/**
 * A device whose calibration is overdue is out of service (`maintenance`) on every read, even before
 * the stored status is updated; runs (a later issue) ask `isUsable`.
 */
export const EFFECTIVE_STATUS = sql.raw(
  `CASE WHEN ds.next_calibration_due < current_date AND coalesce(ds.status, 'operational') = 'operational' THEN 'maintenance'
        ELSE coalesce(ds.status, 'operational') END`,
);

export const DEVICE_VIEW = sql`SELECT d.id, d.device_id, d.vendor, d.model, d.serial_number, d.device_type, d.location,
    l.lab_id, h.hub_id, d.capabilities, d.created_at, d.updated_at, d.lab_id AS lab_uuid,
    ${EFFECTIVE_STATUS} AS status, ds.status AS stored_status, ds.health_score,
    ds.last_calibration_date::text AS last_calibration_date, ds.next_calibration_due::text AS next_calibration_due,
    coalesce(ds.next_calibration_due < current_date, false) AS calibration_overdue, ds.notes AS status_notes
  FROM devices d LEFT JOIN device_status ds ON ds.device_id = d.id LEFT JOIN labs l ON l.id = d.lab_id
  LEFT JOIN device_hubs h ON h.id = d.hub_id`;

type Row = Record<string, unknown> & { id: string; lab_uuid: string | null };
export const deviceView = (r: Row) => {
  const { id: _id, lab_uuid: _lab, stored_status: _s, ...rest } = r;
  rest['created_at'] = iso(rest['created_at']);
  rest['updated_at'] = iso(rest['updated_at']);
  return rest;
};

export async function deviceRow(tx: Tx, deviceId: string, caller: Caller, lock = false): Promise<Row> {
  const [row] = await queryRows<Row>(
    tx,
    sql`${DEVICE_VIEW} WHERE d.device_id = ${deviceId} AND ${visibleTo(caller, sql`d.lab_id`)} ${lock ? sql`FOR UPDATE OF d` : sql``}`,
  );
  if (!row) throw notFound('Device', deviceId);
  return row;
}

/** Device registry and device status (operational, maintenance, offline, error; health 0..1). */
export class DeviceService {
  constructor(private readonly uow: UnitOfWork) {}

  async create(
    input: {
      device_id: string;
      vendor: string;
      model: string;
      serial_number: string;
      device_type: string;
      location?: string | undefined;
      lab_id?: string | undefined;
      capabilities?: Record<string, unknown> | undefined;
    },
    caller: Caller,
  ) {
    try {
      return await this.uow.write(async (tx, append) => {
        const labId = await labForNewRecord(tx, caller, input.lab_id);
        const [d] = await queryRows<{ id: string }>(
          tx,
          sql`INSERT INTO devices (device_id, vendor, model, serial_number, device_type, location, lab_id, capabilities)
              VALUES (${input.device_id}, ${input.vendor}, ${input.model}, ${input.serial_number}, ${input.device_type},
                      ${input.location ?? null}, ${labId}, ${JSON.stringify(input.capabilities ?? {})}::jsonb) RETURNING id`,
        );
        await tx.execute(
          sql`INSERT INTO device_status (device_id, status, health_score) VALUES (${d!.id}, 'operational', 1)`,
        );
        const view = deviceView(await deviceRow(tx, input.device_id, { ...caller, allLabs: true }));
        append(caller.ctx, {
          action: 'device.created',
          entityType: 'device',
          entityId: input.device_id,
          after: view,
        });
        return view;
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new HttpProblem(
          409,
          'conflict',
          'Conflict',
          `Device ${input.device_id} (or vendor + serial ${input.serial_number}) exists`,
        );
      }
      throw err;
    }
  }

  async get(deviceId: string, caller: Caller) {
    return deviceView(await this.uow.read((tx) => deviceRow(tx, deviceId, caller)));
  }

  async list(
    q: {
      limit: number;
      offset: number;
      device_type?: string | undefined;
      status?: string | undefined;
      lab_id?: string | undefined;
      sort?: string | undefined;
    },
    caller: Caller,
  ) {
    const where: SQL[] = [visibleTo(caller, sql`d.lab_id`)];
    if (q.device_type) where.push(sql`d.device_type = ${q.device_type}`);
    if (q.status) where.push(sql`${EFFECTIVE_STATUS} = ${q.status}`);
    if (q.lab_id) where.push(sql`l.lab_id = ${q.lab_id}`);
    const rows = await this.uow.read((tx) =>
      queryRows<Row>(
        tx,
        sql`${DEVICE_VIEW} WHERE ${sql.join(where, sql` AND `)} ORDER BY ${SORTS[q.sort ?? 'device_id'] ?? SORTS['device_id']!} LIMIT ${q.limit + 1} OFFSET ${q.offset}`,
      ),
    );
    return {
      items: rows.slice(0, q.limit).map(deviceView),
      next_offset: rows.length > q.limit ? q.offset + q.limit : null,
    };
  }

  async update(
    deviceId: string,
    patch: {
      model?: string | undefined;
      device_type?: string | undefined;
      location?: string | null | undefined;
      capabilities?: Record<string, unknown> | undefined;
      reason: string;
    },
    caller: Caller,
  ) {
    return this.uow.write(async (tx, append) => {
      const before = await deviceRow(tx, deviceId, caller, true);
      await tx.execute(sql`UPDATE devices SET model = coalesce(${patch.model ?? null}, model),
          device_type = coalesce(${patch.device_type ?? null}, device_type),
          location = ${patch.location === undefined ? sql`location` : sql`${patch.location}`},
          capabilities = coalesce(${patch.capabilities ? JSON.stringify(patch.capabilities) : null}::jsonb, capabilities),
          updated_at = now() WHERE id = ${before.id}`);
      const after = deviceView(await deviceRow(tx, deviceId, caller));
      append(caller.ctx, {
        action: 'device.updated',
        entityType: 'device',
        entityId: deviceId,
        before: deviceView(before),
        after,
        reason: patch.reason,
      });
      return after;
    });
  }

  /**
   * Sets status and health. A device overdue for calibration cannot be declared operational (409):
   * record a valid calibration instead.
   */
  async setStatus(
    deviceId: string,
    input: {
      status: DeviceStatus;
      health_score?: number | undefined;
      notes?: string | undefined;
      reason: string;
    },
    caller: Caller,
  ) {
    return this.uow.write(async (tx, append) => {
      const before = await deviceRow(tx, deviceId, caller, true);
      if (input.status === 'operational' && before['calibration_overdue']) {
        throw new HttpProblem(
          409,
          'calibration-overdue',
          'Calibration overdue',
          `Device ${deviceId} was due for calibration on ${before['next_calibration_due']}; record a valid calibration first`,
        );
      }
      await writeStatus(tx, before.id, {
        status: input.status,
        health: input.health_score,
        notes: input.notes,
      });
      const after = deviceView(await deviceRow(tx, deviceId, caller));
      append(caller.ctx, {
        action: 'device_status.changed',
        entityType: 'device',
        entityId: deviceId,
        before: statusPart(deviceView(before)),
        after: statusPart(after),
        reason: input.reason,
      });
      return statusPart(after);
    });
  }

  async status(deviceId: string, caller: Caller) {
    return statusPart(await this.get(deviceId, caller));
  }

  /** True only for an operational device whose calibration is not overdue (for runs, later). */
  async isUsable(deviceId: string, caller: Caller): Promise<boolean> {
    return (await this.get(deviceId, caller))['status'] === 'operational';
  }
}

export function statusPart(view: Record<string, unknown>) {
  const keys = [
    'device_id',
    'status',
    'health_score',
    'last_calibration_date',
    'next_calibration_due',
    'calibration_overdue',
    'status_notes',
  ];
  return Object.fromEntries(keys.map((k) => [k, view[k] ?? null]));
}

export async function writeStatus(
  tx: Tx,
  deviceUuid: string,
  s: {
    status?: string | undefined;
    health?: number | undefined;
    notes?: string | undefined;
    lastCal?: string | undefined;
    nextDue?: string | null | undefined;
  },
) {
  await tx.execute(sql`INSERT INTO device_status (device_id, status, health_score, notes, last_calibration_date, next_calibration_due)
      VALUES (${deviceUuid}, ${s.status ?? 'operational'}, ${s.health ?? null}, ${s.notes ?? null}, ${s.lastCal ?? null}::date, ${s.nextDue ?? null}::date)
    ON CONFLICT (device_id) DO UPDATE SET
      status = coalesce(${s.status ?? null}, device_status.status),
      health_score = coalesce(${s.health ?? null}::float8, device_status.health_score),
      notes = coalesce(${s.notes ?? null}, device_status.notes),
      last_calibration_date = coalesce(${s.lastCal ?? null}::date, device_status.last_calibration_date),
      next_calibration_due = ${s.nextDue === undefined ? sql`device_status.next_calibration_due` : sql`${s.nextDue}::date`},
      updated_at = now()`);
}
