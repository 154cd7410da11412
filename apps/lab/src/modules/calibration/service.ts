import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { iso } from '../../db/sql-values.ts';
import { type Caller, notFound, visibleTo } from '../../platform/access/lab-scope.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import {
  deviceStatuses,
  lockDevice,
  readDeviceStatus,
  recordCalibrationStatus,
  sendOverdueToMaintenance,
} from '../devices/port.ts';
import { CertificateStore, CertificateTooLargeError, CertificateTypeError } from './certificate-store.ts';
import type {
  CalibrationCreate,
  CalibrationEntry,
  CalibrationHistory,
  CalibrationRecorded,
  DeviceStatuses,
  DueDevices,
} from './schemas.ts';

type Tx = Pick<LabTx, 'execute'>;

const ENTRY_VIEW = sql`SELECT c.id, d.device_id, c.calibration_date::text AS calibration_date, c.next_due_date::text AS next_due_date,
    c.performed_by, c.result, c.results, c.reference_standard, c.notes, c.certificate_sha256, c.certificate_content_type,
    c.certificate_size, c.certificate_filename, c.certificate_path, c.created_at, d.lab_id AS lab_uuid
  FROM calibration_entries c JOIN devices d ON d.id = c.device_id`;

type Row = Omit<CalibrationEntry, 'created_at' | 'has_certificate'> & {
  lab_uuid: string | null;
  certificate_path: string | null;
  created_at: unknown;
};
const toView = (r: Row): CalibrationEntry => {
  const { lab_uuid: _lab, certificate_path: _path, ...rest } = r;
  return { ...rest, created_at: iso(rest.created_at)!, has_certificate: r.certificate_sha256 !== null };
};

/** What the client is told when the certificate store refuses an upload; undefined for other errors. */
function storeProblem(err: unknown): HttpProblem | undefined {
  if (err instanceof CertificateTypeError)
    return new HttpProblem(415, 'unsupported-certificate-type', 'Unsupported certificate type', err.message);
  if (err instanceof CertificateTooLargeError || (err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE')
    return new HttpProblem(
      413,
      'certificate-too-large',
      'Certificate too large',
      'Certificates are limited to 10 MB',
    );
  return undefined;
}

/**
 * Calibration entries and their certificates. A `failed` result, or a next-due date in the past, puts
 * the device out of service (`maintenance`); a `valid` calibration returns a device that is in
 * maintenance to operational.
 */
export class CalibrationService {
  private readonly store: CertificateStore | undefined;

  constructor(
    private readonly uow: UnitOfWork,
    dataDir: string | undefined,
  ) {
    this.store = dataDir ? new CertificateStore(dataDir) : undefined;
  }

  private async row(tx: Tx, id: string, caller: Caller, lock = false): Promise<Row> {
    const [row] = await queryRows<Row>(
      tx,
      sql`${ENTRY_VIEW} WHERE c.id = ${id} AND ${visibleTo(caller, sql`d.lab_id`)} ${lock ? sql`FOR UPDATE OF c` : sql``}`,
    );
    if (!row) throw notFound('Calibration entry', id);
    return row;
  }

  async record(input: CalibrationCreate, caller: Caller): Promise<CalibrationRecorded> {
    return this.uow.create(async (tx, append) => {
      const device = await lockDevice(tx, input.device_id, caller).catch(() => {
        throw new HttpProblem(400, 'validation-error', 'Invalid request', `No device ${input.device_id}`, [
          { field: 'body.device_id', message: 'does not name a device you can see' },
        ]);
      });
      const performedBy = (input.performed_by ?? caller.email).toLowerCase();
      const [user] = await queryRows(tx, sql`SELECT 1 FROM users WHERE email = ${performedBy}`);
      if (!user) {
        throw new HttpProblem(400, 'validation-error', 'Invalid request', `No user ${performedBy}`, [
          { field: 'body.performed_by', message: 'must be a registered user' },
        ]);
      }
      if (input.next_due_date !== undefined && input.next_due_date < input.calibration_date) {
        throw new HttpProblem(
          400,
          'validation-error',
          'Invalid request',
          'next_due_date is before calibration_date',
          [{ field: 'body.next_due_date', message: 'must not be before calibration_date' }],
        );
      }
      const [entry] = await queryRows<{ id: string }>(
        tx,
        sql`INSERT INTO calibration_entries (device_id, calibration_date, next_due_date, performed_by, result, results, reference_standard, notes)
            VALUES (${device.uuid}, ${input.calibration_date}::date, ${input.next_due_date ?? null}::date, ${performedBy}, ${input.result},
                    ${JSON.stringify(input.results ?? {})}::jsonb, ${input.reference_standard ?? null}, ${input.notes ?? null})
            RETURNING id`,
      );
      const beforeStatus = device.status;
      const stored = device.storedStatus;
      const status =
        input.result === 'failed'
          ? 'maintenance'
          : stored === 'maintenance' || stored === null
            ? 'operational'
            : undefined;
      await recordCalibrationStatus(tx, device.uuid, {
        status,
        lastCalibration: input.calibration_date,
        nextDue: input.next_due_date ?? null,
      });
      const afterStatus = await readDeviceStatus(tx, input.device_id, caller);
      const view = toView(await this.row(tx, entry!.id, caller));
      append(caller.ctx, {
        action: 'calibration.recorded',
        entityType: 'calibration_entry',
        entityId: entry!.id,
        after: view,
      });
      append(caller.ctx, {
        action: 'device_status.calibration_updated',
        entityType: 'device',
        entityId: input.device_id,
        before: beforeStatus,
        after: afterStatus,
        reason: `calibration ${input.result} (${entry!.id})`,
      });
      return { ...view, device_status: afterStatus };
    });
  }

  async get(id: string, caller: Caller): Promise<CalibrationEntry> {
    return toView(await this.uow.read((tx) => this.row(tx, id, caller)));
  }

  async forDevice(deviceId: string, caller: Caller): Promise<CalibrationHistory> {
    return this.uow.read(async (tx) => {
      await readDeviceStatus(tx, deviceId, caller);
      const rows = await queryRows<Row>(
        tx,
        sql`${ENTRY_VIEW} WHERE d.device_id = ${deviceId} ORDER BY c.calibration_date DESC, c.created_at DESC`,
      );
      return { device_id: deviceId, items: rows.map(toView) };
    });
  }

  /** Devices due within `days` days (today included), not yet overdue. */
  async upcoming(days: number, caller: Caller): Promise<DueDevices> {
    const items = await this.uow.read((tx) => deviceStatuses(tx, caller, { dueWithinDays: days }));
    return { days, items };
  }

  /**
   * Devices past their due date. Reading this also writes the consequence: an overdue device still
   * stored as operational is set to maintenance, audited as the system's action.
   */
  async overdue(caller: Caller): Promise<DeviceStatuses> {
    return this.uow.write(async (tx, append) => {
      const changed = await sendOverdueToMaintenance(tx, caller);
      for (const c of changed) {
        append(
          { ...caller.ctx, actor: 'system' },
          {
            action: 'device_status.calibration_overdue',
            entityType: 'device',
            entityId: c.device_id,
            before: { status: 'operational' },
            after: { status: 'maintenance', next_calibration_due: c.next_calibration_due },
            reason: 'calibration overdue',
          },
        );
      }
      return { items: await deviceStatuses(tx, caller, { overdue: true }) };
    });
  }

  async statuses(caller: Caller): Promise<DeviceStatuses> {
    return { items: await this.uow.read((tx) => deviceStatuses(tx, caller, { all: true })) };
  }

  /**
   * Stores the upload (typed by magic bytes, content-addressed) and records it on the entry. The file is
   * in place before the transaction commits, and removed again if it rolls back; a full disk fails
   * before anything is recorded (507 storage-full, from the error handler).
   */
  async attachCertificate(
    id: string,
    file: { stream: NodeJS.ReadableStream; filename: string },
    caller: Caller,
  ): Promise<CalibrationEntry> {
    const store = this.requireStore();
    await this.uow.read((tx) => this.row(tx, id, caller));
    const filename = file.filename.replace(/[^\w .()-]/g, '_').slice(0, 200) || 'certificate';
    return store
      .put(file.stream, (stored) =>
        this.uow.write(async (tx, append) => {
          const before = await this.row(tx, id, caller, true);
          if (before.certificate_sha256) {
            throw new HttpProblem(
              409,
              'certificate-exists',
              'Certificate exists',
              `Calibration ${id} already has a certificate (sha256 ${before.certificate_sha256})`,
            );
          }
          await tx.execute(sql`UPDATE calibration_entries SET certificate_path = ${stored.path}, certificate_sha256 = ${stored.sha256},
              certificate_content_type = ${stored.contentType}, certificate_size = ${stored.size}, certificate_filename = ${filename}
            WHERE id = ${id}`);
          const after = toView(await this.row(tx, id, caller));
          append(caller.ctx, {
            action: 'calibration.certificate_attached',
            entityType: 'calibration_entry',
            entityId: id,
            after: { sha256: stored.sha256, content_type: stored.contentType, size: stored.size, filename },
          });
          return after;
        }),
      )
      .catch((err: unknown) => {
        throw storeProblem(err) ?? err;
      });
  }

  async certificate(id: string, caller: Caller) {
    const store = this.requireStore();
    const row = await this.uow.read((tx) => this.row(tx, id, caller));
    if (!row.certificate_sha256 || !row.certificate_path) throw notFound('Certificate of calibration', id);
    const bytes = await store.read(row.certificate_path, row.certificate_sha256);
    return {
      bytes,
      sha256: row.certificate_sha256,
      contentType: row.certificate_content_type ?? 'application/octet-stream',
      filename: row.certificate_filename ?? 'certificate',
    };
  }

  private requireStore(): CertificateStore {
    if (!this.store)
      throw new HttpProblem(
        503,
        'storage-unavailable',
        'Storage unavailable',
        'No data directory is configured for certificates',
      );
    return this.store;
  }
}
