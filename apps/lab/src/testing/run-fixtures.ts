// What a run needs before it can start, built through the real API: devices (POST /api/devices),
// their calibration (POST /api/calibration), instrument bindings (inserted: the binding API is not
// built yet) and an effective workflow (authored by one user, approved by signature and activated by a
// second). Shared by the runs tests and the engine's.
import { readFileSync } from 'node:fs';
import type { DeviceKind } from '@polymorph/run-engine/drivers';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/client.ts';
import type { TestLab, userWithRole } from './lab-app.ts';

export type TestUser = Awaited<ReturnType<typeof userWithRole>>;

/** docs/examples/cooling-crystallization.yaml, as published. */
export const COOLING_EXAMPLE = readFileSync(
  new URL('../../../../docs/examples/cooling-crystallization.yaml', import.meta.url),
  'utf8',
);

/** The example under another name, so one test file can hold several workflows. */
export const exampleNamed = (name: string, source = COOLING_EXAMPLE) =>
  source.replace(/^name: cooling-crystallization$/m, `name: ${name}`);

const isoDay = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

async function expectStatus(
  res: { statusCode: number; body: string },
  status: number,
  what: string,
): Promise<void> {
  if (res.statusCode !== status) throw new Error(`${what}: ${res.statusCode} ${res.body}`);
}

export type Calibration = 'valid' | 'overdue' | 'never';

/**
 * One LIMS device, created by `admin`: calibrated (valid for 180 days), overdue (due 35 days ago, so
 * in maintenance) or never calibrated; bound as `kind` on the simulator transport unless `bind` is null.
 */
export async function testDevice(
  lab: TestLab,
  admin: TestUser,
  deviceId: string,
  options: { kind: DeviceKind; calibration?: Calibration; bind?: DeviceKind | null },
): Promise<string> {
  const call = (url: string, payload: object) =>
    lab.app.inject({ method: 'POST', url, headers: admin.auth, payload });
  await expectStatus(
    await call('/api/devices', {
      device_id: deviceId,
      vendor: 'Simulated',
      model: `reactor ${options.kind}`,
      serial_number: `SIM-${deviceId}`,
      device_type: options.kind,
    }),
    201,
    `device ${deviceId}`,
  );
  const calibration = options.calibration ?? 'valid';
  if (calibration !== 'never') {
    const [from, due] = calibration === 'valid' ? [0, 180] : [-400, -35];
    await expectStatus(
      await call('/api/calibration', {
        device_id: deviceId,
        calibration_date: isoDay(from),
        next_due_date: isoDay(due),
        result: 'valid',
      }),
      201,
      `calibration of ${deviceId}`,
    );
  }
  const bindAs = options.bind === undefined ? options.kind : options.bind;
  if (bindAs !== null) {
    await lab.database.db.execute(sql`INSERT INTO instrument_bindings (device_id, kind, transport, updated_by)
        SELECT id, ${bindAs}, 'simulator', ${admin.email} FROM devices WHERE device_id = ${deviceId}`);
  }
  return deviceId;
}

export type RigIds = Record<DeviceKind, string>;

/** A calibrated, bound spectrometer, temperature controller and DAQ named `<prefix>-RAMAN` etc. */
export async function testRig(lab: TestLab, admin: TestUser, prefix: string): Promise<RigIds> {
  return {
    spectrometer: await testDevice(lab, admin, `${prefix}-RAMAN`, { kind: 'spectrometer' }),
    temperature_controller: await testDevice(lab, admin, `${prefix}-TC`, { kind: 'temperature_controller' }),
    daq: await testDevice(lab, admin, `${prefix}-DAQ`, { kind: 'daq' }),
  };
}

export interface EffectiveWorkflow {
  name: string;
  version: number;
  versionId: string;
}

/**
 * A workflow taken to `stage` through the API: created by `author`, submitted, approved by `approver`'s
 * signature and activated by them (the default, 'effective'), or left as a draft or retired.
 */
export async function testWorkflow(
  lab: TestLab,
  author: TestUser,
  approver: TestUser,
  source: string,
  stage: 'draft' | 'effective' | 'retired' = 'effective',
): Promise<EffectiveWorkflow> {
  const call = (url: string, payload: object, who: TestUser) =>
    lab.app.inject({ method: 'POST', url, headers: who.auth, payload });
  const created = await call('/api/workflows', { source, format: 'yaml' }, author);
  await expectStatus(created, 201, 'workflow create');
  const { name, version, id } = created.json() as { name: string; version: number; id: string };
  const V = `/api/workflows/${name}/versions/${version}`;
  if (stage !== 'draft') {
    await expectStatus(await call(`${V}/submit`, {}, author), 200, 'submit');
    const sign = { user_id: approver.email, password: approver.password, reason: 'Reviewed and approved' };
    await expectStatus(await call(`${V}/approve`, sign, approver), 200, 'approve');
    const activation = { password: approver.password, reason: 'Effective for the lab' };
    await expectStatus(await call(`${V}/activate`, activation, approver), 200, 'activate');
    if (stage === 'retired') {
      await expectStatus(await call(`${V}/retire`, { reason: 'superseded' }, approver), 200, 'retire');
    }
  }
  return { name, version, versionId: id };
}

/** Rows a refused start must not leave behind. */
export async function runRowCounts(lab: TestLab): Promise<Record<string, number>> {
  const [row] = await queryRows<Record<string, number>>(
    lab.database.db,
    sql`SELECT (SELECT count(*)::int FROM workflow_executions) AS runs,
               (SELECT count(*)::int FROM config_snapshots) AS snapshots,
               (SELECT count(*)::int FROM workflow_sample_assignments) AS assignments,
               (SELECT count(*)::int FROM run_events) AS events`,
  );
  return row!;
}
