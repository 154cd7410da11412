// What sibling modules may use of instruments: the runs module checks, inside the transaction that
// starts (or resumes) a run, that each device it names is the right kind, bound to a transport,
// operational and calibrated (§11.10(h)); the engine then connects to the devices so checked.

import {
  DEVICE_KINDS,
  type DeviceKind,
  type DeviceSet,
  type Driver,
  DriverError,
  type ExperimentClock,
} from '@polymorph/run-engine/drivers';
import { connectScpiDevices } from '@polymorph/run-engine/scpi/client';
import { createSimulatedReactor } from '@polymorph/run-engine/simulators/create-simulated-reactor';
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import type { Caller } from '../../platform/access/lab-scope.ts';
import { catalogueProblem } from '../../platform/http/problem.ts';
import { lockDevice } from '../devices/port.ts';

type Tx = Pick<LabTx, 'execute'>;

/** The device a run uses for each kind, by LIMS device id (devices.device_id). */
export type RunDeviceIds = Record<DeviceKind, string>;

export type InstrumentTransport =
  | { transport: 'simulator' }
  | { transport: 'scpi'; host: string; port: number };

export type RunDevice = InstrumentTransport & { deviceId: string; kind: DeviceKind };

/** The checked devices of one run, as stored with it (workflow_executions.devices holds the ids). */
export type RunDevices = Record<DeviceKind, RunDevice>;

export interface BindingRow {
  kind: string;
  transport: string;
  host: string | null;
  port: number | null;
}

/**
 * Checks each device in the caller's transaction: visible to the caller (404 otherwise), bound as that
 * kind (409 `instrument-not-bound`), operational with a calibration on record that is not overdue
 * (409 `device-not-usable`). Device rows are locked (and their bindings FOR SHARE), so a status change,
 * a calibration or an unbinding waits for the run's start to commit and then sees the run.
 */
export async function checkRunDevices(tx: Tx, caller: Caller, ids: RunDeviceIds): Promise<RunDevices> {
  const checked: Partial<RunDevices> = {};
  for (const kind of DEVICE_KINDS) {
    checked[kind] = await checkDevice(tx, caller, kind, ids[kind]);
  }
  return checked as RunDevices;
}

async function checkDevice(tx: Tx, caller: Caller, kind: DeviceKind, deviceId: string): Promise<RunDevice> {
  const { status: device } = await lockDevice(tx, deviceId, caller);
  const [binding] = await queryRows<BindingRow>(
    tx,
    sql`SELECT b.kind, b.transport, b.host, b.port FROM instrument_bindings b JOIN devices d ON d.id = b.device_id
        WHERE d.device_id = ${deviceId} FOR SHARE OF b`,
  );
  if (!binding || binding.kind !== kind) {
    throw catalogueProblem(
      'instrument-not-bound',
      binding
        ? `Device ${deviceId} is bound as a ${binding.kind}, not as the run's ${kind}`
        : `Device ${deviceId} has no instrument binding; bind it as a ${kind} first`,
      { extensions: { device_id: deviceId, kind } },
    );
  }
  const refusal = unusableReason(device);
  if (refusal) {
    throw catalogueProblem('device-not-usable', `Device ${deviceId} cannot be used: ${refusal}`, {
      extensions: { device_id: deviceId, kind, device_status: device.status },
    });
  }
  return { deviceId, kind, ...transportOf(binding) };
}

/** A stored binding's transport (the table's CHECK constraint guarantees host and port for scpi). */
export function transportOf(binding: Omit<BindingRow, 'kind'>): InstrumentTransport {
  return binding.transport === 'scpi' && binding.host !== null && binding.port !== null
    ? { transport: 'scpi', host: binding.host, port: binding.port }
    : { transport: 'simulator' };
}

function unusableReason(device: {
  status: string;
  last_calibration_date?: string | null;
  calibration_overdue?: boolean | null;
}): string | null {
  if (device.calibration_overdue) return 'its calibration is overdue';
  if (device.status !== 'operational') return `its status is ${device.status}`;
  if (!device.last_calibration_date) return 'it has never been calibrated';
  return null;
}

export interface ConnectOptions {
  /** The run's experiment clock: simulated devices run on it. */
  clock: ExperimentClock;
  /** Seed of the simulated reactor, so a simulated run is reproducible. */
  seed: number;
  /** SCPI exchange timeout, ms. */
  timeoutMs?: number;
  /** SCPI connection attempts before DriverError 'disconnected' (the client's default otherwise). */
  reconnectAttempts?: number;
}

export interface ConnectedDevices {
  devices: DeviceSet;
  close(): Promise<void>;
}

/**
 * Opens the run's devices: the three simulated ones share one reactor; SCPI devices at the same
 * address share one instrument connection set. A link that cannot be opened is a DriverError
 * ('disconnected', 'timeout', ...), which the engine records as the run's failure.
 */
export async function connectRunDevices(run: RunDevices, options: ConnectOptions): Promise<ConnectedDevices> {
  const sets = new Map<string, DeviceSet>();
  const opened: DeviceSet[] = [];
  const setFor = async (device: RunDevice): Promise<DeviceSet> => {
    const key = device.transport === 'scpi' ? `${device.host}:${device.port}` : 'simulator';
    let set = sets.get(key);
    if (!set) {
      set = await openDeviceSet(device, options);
      sets.set(key, set);
      opened.push(set);
    }
    return set;
  };
  const close = async () => {
    await Promise.allSettled(opened.map(closeDeviceSet));
  };
  try {
    const devices: DeviceSet = {
      spectrometer: (await setFor(run.spectrometer)).spectrometer,
      temperature_controller: (await setFor(run.temperature_controller)).temperature_controller,
      daq: (await setFor(run.daq)).daq,
    };
    return { devices, close };
  } catch (error) {
    await close();
    throw error instanceof DriverError
      ? error
      : new DriverError('disconnected', String(error), { cause: error });
  }
}

export interface ConnectedDevice {
  driver: Driver;
  close(): Promise<void>;
}

/**
 * Opens one device alone (to identify it, say). Its instrument's whole set is opened and closed with
 * it: over SCPI the client connects one link per device of the instrument.
 */
export async function connectDevice(device: RunDevice, options: ConnectOptions): Promise<ConnectedDevice> {
  let set: DeviceSet;
  try {
    set = await openDeviceSet(device, options);
  } catch (error) {
    throw error instanceof DriverError
      ? error
      : new DriverError('disconnected', String(error), { cause: error });
  }
  return { driver: set[device.kind], close: () => closeDeviceSet(set) };
}

function openDeviceSet(device: RunDevice, options: ConnectOptions): Promise<DeviceSet> | DeviceSet {
  if (device.transport === 'simulator')
    return createSimulatedReactor({ seed: options.seed, clock: options.clock }).devices;
  return connectScpiDevices({
    host: device.host,
    port: device.port,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.reconnectAttempts === undefined ? {} : { reconnectAttempts: options.reconnectAttempts }),
  });
}

async function closeDeviceSet(set: DeviceSet): Promise<void> {
  await Promise.allSettled(DEVICE_KINDS.map((k) => set[k].close()));
}
