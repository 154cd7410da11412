import { type SQL, sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { iso } from '../../db/sql-values.ts';
import { type Caller, notFound, visibleTo } from '../../platform/access/lab-scope.ts';
import type { DeviceStatusView, DeviceView } from './schemas.ts';

export type Tx = Pick<LabTx, 'execute'>;

/**
 * A device whose calibration is overdue is out of service (`maintenance`) on every read, even before
 * the stored status is updated; runs (a later module) ask `isUsable`.
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

export type DeviceRow = Omit<DeviceView, 'created_at' | 'updated_at'> & {
  id: string;
  lab_uuid: string | null;
  stored_status: string | null;
  created_at: unknown;
  updated_at: unknown;
};

export const deviceView = (r: DeviceRow): DeviceView => {
  const { id: _id, lab_uuid: _lab, stored_status: _s, ...rest } = r;
  return { ...rest, created_at: iso(rest.created_at)!, updated_at: iso(rest.updated_at)! };
};

export async function deviceRow(tx: Tx, deviceId: string, caller: Caller, lock = false): Promise<DeviceRow> {
  const [row] = await queryRows<DeviceRow>(
    tx,
    sql`${DEVICE_VIEW} WHERE d.device_id = ${deviceId} AND ${visibleTo(caller, sql`d.lab_id`)} ${lock ? sql`FOR UPDATE OF d` : sql``}`,
  );
  if (!row) throw notFound('Device', deviceId);
  return row;
}

/** Device rows visible to the caller that match `where`, in `orderBy` order. */
export const deviceRows = (tx: Tx, caller: Caller, where: SQL, orderBy: SQL) =>
  queryRows<DeviceRow>(
    tx,
    sql`${DEVICE_VIEW} WHERE ${visibleTo(caller, sql`d.lab_id`)} AND ${where} ORDER BY ${orderBy}`,
  );

export function statusPart(view: DeviceView): DeviceStatusView {
  return {
    device_id: view.device_id,
    status: view.status,
    health_score: view.health_score ?? null,
    last_calibration_date: view.last_calibration_date ?? null,
    next_calibration_due: view.next_calibration_due ?? null,
    calibration_overdue: view.calibration_overdue ?? null,
    status_notes: view.status_notes ?? null,
  };
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
