/**
 * The instruments port on a real database: a run's devices are refused when out of calibration, never
 * calibrated, out of service, unbound, bound as another kind or in another lab (21 CFR 11.10(h)), and
 * accepted devices connect: over SCPI to a real server on a socket, or to the in-process reactor.
 */
import { AcceleratedClock } from '@polymorph/run-engine/clock';
import { DriverError } from '@polymorph/run-engine/drivers';
import { startScpiServer } from '@polymorph/run-engine/scpi/server';
import { createSimulatedReactor } from '@polymorph/run-engine/simulators/create-simulated-reactor';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import type { Caller } from '../../platform/access/lab-scope.ts';
import { createBoundDeviceSet } from '../../testing/instrument-fixtures.ts';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';
import { DEFAULT_LAB_CODE } from '../sites/port.ts';
import { checkRunDevices, connectRunDevices, type RunDeviceIds, type RunDevices } from './port.ts';

type User = Awaited<ReturnType<typeof userWithRole>>;
let lab: TestLab;
let admin: User;
let tech: User;
beforeAll(async () => {
  lab = await testLab();
  admin = await userWithRole(lab, 'admin');
  tech = await userWithRole(lab, 'technician');
  // Both work in the default lab: the admin's devices go there, and the technician sees that lab only.
  for (const who of [admin, tech]) {
    const res = await lab.app.inject({
      method: 'PUT',
      url: `/api/labs/${DEFAULT_LAB_CODE}/members/${who.email}`,
      headers: admin.auth,
      payload: { reason: 'works here' },
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
  }
});
afterAll(async () => lab.close());

const call = async (method: 'POST' | 'PUT', url: string, payload: object, expected: number) => {
  const res = await lab.app.inject({ method, url, headers: admin.auth, payload });
  expect(res.statusCode, res.body).toBe(expected);
};
const isoDay = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** The technician as the runs module would pass them: their own lab only. */
async function technician(): Promise<Caller> {
  const [row] = await queryRows<{ lab_id: string | null }>(
    lab.database.db,
    sql`SELECT lab_id FROM users WHERE email = ${tech.email}`,
  );
  const ctx = { actor: tech.email, requestId: null, ip: null };
  return {
    ctx,
    email: tech.email,
    labId: row?.lab_id ?? null,
    allLabs: false,
    roles: ['technician'],
    sessionId: null,
  };
}

// The caller is read first: PGlite has one connection, which the transaction holds.
const check = async (ids: RunDeviceIds) => {
  const caller = await technician();
  return lab.app.lab.uow.write((tx) => checkRunDevices(tx, caller, ids));
};

/** A calibrated, bound rig with one device swapped for `deviceId` (made by `prepare`). */
async function rigWith(
  prefix: string,
  kind: keyof RunDeviceIds,
  prepare: (deviceId: string) => Promise<void>,
) {
  const ids = await createBoundDeviceSet(lab, { auth: admin.auth, prefix });
  const deviceId = `${prefix}-ODD`;
  await call(
    'POST',
    '/api/devices',
    { device_id: deviceId, vendor: 'Acme', model: 'M', serial_number: deviceId, device_type: kind },
    201,
  );
  await prepare(deviceId);
  return { ...ids, [kind]: deviceId };
}
const calibrate = (deviceId: string, from = 0, due = 180) =>
  call(
    'POST',
    '/api/calibration',
    { device_id: deviceId, calibration_date: isoDay(from), next_due_date: isoDay(due), result: 'valid' },
    201,
  );
const bind = (deviceId: string, kind: keyof RunDeviceIds) =>
  call('PUT', `/api/devices/${deviceId}/binding`, { kind, transport: 'simulator' }, 200);

describe('checkRunDevices refuses what a run must not use', () => {
  it('accepts a calibrated, operational set bound as the right kinds', async () => {
    const ids = await createBoundDeviceSet(lab, { auth: admin.auth, prefix: 'OK' });
    const checked = await check(ids);
    expect(checked).toEqual({
      spectrometer: { deviceId: 'OK-RAMAN', kind: 'spectrometer', transport: 'simulator' },
      temperature_controller: { deviceId: 'OK-TC', kind: 'temperature_controller', transport: 'simulator' },
      daq: { deviceId: 'OK-DAQ', kind: 'daq', transport: 'simulator' },
    });
  });

  it('refuses a device whose calibration is overdue', async () => {
    const ids = await rigWith('OVD', 'spectrometer', async (id) => {
      await calibrate(id, -400, -35);
      await bind(id, 'spectrometer');
    });
    await expect(check(ids)).rejects.toMatchObject({
      status: 409,
      slug: 'device-not-usable',
      message: expect.stringMatching(/OVD-ODD .*calibration is overdue/),
      extensions: { device_id: 'OVD-ODD', kind: 'spectrometer' },
    });
  });

  it('refuses a device never calibrated', async () => {
    const ids = await rigWith('NEW', 'daq', (id) => bind(id, 'daq'));
    await expect(check(ids)).rejects.toMatchObject({
      slug: 'device-not-usable',
      message: expect.stringMatching(/never been calibrated/),
    });
  });

  it.each(['maintenance', 'offline', 'error'])(
    'refuses a calibrated device whose status is %s',
    async (status) => {
      const ids = await rigWith(`ST-${status}`, 'temperature_controller', async (id) => {
        await calibrate(id);
        await bind(id, 'temperature_controller');
        await call('PUT', `/api/devices/${id}/status`, { status, reason: 'taken out of service' }, 200);
      });
      await expect(check(ids)).rejects.toMatchObject({
        slug: 'device-not-usable',
        message: expect.stringMatching(new RegExp(`its status is ${status}`)),
        extensions: { device_status: status },
      });
    },
  );

  it('refuses a calibrated device with no binding', async () => {
    const ids = await rigWith('UNB', 'spectrometer', (id) => calibrate(id));
    await expect(check(ids)).rejects.toMatchObject({
      status: 409,
      slug: 'instrument-not-bound',
      message: expect.stringMatching(/UNB-ODD has no instrument binding/),
    });
  });

  it('refuses a device bound as another kind', async () => {
    const ids = await rigWith('KND', 'spectrometer', async (id) => {
      await calibrate(id);
      await bind(id, 'daq');
    });
    await expect(check(ids)).rejects.toMatchObject({
      slug: 'instrument-not-bound',
      message: expect.stringMatching(/bound as a daq, not as the run's spectrometer/),
    });
  });

  it("answers 404 for another lab's device, as for one that does not exist", async () => {
    await call('POST', '/api/organizations', { org_id: 'PORT-ORG', name: 'Other org' }, 201);
    await call('POST', '/api/labs', { lab_id: 'PORT-LAB-B', org_id: 'PORT-ORG', name: 'Other lab' }, 201);
    const theirs = await createBoundDeviceSet(lab, {
      auth: admin.auth,
      prefix: 'THEIRS',
      labId: 'PORT-LAB-B',
    });
    const ours = await createBoundDeviceSet(lab, { auth: admin.auth, prefix: 'OURS' });
    await expect(check({ ...ours, daq: theirs.daq })).rejects.toMatchObject({
      status: 404,
      slug: 'not-found',
    });
    await expect(check({ ...ours, daq: 'NO-SUCH-DAQ' })).rejects.toMatchObject({
      status: 404,
      slug: 'not-found',
    });
  });
});

describe('connectRunDevices', () => {
  it('drives a real SCPI instrument over a socket: temperature, spectrum and interlocks, flagged simulated', async () => {
    const sim = createSimulatedReactor({ seed: 7, acceleration: 60 });
    const server = await startScpiServer({
      devices: sim.devices,
      port: 0,
      simulator: {
        tripInterlock: (line) => sim.reactor.trip(line),
        resetInterlocks: (l) => sim.reactor.reset(l),
      },
    });
    try {
      const transport = { transport: 'scpi', host: server.host, port: server.port } as const;
      const ids = await createBoundDeviceSet(lab, { auth: admin.auth, prefix: 'SCPI', transport });
      const run = await check(ids);
      expect(run.spectrometer).toEqual({ deviceId: 'SCPI-RAMAN', kind: 'spectrometer', ...transport });
      const rig = await connectRunDevices(run, {
        clock: new AcceleratedClock(),
        seed: 99,
        timeoutMs: 30_000,
      });
      try {
        const { spectrometer, temperature_controller: tc, daq } = rig.devices;
        // The server's seed, not the caller's: the readings come from the instrument across the wire.
        expect((await spectrometer.identify()).serial).toBe('SIM-7');
        const temperature = await tc.readTemperature();
        expect(temperature.simulated).toBe(true);
        expect(Number.isFinite(temperature.value)).toBe(true);
        const spectrum = await spectrometer.acquire({ integrationTimeMs: 100, averages: 2 });
        expect(spectrum.simulated).toBe(true);
        expect(spectrum.value.averages).toBe(2);
        expect(spectrum.value.shiftCm1.length).toBeGreaterThan(100);
        expect(spectrum.value.intensities).toHaveLength(spectrum.value.shiftCm1.length);
        sim.reactor.trip('estop');
        expect((await daq.readInterlocks()).value).toEqual({
          estop: true,
          door: false,
          overTemperature: false,
        });
      } finally {
        await rig.close();
      }
      await expect(rig.devices.daq.readInterlocks()).rejects.toMatchObject({ code: 'disconnected' });
    } finally {
      await server.close();
    }
  });

  it('gives the three simulator-bound devices one in-process reactor with the run seed', async () => {
    const run = await check(await createBoundDeviceSet(lab, { auth: admin.auth, prefix: 'INPROC' }));
    const rig = await connectRunDevices(run, { clock: new AcceleratedClock({ acceleration: 60 }), seed: 42 });
    try {
      const { spectrometer, temperature_controller: tc, daq } = rig.devices;
      const serials = await Promise.all([spectrometer.identify(), tc.identify(), daq.identify()]);
      expect(serials.map((s) => s.serial)).toEqual(['SIM-42', 'SIM-42', 'SIM-42']);
      expect([spectrometer.simulated, tc.simulated, daq.simulated]).toEqual([true, true, true]);
      const spectrum = await spectrometer.acquire({ integrationTimeMs: 50, averages: 1 });
      expect(spectrum.simulated).toBe(true);
      expect((await tc.readTemperature()).simulated).toBe(true);
    } finally {
      await rig.close();
    }
  });

  it('fails with a defined driver error when the instrument cannot be reached', async () => {
    const closed = await startScpiServer({ devices: createSimulatedReactor({ seed: 1 }).devices, port: 0 });
    await closed.close();
    const at = { transport: 'scpi', host: closed.host, port: closed.port } as const;
    const run: RunDevices = {
      spectrometer: { deviceId: 'X-RAMAN', kind: 'spectrometer', ...at },
      temperature_controller: { deviceId: 'X-TC', kind: 'temperature_controller', transport: 'simulator' },
      daq: { deviceId: 'X-DAQ', kind: 'daq', transport: 'simulator' },
    };
    const failure = connectRunDevices(run, { clock: new AcceleratedClock(), seed: 1, timeoutMs: 30_000 });
    await expect(failure).rejects.toBeInstanceOf(DriverError);
    await expect(failure).rejects.toMatchObject({ code: 'disconnected' });
  });
});
