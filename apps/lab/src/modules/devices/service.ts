import { type SQL, sql } from 'drizzle-orm';
import { queryRows } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { type Caller, labForNewRecord, visibleTo } from '../../platform/access/lab-scope.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import {
  DEVICE_VIEW,
  type DeviceRow,
  deviceRow,
  deviceView,
  EFFECTIVE_STATUS,
  statusPart,
  writeStatus,
} from './device-records.ts';
import type {
  DEVICE_SORTS,
  DeviceCreate,
  DeviceList,
  DeviceQuery,
  DeviceStatusChange,
  DeviceStatusView,
  DeviceUpdate,
  DeviceView,
} from './schemas.ts';

const SORTS: Record<DeviceSort, SQL> = {
  device_id: sql`d.device_id`,
  next_calibration_due: sql`ds.next_calibration_due NULLS LAST, d.device_id`,
  health_score: sql`ds.health_score NULLS FIRST, d.device_id`,
};
type DeviceSort = (typeof DEVICE_SORTS)[number];

/** Device registry and device status (operational, maintenance, offline, error; health 0..1). */
export class DeviceService {
  constructor(private readonly uow: UnitOfWork) {}

  async create(input: DeviceCreate, caller: Caller): Promise<DeviceView> {
    try {
      return await this.uow.create(async (tx, append) => {
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

  async get(deviceId: string, caller: Caller): Promise<DeviceView> {
    return deviceView(await this.uow.read((tx) => deviceRow(tx, deviceId, caller)));
  }

  async list(q: DeviceQuery, caller: Caller): Promise<DeviceList> {
    const where: SQL[] = [visibleTo(caller, sql`d.lab_id`)];
    if (q.device_type) where.push(sql`d.device_type = ${q.device_type}`);
    if (q.status) where.push(sql`${EFFECTIVE_STATUS} = ${q.status}`);
    if (q.lab_id) where.push(sql`l.lab_id = ${q.lab_id}`);
    const rows = await this.uow.read((tx) =>
      queryRows<DeviceRow>(
        tx,
        sql`${DEVICE_VIEW} WHERE ${sql.join(where, sql` AND `)} ORDER BY ${SORTS[q.sort ?? 'device_id']} LIMIT ${q.limit + 1} OFFSET ${q.offset}`,
      ),
    );
    return {
      items: rows.slice(0, q.limit).map(deviceView),
      next_offset: rows.length > q.limit ? q.offset + q.limit : null,
    };
  }

  async update(deviceId: string, patch: DeviceUpdate, caller: Caller): Promise<DeviceView> {
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
  async setStatus(deviceId: string, input: DeviceStatusChange, caller: Caller): Promise<DeviceStatusView> {
    return this.uow.write(async (tx, append) => {
      const before = await deviceRow(tx, deviceId, caller, true);
      if (input.status === 'operational' && before.calibration_overdue) {
        throw new HttpProblem(
          409,
          'calibration-overdue',
          'Calibration overdue',
          `Device ${deviceId} was due for calibration on ${before.next_calibration_due}; record a valid calibration first`,
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

  async status(deviceId: string, caller: Caller): Promise<DeviceStatusView> {
    return statusPart(await this.get(deviceId, caller));
  }

  /** True only for an operational device whose calibration is not overdue (for runs, later). */
  async isUsable(deviceId: string, caller: Caller): Promise<boolean> {
    return (await this.get(deviceId, caller)).status === 'operational';
  }
}
