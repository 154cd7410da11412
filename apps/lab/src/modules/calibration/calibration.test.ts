import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';

let lab: TestLab;
let admin: { auth: { authorization: string }; email: string };
let tech: { auth: { authorization: string }; email: string };
beforeAll(async () => {
  lab = await testLab();
  admin = await userWithRole(lab, 'admin');
  tech = await userWithRole(lab, 'technician');
});
afterAll(async () => lab.close());

const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown, who = admin) =>
  lab.app.inject({
    method,
    url,
    headers: who.auth,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const isoDay = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

function multipart(filename: string, bytes: Buffer, contentType = 'application/pdf') {
  const boundary = `----lims${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`,
  );
  return {
    payload: Buffer.concat([head, bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}
const upload = (id: string, filename: string, bytes: Buffer) => {
  const m = multipart(filename, bytes);
  return lab.app.inject({
    method: 'POST',
    url: `/api/calibration/${id}/attach-certificate`,
    headers: { ...tech.auth, ...m.headers },
    payload: m.payload,
  });
};
const png = () => {
  const img = new PNG({ width: 2, height: 2 });
  img.data.fill(200);
  return PNG.sync.write(img);
};
const pdf = () =>
  Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

async function device(id: string) {
  const res = await call('POST', '/api/devices', {
    device_id: id,
    vendor: 'Agilent',
    model: '1260 Infinity II',
    serial_number: `SN-${id}`,
    device_type: 'hplc',
    location: 'site/lab1/bench3',
  });
  expect(res.statusCode).toBe(201);
  return res.json();
}

describe('devices and calibration', () => {
  it('registers devices with status and health; status changes need a reason', async () => {
    const d = await device('HPLC-1');
    expect(d).toMatchObject({
      status: 'operational',
      health_score: 1,
      vendor: 'Agilent',
      location: 'site/lab1/bench3',
    });
    expect((await call('PUT', '/api/devices/HPLC-1/status', { status: 'offline' })).statusCode).toBe(400);
    const s = await call('PUT', '/api/devices/HPLC-1/status', {
      status: 'error',
      health_score: 0.4,
      reason: 'pump leak',
    });
    expect(s.statusCode).toBe(200);
    expect(s.json()).toMatchObject({ status: 'error', health_score: 0.4 });
    expect(
      (
        await call('PUT', '/api/devices/HPLC-1/status', {
          status: 'operational',
          health_score: 2,
          reason: 'x',
        })
      ).statusCode,
    ).toBe(400);
  });

  it('failed calibration puts the device in maintenance; a valid one returns it to service', async () => {
    await device('BAL-1');
    const failed = await call(
      'POST',
      '/api/calibration',
      {
        device_id: 'BAL-1',
        calibration_date: isoDay(0),
        next_due_date: isoDay(180),
        result: 'failed',
        results: { drift_mg: 0.9 },
      },
      tech,
    );
    expect(failed.statusCode).toBe(201);
    expect(failed.json()).toMatchObject({
      result: 'failed',
      performed_by: tech.email,
      results: { drift_mg: 0.9 },
    });
    expect((await call('GET', '/api/devices/BAL-1')).json().status).toBe('maintenance');
    const ok = await call(
      'POST',
      '/api/calibration',
      { device_id: 'BAL-1', calibration_date: isoDay(0), next_due_date: isoDay(20), result: 'valid' },
      tech,
    );
    expect(ok.json().device_status.status).toBe('operational');
    const upcoming = (await call('GET', '/api/calibration/upcoming?days=30'))
      .json()
      .items.map((i: { device_id: string }) => i.device_id);
    expect(upcoming).toContain('BAL-1');
    expect((await call('GET', '/api/calibration/upcoming?days=10')).json().items).toEqual([]);
    expect((await call('GET', '/api/calibration/device/BAL-1')).json().items).toHaveLength(2);
  });

  it('overdue calibration shows on /overdue and in the gauge, and puts the device in maintenance', async () => {
    await device('PH-1');
    await call(
      'POST',
      '/api/calibration',
      { device_id: 'PH-1', calibration_date: isoDay(-400), next_due_date: isoDay(-35), result: 'valid' },
      tech,
    );
    // Out of service on every read, before anything has been written ...
    expect((await call('GET', '/api/devices/PH-1')).json()).toMatchObject({
      status: 'maintenance',
      calibration_overdue: true,
    });
    const metrics = (await lab.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^polymorph_calibration_overdue_devices 1$/m);
    const overdue = (await call('GET', '/api/calibration/overdue')).json().items;
    expect(overdue.map((i: { device_id: string }) => i.device_id)).toEqual(['PH-1']);
    // ... and the stored status follows, audited.
    const history = [];
    for await (const e of lab.app.lab.audit.events()) if (e.entity_id === 'PH-1') history.push(e.action);
    expect(history).toContain('device_status.calibration_overdue');
    const refuse = await call('PUT', '/api/devices/PH-1/status', {
      status: 'operational',
      reason: 'looks fine',
    });
    expect(refuse.statusCode).toBe(409);
  });

  it('route ordering: every static route beside a parameterised one reaches its own handler', async () => {
    const statics: [string, (body: Record<string, unknown>) => void][] = [
      ['/api/calibration/status', (b) => expect(Array.isArray(b['items'])).toBe(true)],
      ['/api/calibration/upcoming', (b) => expect(b['days']).toBe(30)],
      ['/api/calibration/overdue', (b) => expect(Array.isArray(b['items'])).toBe(true)],
      ['/api/calibration/status/PH-1', (b) => expect(b['device_id']).toBe('PH-1')],
      ['/api/calibration/device/PH-1', (b) => expect(b['device_id']).toBe('PH-1')],
      ['/api/inventory/alerts/low-stock', (b) => expect(Array.isArray(b['items'])).toBe(true)],
      ['/api/inventory/alerts/expiring', (b) => expect(b['days']).toBe(30)],
      ['/api/samples/projects', (b) => expect(Array.isArray(b['items'])).toBe(true)],
      ['/api/samples/batches', (b) => expect(Array.isArray(b['items'])).toBe(true)],
      ['/api/samples/containers', (b) => expect(Array.isArray(b['items'])).toBe(true)],
      ['/api/samples/export.csv', () => undefined],
    ];
    for (const [url, check] of statics) {
      const res = await call('GET', url);
      expect(res.statusCode, url).toBe(200);
      if (!url.endsWith('.csv')) check(res.json());
    }
    // The parameterised neighbours still work.
    expect((await call('GET', '/api/calibration/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await call('GET', '/api/calibration/not-a-uuid')).statusCode).toBe(400);
    expect((await call('GET', '/api/samples/NOPE-1')).statusCode).toBe(404);
  });

  describe('certificates', () => {
    let entry: string;
    beforeAll(async () => {
      await device('CERT-DEV');
      entry = (
        await call(
          'POST',
          '/api/calibration',
          { device_id: 'CERT-DEV', calibration_date: isoDay(0), result: 'valid' },
          tech,
        )
      ).json().id;
    });

    it('an executable renamed .pdf gets 415', async () => {
      const elf = await readFile(process.execPath).then((b) => b.subarray(0, 64 * 1024));
      const res = await upload(entry, 'certificate.pdf', elf);
      expect(res.statusCode).toBe(415);
      expect(res.json().type).toBe('/problems/unsupported-certificate-type');
    });

    it('an 11 MB upload gets 413 and leaves no file behind', async () => {
      const big = Buffer.concat([pdf(), Buffer.alloc(11 * 1024 * 1024, 0x20)]);
      const res = await upload(entry, 'big.pdf', big);
      expect(res.statusCode).toBe(413);
      const files = await readdir(join(lab.dataDir, 'certificates')).catch(() => []);
      expect(files).toEqual([]);
    });

    it('a .pdf whose bytes are a PNG is stored as PNG, content-addressed, and downloads with its hash', async () => {
      const bytes = png();
      const sha = createHash('sha256').update(bytes).digest('hex');
      const res = await upload(entry, 'scan.pdf', bytes);
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        certificate_sha256: sha,
        certificate_content_type: 'image/png',
        certificate_size: bytes.length,
      });
      expect(await readFile(join(lab.dataDir, 'certificates', sha))).toEqual(bytes);
      const dl = await call('GET', `/api/calibration/${entry}/certificate`);
      expect(dl.statusCode).toBe(200);
      expect(dl.headers['content-type']).toBe('image/png');
      expect(dl.headers['x-content-sha256']).toBe(sha);
      expect(dl.rawPayload.equals(bytes)).toBe(true);
      // A second certificate on the same entry is refused.
      expect((await upload(entry, 'again.pdf', pdf())).statusCode).toBe(409);
    });

    it('a real PDF is accepted', async () => {
      const other = (
        await call(
          'POST',
          '/api/calibration',
          { device_id: 'CERT-DEV', calibration_date: isoDay(0), result: 'valid' },
          tech,
        )
      ).json().id;
      const res = await upload(other, 'cert.bin', pdf());
      expect(res.statusCode).toBe(201);
      expect(res.json().certificate_content_type).toBe('application/pdf');
    });
  });

  it('the audit chain verifies', async () => {
    expect((await lab.app.lab.audit.verify()).valid).toBe(true);
  });
});
