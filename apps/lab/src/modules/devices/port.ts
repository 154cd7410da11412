import { sql } from 'drizzle-orm';
import { queryRows } from '../../db/client.ts';
import { type Caller, visibleTo } from '../../platform/access/lab-scope.ts';
import { deviceRow, deviceRows, deviceView, statusPart, type Tx, writeStatus } from './device-records.ts';
import type { DeviceStatusChange, DeviceStatusView } from './schemas.ts';

/**
 * What other modules may use of devices: a device's status. Calibration changes it inside its own
 * unit of work (the entry, the status and their audit events commit together), so the functions below
 * take the caller's transaction; over HTTP it reads and sets a status through `DeviceStatusAccess`.
 */
export { DeviceStatusChange, DeviceStatusView } from './schemas.ts';

/** Read and set a device's status as its own audited unit of work (DeviceService implements it). */
export interface DeviceStatusAccess {
  status(deviceId: string, caller: Caller): Promise<DeviceStatusView>;
  setStatus(deviceId: string, input: DeviceStatusChange, caller: Caller): Promise<DeviceStatusView>;
}

/** A device locked for update in the caller's transaction. */
export interface LockedDevice {
  /** devices.id, for `recordCalibrationStatus`. */
  uuid: string;
  /** The status as stored (null before any status row), not the effective one. */
  storedStatus: string | null;
  status: DeviceStatusView;
}

/** Locks a device the caller can see (404 otherwise) and reads its status. */
export async function lockDevice(tx: Tx, deviceId: string, caller: Caller): Promise<LockedDevice> {
  const row = await deviceRow(tx, deviceId, caller, true);
  return { uuid: row.id, storedStatus: row.stored_status, status: statusPart(deviceView(row)) };
}

/** A device's status, read in the caller's transaction (404 if the caller cannot see it). */
export async function readDeviceStatus(tx: Tx, deviceId: string, caller: Caller): Promise<DeviceStatusView> {
  return statusPart(deviceView(await deviceRow(tx, deviceId, caller)));
}

/**
 * Writes the outcome of a calibration: the dates, and the status when it changes (undefined keeps
 * it). The caller audits the change.
 */
export async function recordCalibrationStatus(
  tx: Tx,
  deviceUuid: string,
  change: {
    status: 'operational' | 'maintenance' | undefined;
    lastCalibration: string;
    nextDue: string | null;
  },
): Promise<void> {
  await writeStatus(tx, deviceUuid, {
    status: change.status,
    lastCal: change.lastCalibration,
    nextDue: change.nextDue,
  });
}

/** Which devices' statuses to list: every one, those overdue, or those due within `days` days. */
export type DeviceStatusFilter = { all: true } | { overdue: true } | { dueWithinDays: number };

/** Statuses of the devices the caller can see; by due date (overdue, due), else by device id. */
export async function deviceStatuses(
  tx: Tx,
  caller: Caller,
  filter: DeviceStatusFilter,
): Promise<DeviceStatusView[]> {
  const byDue = sql`ds.next_calibration_due, d.device_id`;
  const rows =
    'dueWithinDays' in filter
      ? await deviceRows(
          tx,
          caller,
          sql`ds.next_calibration_due >= current_date AND ds.next_calibration_due <= current_date + ${filter.dueWithinDays}::int`,
          byDue,
        )
      : 'overdue' in filter
        ? await deviceRows(tx, caller, sql`ds.next_calibration_due < current_date`, byDue)
        : await deviceRows(tx, caller, sql`TRUE`, sql`d.device_id`);
  return rows.map((r) => statusPart(deviceView(r)));
}

/**
 * Sets every overdue device still stored as operational to maintenance, and returns those it changed
 * so the caller can audit each one.
 */
export function sendOverdueToMaintenance(
  tx: Tx,
  caller: Caller,
): Promise<{ device_id: string; next_calibration_due: string }[]> {
  return queryRows<{ device_id: string; next_calibration_due: string }>(
    tx,
    sql`UPDATE device_status ds SET status = 'maintenance', updated_at = now()
         FROM devices d
        WHERE d.id = ds.device_id AND ds.next_calibration_due < current_date AND ds.status = 'operational'
          AND ${visibleTo(caller, sql`d.lab_id`)}
      RETURNING d.device_id, ds.next_calibration_due::text AS next_calibration_due`,
  );
}
