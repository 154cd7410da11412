import { AcceleratedClock } from '@polymorph/run-engine/clock';
import { DEVICE_KINDS, type DeviceKind, DriverError } from '@polymorph/run-engine/drivers';
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { iso } from '../../db/sql-values.ts';
import { type Caller, notFound, visibleTo } from '../../platform/access/lab-scope.ts';
import {
  catalogueProblem,
  type FieldError,
  HttpProblem,
  validationProblem,
} from '../../platform/http/problem.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import { lockDevice, readDeviceStatus } from '../devices/port.ts';
import { type BindingRow, connectDevice, type RunDevice, transportOf } from './port.ts';
import type { BindingInput, BindingView, IdentifyView } from './schemas.ts';

type Tx = Pick<LabTx, 'execute'>;

export interface InstrumentSettings {
  /** Hosts an SCPI binding may name, lower case (POLYMORPH_INSTRUMENT_HOSTS). */
  allowedHosts: readonly string[];
  /** Per SCPI exchange while identifying, ms. Default 5000. */
  identifyTimeoutMs?: number;
}

/** Statuses of a run that has not ended: its devices must stay bound as they were checked. */
const UNFINISHED_RUN = sql.raw(`('pending', 'running', 'paused', 'interrupted')`);

type StoredBinding = BindingRow & {
  device_id: string;
  updated_by: string;
  created_at: unknown;
  updated_at: unknown;
};

const isDeviceKind = (kind: string): kind is DeviceKind => (DEVICE_KINDS as readonly string[]).includes(kind);

function bindingView(row: StoredBinding): BindingView {
  if (!isDeviceKind(row.kind)) throw new Error(`instrument_bindings.kind ${row.kind} is not a device kind`);
  const { transport, host, port } = row;
  return {
    device_id: row.device_id,
    kind: row.kind,
    transport: transport === 'scpi' ? 'scpi' : 'simulator',
    host,
    port,
    updated_by: row.updated_by,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}

/** The binding of a device the caller has already been shown (lab scope checked by the devices port). */
async function storedBinding(tx: Tx, deviceId: string, lock = false): Promise<StoredBinding | undefined> {
  const [row] = await queryRows<StoredBinding>(
    tx,
    sql`SELECT d.device_id, b.kind, b.transport, b.host, b.port, b.updated_by, b.created_at, b.updated_at
          FROM instrument_bindings b JOIN devices d ON d.id = b.device_id
         WHERE d.device_id = ${deviceId} ${lock ? sql`FOR UPDATE OF b` : sql``}`,
  );
  return row;
}

/** Bindings of LIMS devices: which driver kind each is and how it is reached (simulator or SCPI/TCP). */
export class InstrumentService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly settings: InstrumentSettings,
  ) {}

  async binding(deviceId: string, caller: Caller): Promise<BindingView> {
    return this.uow.read(async (tx) => {
      await readDeviceStatus(tx, deviceId, caller);
      const row = await storedBinding(tx, deviceId);
      if (!row) throw notFound('Instrument binding', deviceId);
      return bindingView(row);
    });
  }

  /** Creates or replaces the binding; a device an unfinished run uses cannot change kind. */
  async bind(deviceId: string, input: BindingInput, caller: Caller): Promise<BindingView> {
    const errors = this.addressErrors(input);
    if (errors.length > 0) throw validationProblem(errors);
    const host = input.transport === 'scpi' ? (input.host?.toLowerCase() ?? null) : null;
    const port = input.transport === 'scpi' ? (input.port ?? null) : null;
    return this.uow.write(async (tx, audit) => {
      const device = await lockDevice(tx, deviceId, caller);
      const before = await storedBinding(tx, deviceId, true);
      if (before && before.kind !== input.kind)
        await refuseIfInUse(tx, caller, deviceId, `re-bound as a ${input.kind}`);
      await tx.execute(sql`INSERT INTO instrument_bindings (device_id, kind, transport, host, port, updated_by)
          VALUES (${device.uuid}, ${input.kind}, ${input.transport}, ${host}, ${port}, ${caller.email})
          ON CONFLICT (device_id) DO UPDATE SET kind = excluded.kind, transport = excluded.transport,
            host = excluded.host, port = excluded.port, updated_by = excluded.updated_by, updated_at = now()`);
      const after = bindingView((await storedBinding(tx, deviceId))!);
      audit(caller.ctx, {
        action: before ? 'instrument_binding.updated' : 'instrument_binding.created',
        entityType: 'instrument_binding',
        entityId: deviceId,
        before: before ? bindingView(before) : null,
        after,
        reason: input.reason ?? null,
      });
      return after;
    });
  }

  /** Removes the binding, unless an unfinished run uses the device (409). */
  async unbind(deviceId: string, reason: string, caller: Caller): Promise<void> {
    await this.uow.write(async (tx, audit) => {
      const device = await lockDevice(tx, deviceId, caller);
      const before = await storedBinding(tx, deviceId, true);
      if (!before) throw notFound('Instrument binding', deviceId);
      await refuseIfInUse(tx, caller, deviceId, 'unbound');
      await tx.execute(sql`DELETE FROM instrument_bindings WHERE device_id = ${device.uuid}`);
      audit(caller.ctx, {
        action: 'instrument_binding.deleted',
        entityType: 'instrument_binding',
        entityId: deviceId,
        before: bindingView(before),
        reason,
      });
    });
  }

  /** Connects through the binding, asks the instrument who it is, and closes. Changes nothing. */
  async identify(deviceId: string, caller: Caller): Promise<IdentifyView> {
    const view = await this.boundForIdentify(deviceId, caller);
    const device: RunDevice = { deviceId, kind: view.kind, ...transportOf(view) };
    try {
      const link = await connectDevice(device, {
        clock: new AcceleratedClock(),
        seed: 1,
        timeoutMs: this.settings.identifyTimeoutMs ?? 5000,
        reconnectAttempts: 2,
      });
      try {
        const identity = await link.driver.identify();
        const { capabilities, simulated } = link.driver;
        const { kind, transport, host, port } = view;
        return {
          device_id: deviceId,
          kind,
          transport,
          host,
          port,
          identity,
          capabilities: [...capabilities],
          simulated,
        };
      } finally {
        await link.close();
      }
    } catch (err) {
      if (!(err instanceof DriverError)) throw err;
      const where = view.transport === 'scpi' ? ` at ${view.host}:${view.port}` : '';
      throw catalogueProblem(
        'instrument-error',
        `Device ${deviceId}${where} failed to identify: ${err.message}`,
        {
          extensions: { code: err.code, device_id: deviceId },
        },
      );
    }
  }

  private async boundForIdentify(deviceId: string, caller: Caller): Promise<BindingView> {
    const view = await this.uow.read(async (tx) => {
      await readDeviceStatus(tx, deviceId, caller);
      const row = await storedBinding(tx, deviceId);
      if (!row)
        throw catalogueProblem(
          'instrument-not-bound',
          `Device ${deviceId} has no instrument binding; bind it first`,
          {
            extensions: { device_id: deviceId },
          },
        );
      return bindingView(row);
    });
    // The list may have shrunk since the binding was made: the server still connects only where allowed.
    if (view.host !== null && !this.settings.allowedHosts.includes(view.host))
      throw new HttpProblem(
        409,
        'conflict',
        'Conflict',
        `Device ${deviceId} is bound to ${view.host}, which POLYMORPH_INSTRUMENT_HOSTS no longer lists; bind it again`,
      );
    return view;
  }

  /** Host and port go with `scpi` only, and the host must be on the allow-list. */
  private addressErrors(input: BindingInput): FieldError[] {
    const errors: FieldError[] = [];
    const field = (name: 'host' | 'port', message: string) => errors.push({ field: `body.${name}`, message });
    if (input.transport === 'simulator') {
      if (input.host !== undefined) field('host', 'is not accepted with transport simulator');
      if (input.port !== undefined) field('port', 'is not accepted with transport simulator');
      return errors;
    }
    const allowed = this.settings.allowedHosts;
    if (input.host === undefined) field('host', 'is required with transport scpi');
    else if (!allowed.includes(input.host.toLowerCase()))
      field('host', `is not in POLYMORPH_INSTRUMENT_HOSTS (allowed: ${allowed.join(', ')})`);
    if (input.port === undefined) field('port', 'is required with transport scpi');
    return errors;
  }
}

/**
 * 409 when a run that has not ended names the device: it was checked bound as it is, and its engine
 * (or a resume) connects through this binding. Runs of every lab count; only the caller's are named.
 */
async function refuseIfInUse(tx: Tx, caller: Caller, deviceId: string, change: string): Promise<void> {
  const named = sql.join(
    DEVICE_KINDS.map((kind) => sql`devices ->> ${kind}`),
    sql`, `,
  );
  const runs = await queryRows<{ id: string; run_id: string; status: string; visible: boolean }>(
    tx,
    sql`SELECT id, run_id, status, ${visibleTo(caller, sql`lab_id`)} AS visible FROM workflow_executions
         WHERE status IN ${UNFINISHED_RUN} AND ${deviceId} IN (${named}) ORDER BY created_at`,
  );
  if (runs.length === 0) return;
  const statuses = [...new Set(runs.map((r) => r.status))].join(', ');
  throw new HttpProblem(
    409,
    'conflict',
    'Conflict',
    `Device ${deviceId} cannot be ${change}: ${runs.length} unfinished run(s) (${statuses}) use it; let them end or abort them first`,
    undefined,
    {
      device_id: deviceId,
      runs: runs.filter((r) => r.visible).map(({ id, run_id, status }) => ({ id, run_id, status })),
    },
  );
}
