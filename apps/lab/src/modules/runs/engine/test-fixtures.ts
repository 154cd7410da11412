// Test set-up for the engine: a rig of three devices created, calibrated and bound through the lab's
// own routes (bindings by SQL, as no route writes them yet), a workflow authored, approved by a second
// user's signature and made effective through the workflow routes, and pending runs inserted as the
// runs API's start does (the row, its 'created' event, the audit event).
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { queryRows } from '../../../db/client.ts';
import type { Role } from '../../../platform/access/permissions.ts';
import { strongPassword } from '../../../testing/lab-app.ts';
import { appendRunEvent, lockRun } from '../events.ts';
import { newRunId } from '../service.ts';

/** A small workflow: heat, wait (its length a parameter), one spectrum, classify, cool. */
export const TEST_WORKFLOW = `schema_version: 1
name: engine-test
title: Engine test workflow
parameters:
  - name: wait_s
    type: number
    unit: s
    minimum: 0
    maximum: 86400
    default: 60
steps:
  - id: heat
    type: set_temperature
    setpoint_c: 80
  - id: first_spectrum
    type: acquire_spectrum
    integration_time_ms: 200
  - id: long_wait
    type: wait
    seconds: { param: wait_s }
  - id: spectrum
    type: acquire_spectrum
    integration_time_ms: 200
    averages: 2
  - id: identify
    type: classify
    classifier: peak_ratio
    options:
      form_i_shift_cm1: 1125
      form_ii_shift_cm1: 1185
      window_cm1: 8
  - id: cool
    type: set_temperature
    setpoint_c: 20
`;

interface Who {
  email: string;
  password: string;
  auth: { authorization: string };
}

export interface RunFixture {
  app: FastifyInstance;
  labId: string;
  operator: Who;
  versionId: string;
  definitionHash: string;
  /** Device ids by kind. */
  devices: { spectrometer: string; temperature_controller: string; daq: string };
}

export type Transport = { transport: 'simulator' } | { transport: 'scpi'; host: string; port: number };

async function user(app: FastifyInstance, role: Role): Promise<Who> {
  const email = `${role}-${randomBytes(4).toString('hex')}@engine.test`;
  const password = strongPassword();
  await app.lab.users.create(
    { email, name: `Engine ${role}`, password, roles: [role] },
    { actor: 'system:test', requestId: null, ip: null },
  );
  const res = await app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.body}`);
  return { email, password, auth: { authorization: `Bearer ${res.json().access_token}` } };
}

async function ok(app: FastifyInstance, method: 'POST', url: string, who: Who, payload: object) {
  const res = await app.inject({ method, url, headers: who.auth, payload });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

const isoDay = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** Creates, calibrates and binds a device of `kind`; returns its device id. */
export async function boundDevice(
  app: FastifyInstance,
  admin: Who,
  tech: Who,
  kind: keyof RunFixture['devices'],
  transport: Transport,
): Promise<string> {
  const deviceId = `${kind.slice(0, 4).toUpperCase()}-${randomBytes(3).toString('hex')}`;
  await ok(app, 'POST', '/api/devices', admin, {
    device_id: deviceId,
    vendor: 'Polymorph',
    model: `Simulated ${kind}`,
    serial_number: `SN-${deviceId}`,
    device_type: kind,
    location: 'site/lab1/reactor',
  });
  await ok(app, 'POST', '/api/calibration', tech, {
    device_id: deviceId,
    calibration_date: isoDay(0),
    next_due_date: isoDay(180),
    result: 'valid',
  });
  await app.lab.uow.write((tx) =>
    tx.execute(
      sql`INSERT INTO instrument_bindings (device_id, kind, transport, host, port, updated_by)
          SELECT id, ${kind}, ${transport.transport}, ${transport.transport === 'scpi' ? transport.host : null},
                 ${transport.transport === 'scpi' ? transport.port : null}, ${admin.email}
            FROM devices WHERE device_id = ${deviceId}`,
    ),
  );
  return deviceId;
}

/** Devices, users and an effective version of `source` (default TEST_WORKFLOW). */
export async function runFixture(
  app: FastifyInstance,
  options: { transport?: Transport; source?: string } = {},
): Promise<RunFixture> {
  const transport = options.transport ?? { transport: 'simulator' };
  const admin = await user(app, 'admin');
  const author = await user(app, 'scientist');
  const approver = await user(app, 'scientist');
  const tech = await user(app, 'technician');
  const devices = {
    spectrometer: await boundDevice(app, admin, tech, 'spectrometer', transport),
    temperature_controller: await boundDevice(app, admin, tech, 'temperature_controller', transport),
    daq: await boundDevice(app, admin, tech, 'daq', transport),
  };
  const created = await ok(app, 'POST', '/api/workflows', author, {
    // a workflow of its own per fixture, so one lab holds several
    source: (options.source ?? TEST_WORKFLOW).replace(
      /^name: (.+)$/m,
      `name: $1-${randomBytes(3).toString('hex')}`,
    ),
    format: 'yaml',
  });
  const base = `/api/workflows/${created.name}/versions/${created.version}`;
  await ok(app, 'POST', `${base}/submit`, author, {});
  await ok(app, 'POST', `${base}/approve`, approver, {
    user_id: approver.email,
    password: approver.password,
    reason: 'Reviewed for the engine tests',
  });
  const effective = await ok(app, 'POST', `${base}/activate`, approver, {
    password: approver.password,
    reason: 'Effective for the engine tests',
  });
  const [lab] = await app.lab.uow.read((tx) =>
    queryRows<{ lab_id: string }>(tx, sql`SELECT lab_id FROM workflow_versions WHERE id = ${effective.id}`),
  );
  return {
    app,
    labId: lab!.lab_id,
    operator: tech,
    versionId: effective.id,
    definitionHash: effective.definition_hash,
    devices,
  };
}

/** Inserts a pending run as the runs API's start does; returns its execution id and run id. */
export async function insertPendingRun(
  f: RunFixture,
  parameters: Record<string, number> = {},
  seed = 7,
): Promise<{ id: string; runId: string }> {
  const id = randomUUID();
  const runId = newRunId();
  await f.app.lab.uow.write(async (tx, audit) => {
    await tx.execute(
      sql`INSERT INTO workflow_executions (id, run_id, workflow_version_id, status, operator, lab_id, definition_hash,
                                           parameters, devices, checkpoint, seed)
          VALUES (${id}, ${runId}, ${f.versionId}, 'pending', ${f.operator.email}, ${f.labId}, ${f.definitionHash},
                  ${JSON.stringify(parameters)}::jsonb, ${JSON.stringify(f.devices)}::jsonb,
                  ${JSON.stringify({ pc: 0, iterations: {} })}::jsonb, ${seed})`,
    );
    await lockRun(tx, id);
    await appendRunEvent(tx, id, { type: 'created', payload: { operator: f.operator.email } });
    audit(
      { actor: f.operator.email, requestId: null, ip: null },
      {
        action: 'run.created',
        entityType: 'workflow_execution',
        entityId: runId,
        after: { status: 'pending' },
      },
    );
  });
  return { id, runId };
}
