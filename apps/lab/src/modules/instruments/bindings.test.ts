/**
 * Instrument bindings over HTTP on a real database: validation with the field at fault, the SCPI host
 * allow-list, audit with before and after, refusal to unbind a device an unfinished run uses, and
 * identify through a real SCPI socket (and a closed port: 502 with the driver's code).
 */
import { readFileSync } from 'node:fs';
import { startScpiServer } from '@polymorph/run-engine/scpi/server';
import { createSimulatedReactor } from '@polymorph/run-engine/simulators/create-simulated-reactor';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';
import { DEFAULT_LAB_CODE } from '../sites/port.ts';
import { InstrumentService } from './service.ts';

const EXAMPLE = readFileSync(
  new URL('../../../../../docs/examples/cooling-crystallization.yaml', import.meta.url),
  'utf8',
);

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
    const res = await call('PUT', `/api/labs/${DEFAULT_LAB_CODE}/members/${who.email}`, {
      reason: 'works here',
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
  }
});
afterAll(async () => lab.close());

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, who = admin) =>
  lab.app.inject({ method, url, headers: who.auth, ...(payload ? { payload } : {}) });

async function device(deviceId: string, labId?: string) {
  const body = {
    device_id: deviceId,
    vendor: 'Acme',
    model: 'R',
    serial_number: deviceId,
    device_type: 'raman',
  };
  const res = await call('POST', '/api/devices', labId ? { ...body, lab_id: labId } : body);
  expect(res.statusCode, res.body).toBe(201);
}

async function auditOf(deviceId: string) {
  const events: { action: string; before: unknown; after: unknown; reason: string | null }[] = [];
  for await (const e of lab.app.lab.audit.events())
    if (e.entity_type === 'instrument_binding' && e.entity_id === deviceId) events.push(e);
  return events;
}

describe('PUT/GET/DELETE /api/devices/:deviceId/binding', () => {
  it('binds, reads and re-binds, auditing before and after', async () => {
    await device('B-1');
    expect((await call('GET', '/api/devices/B-1/binding')).statusCode).toBe(404);
    const created = await call('PUT', '/api/devices/B-1/binding', {
      kind: 'spectrometer',
      transport: 'simulator',
    });
    expect(created.statusCode, created.body).toBe(200);
    expect(created.json()).toMatchObject({
      device_id: 'B-1',
      kind: 'spectrometer',
      transport: 'simulator',
      host: null,
      port: null,
      updated_by: admin.email,
    });
    const read = await call('GET', '/api/devices/B-1/binding', undefined, tech);
    expect(read.json()).toEqual(created.json());

    const scpi = {
      kind: 'spectrometer',
      transport: 'scpi',
      host: 'LocalHost',
      port: 5025,
      reason: 'moved to LXI',
    };
    const moved = await call('PUT', '/api/devices/B-1/binding', scpi);
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ transport: 'scpi', host: 'localhost', port: 5025 });

    const events = await auditOf('B-1');
    expect(events.map((e) => e.action)).toEqual(['instrument_binding.created', 'instrument_binding.updated']);
    expect(events[0]).toMatchObject({ before: null, after: { transport: 'simulator' } });
    expect(events[1]).toMatchObject({
      before: { transport: 'simulator', host: null },
      after: { transport: 'scpi', host: 'localhost', port: 5025 },
      reason: 'moved to LXI',
    });
  });

  it.each([
    [{ kind: 'spectrometer', transport: 'scpi' }, ['body.host', 'body.port']],
    [{ kind: 'daq', transport: 'simulator', host: '127.0.0.1' }, ['body.host']],
    [{ kind: 'daq', transport: 'simulator', port: 5025 }, ['body.port']],
    [{ kind: 'daq', transport: 'scpi', host: '127.0.0.1', port: 70000 }, ['body.port']],
    [{ kind: 'hplc', transport: 'simulator' }, ['body.kind']],
    [{ kind: 'daq', transport: 'serial' }, ['body.transport']],
  ])('refuses %j with 400 naming %j', async (body, fields) => {
    const res = await call('PUT', '/api/devices/B-1/binding', body);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().type).toBe('/problems/validation-error');
    expect(
      res
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(fields);
  });

  it('accepts SCPI hosts on the allow-list only (default: loopback)', async () => {
    const outside = await call('PUT', '/api/devices/B-1/binding', {
      kind: 'spectrometer',
      transport: 'scpi',
      host: '10.0.0.5',
      port: 5025,
    });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().errors).toEqual([
      expect.objectContaining({
        field: 'body.host',
        message: expect.stringMatching(/POLYMORPH_INSTRUMENT_HOSTS/),
      }),
    ]);
    for (const host of ['127.0.0.1', '::1', 'localhost']) {
      const res = await call('PUT', '/api/devices/B-1/binding', {
        kind: 'spectrometer',
        transport: 'scpi',
        host,
        port: 1,
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    // A lab that lists its instrument network's hosts may bind them; identify then refuses once the
    // list (here, the app's default) no longer names the host.
    const caller = { ctx: { actor: admin.email, requestId: null, ip: null }, email: admin.email };
    const wider = new InstrumentService(lab.app.lab.uow, { allowedHosts: ['raman-01.lab.test'] });
    await wider.bind(
      'B-1',
      { kind: 'spectrometer', transport: 'scpi', host: 'raman-01.lab.test', port: 5025 },
      { ...caller, labId: null, allLabs: true, roles: ['admin'], sessionId: null },
    );
    const refused = await call('POST', '/api/devices/B-1/identify');
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json().detail).toMatch(/raman-01.lab.test.*POLYMORPH_INSTRUMENT_HOSTS/);
  });

  it('needs devices:update to bind or unbind; devices:read to read', async () => {
    const body = { kind: 'spectrometer', transport: 'simulator' };
    expect((await call('PUT', '/api/devices/B-1/binding', body, tech)).statusCode).toBe(403);
    expect(
      (await call('DELETE', '/api/devices/B-1/binding?reason=retired', undefined, tech)).statusCode,
    ).toBe(403);
    expect((await call('GET', '/api/devices/B-1/binding', undefined, tech)).statusCode).toBe(200);
  });

  it("answers 404 for another lab's device, as for a missing one", async () => {
    await call('POST', '/api/organizations', { org_id: 'INS-ORG', name: 'Other org' });
    await call('POST', '/api/labs', { lab_id: 'INS-LAB-B', org_id: 'INS-ORG', name: 'Other lab' });
    await device('THEIRS-1', 'INS-LAB-B');
    expect(
      (await call('PUT', '/api/devices/THEIRS-1/binding', { kind: 'daq', transport: 'simulator' }))
        .statusCode,
    ).toBe(200);
    for (const [method, url] of [
      ['GET', '/api/devices/THEIRS-1/binding'],
      ['POST', '/api/devices/THEIRS-1/identify'],
      ['GET', '/api/devices/NO-SUCH/binding'],
      ['POST', '/api/devices/NO-SUCH/identify'],
    ] as const) {
      const res = await call(method, url, undefined, tech);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().type).toBe('/problems/not-found');
    }
  });

  it('refuses to unbind (or re-kind) a device an unfinished run uses; unbinds once the run ended', async () => {
    await device('RUN-1');
    await call('PUT', '/api/devices/RUN-1/binding', {
      kind: 'temperature_controller',
      transport: 'simulator',
    });
    const runId = await runUsing({ spectrometer: 'X', temperature_controller: 'RUN-1', daq: 'Y' });
    for (const status of ['pending', 'running', 'paused', 'interrupted']) {
      await lab.superuser.db.execute(
        sql`UPDATE workflow_executions SET status = ${status} WHERE id = ${runId}`,
      );
      const refused = await call('DELETE', '/api/devices/RUN-1/binding?reason=decommissioned');
      expect(refused.statusCode, status).toBe(409);
      expect(refused.json()).toMatchObject({
        type: '/problems/conflict',
        detail: expect.stringMatching(
          new RegExp(`RUN-1 cannot be unbound: 1 unfinished run\\(s\\) \\(${status}\\)`),
        ),
        runs: [{ id: runId, status }],
      });
    }
    const rekind = await call('PUT', '/api/devices/RUN-1/binding', { kind: 'daq', transport: 'simulator' });
    expect(rekind.statusCode).toBe(409);
    // Same kind, new address: the run's device is still what it was checked as.
    const readdress = { kind: 'temperature_controller', transport: 'scpi', host: '127.0.0.1', port: 5025 };
    expect((await call('PUT', '/api/devices/RUN-1/binding', readdress)).statusCode).toBe(200);

    await lab.superuser.db.execute(
      sql`UPDATE workflow_executions SET status = 'completed' WHERE id = ${runId}`,
    );
    expect((await call('DELETE', '/api/devices/RUN-1/binding')).statusCode).toBe(400);
    const removed = await call('DELETE', '/api/devices/RUN-1/binding?reason=decommissioned');
    expect(removed.statusCode, removed.body).toBe(204);
    expect((await call('GET', '/api/devices/RUN-1/binding')).statusCode).toBe(404);
    expect((await call('DELETE', '/api/devices/RUN-1/binding?reason=again')).statusCode).toBe(404);
    const actions = (await auditOf('RUN-1')).map((e) => e.action);
    expect(actions).toEqual([
      'instrument_binding.created',
      'instrument_binding.updated',
      'instrument_binding.deleted',
    ]);
    expect((await lab.app.lab.audit.verify()).valid).toBe(true);
  });
});

describe('POST /api/devices/:deviceId/identify', () => {
  it('asks a real SCPI instrument over its socket: identity, capabilities, simulated flag', async () => {
    const sim = createSimulatedReactor({ seed: 7 });
    const server = await startScpiServer({ devices: sim.devices, port: 0 });
    try {
      await device('ID-TC');
      const bind = {
        kind: 'temperature_controller',
        transport: 'scpi',
        host: server.host,
        port: server.port,
      };
      expect((await call('PUT', '/api/devices/ID-TC/binding', bind)).statusCode).toBe(200);
      const res = await call('POST', '/api/devices/ID-TC/identify', undefined, tech);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        device_id: 'ID-TC',
        kind: 'temperature_controller',
        transport: 'scpi',
        host: server.host,
        port: server.port,
        identity: {
          vendor: expect.any(String),
          model: 'SIM-TC-100',
          serial: 'SIM-7',
          firmware: expect.any(String),
        },
        capabilities: ['temperature.setpoint', 'temperature.ramp'],
        simulated: true,
      });
    } finally {
      await server.close();
    }
  });

  it('identifies a simulator-bound device in process', async () => {
    await device('ID-DAQ');
    await call('PUT', '/api/devices/ID-DAQ/binding', { kind: 'daq', transport: 'simulator' });
    const res = await call('POST', '/api/devices/ID-DAQ/identify');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'daq', simulated: true, identity: { model: 'SIM-DAQ-8' } });
    expect(res.json().capabilities).toContain('daq.interlocks');
  });

  it('answers 502 instrument-error with the driver code when nothing listens; 409 when unbound', async () => {
    const closed = await startScpiServer({ devices: createSimulatedReactor({ seed: 1 }).devices, port: 0 });
    await closed.close();
    await device('ID-GONE');
    const bind = { kind: 'spectrometer', transport: 'scpi', host: closed.host, port: closed.port };
    expect((await call('PUT', '/api/devices/ID-GONE/binding', bind)).statusCode).toBe(200);
    const res = await call('POST', '/api/devices/ID-GONE/identify');
    expect(res.statusCode, res.body).toBe(502);
    expect(res.json()).toMatchObject({ type: '/problems/instrument-error', device_id: 'ID-GONE' });
    expect(['disconnected', 'timeout']).toContain(res.json().code);

    await device('ID-NONE');
    const unbound = await call('POST', '/api/devices/ID-NONE/identify');
    expect(unbound.statusCode).toBe(409);
    expect(unbound.json().type).toBe('/problems/instrument-not-bound');
  });
});

/**
 * A run row naming the devices, as the runs module writes it (that module is not here yet): a draft
 * version through the API, then the execution row directly.
 */
async function runUsing(devices: Record<string, string>): Promise<string> {
  const created = await call('POST', '/api/workflows', { source: EXAMPLE, format: 'yaml' });
  expect(created.statusCode, created.body).toBe(201);
  const [row] = await queryRows<{ id: string }>(
    lab.superuser.db,
    sql`INSERT INTO workflow_executions (run_id, workflow_version_id, operator, status, devices, lab_id)
        VALUES ('RUN-T-1', ${created.json().id}, ${admin.email}, 'pending', ${JSON.stringify(devices)}::jsonb,
                (SELECT id FROM labs WHERE lab_id = ${DEFAULT_LAB_CODE}))
        RETURNING id`,
  );
  if (!row) throw new Error('no run row');
  return row.id;
}
