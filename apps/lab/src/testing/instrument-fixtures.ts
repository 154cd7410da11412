/**
 * A rig a run can use, made the way a lab makes one: three devices registered (POST /api/devices),
 * calibrated (POST /api/calibration) and bound (PUT /api/devices/:id/binding), all over HTTP.
 */
import type { RunDeviceIds } from '../modules/instruments/port.ts';
import type { TestLab } from './lab-app.ts';

export type RigTransport = { transport: 'simulator' } | { transport: 'scpi'; host: string; port: number };

export interface BoundDeviceSetOptions {
  /** Headers of a user with devices:create, devices:update and calibration:create (an admin). */
  auth: { authorization: string };
  /** Device ids are `<prefix>-RAMAN`, `<prefix>-TC`, `<prefix>-DAQ`; unique per lab database. */
  prefix: string;
  /** Default: the in-process simulated reactor. */
  transport?: RigTransport;
  /** Lab code the devices belong to (an admin may name another lab); default the caller's. */
  labId?: string;
}

const RIG = {
  spectrometer: { suffix: 'RAMAN', type: 'raman_spectrometer', model: 'Raman 785' },
  temperature_controller: { suffix: 'TC', type: 'temperature_controller', model: 'Jacketed reactor TC' },
  daq: { suffix: 'DAQ', type: 'daq', model: 'Interlock DAQ' },
} as const;

const isoDay = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** Creates, calibrates (valid, due in 180 days) and binds the three devices; their ids by kind. */
export async function createBoundDeviceSet(
  lab: TestLab,
  options: BoundDeviceSetOptions,
): Promise<RunDeviceIds> {
  const send = async (method: 'POST' | 'PUT', url: string, payload: object, expected: number) => {
    const res = await lab.app.inject({ method, url, headers: options.auth, payload });
    if (res.statusCode !== expected) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  };
  const transport = options.transport ?? { transport: 'simulator' };
  const rigDevice = async (kind: keyof RunDeviceIds): Promise<string> => {
    const { suffix, type, model } = RIG[kind];
    const deviceId = `${options.prefix}-${suffix}`;
    const lab_id = options.labId;
    const device = {
      device_id: deviceId,
      vendor: 'POLYMORPH-LITE',
      model,
      serial_number: deviceId,
      device_type: type,
    };
    await send('POST', '/api/devices', lab_id ? { ...device, lab_id } : device, 201);
    await send(
      'POST',
      '/api/calibration',
      { device_id: deviceId, calibration_date: isoDay(0), next_due_date: isoDay(180), result: 'valid' },
      201,
    );
    await send('PUT', `/api/devices/${deviceId}/binding`, { kind, ...transport }, 200);
    return deviceId;
  };
  return {
    spectrometer: await rigDevice('spectrometer'),
    temperature_controller: await rigDevice('temperature_controller'),
    daq: await rigDevice('daq'),
  };
}
