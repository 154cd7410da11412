// A real lab process on embedded PGlite whose data directory (the database and the certificates) sits on
// a small tmpfs that fills up: writes are refused with 507 storage-full, the server keeps serving, and
// after space is freed and a restart every acknowledged write is there and the audit chain verifies.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type LabServer, runLabCli, startLabServer } from './testing/lab-process.ts';
import { onPostgres } from './testing/test-database.ts';
import { mountTmpfs, type Tmpfs, tmpfsRefusal } from './testing/tmpfs.ts';

// On PostgreSQL the database lives elsewhere; certificate-disk-full.test.ts covers the certificates.
const refusal = onPostgres ? 'the database is PostgreSQL' : tmpfsRefusal('the full-data-disk test');
const ADMIN = { email: 'qa.lead@lab.test', password: 'Violet-Harbor-Engine-42' };

describe.skipIf(refusal !== undefined)('a full PGlite data disk, in a real lab process', () => {
  let scratch: string;
  let disk: Tmpfs | undefined;
  let env: Record<string, string>;
  const servers: LabServer[] = [];

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'lab-full-disk-'));
    disk = mountTmpfs(scratch, 256 * 1024 * 1024);
    const dataDir = join(scratch, 'data');
    env = { DATABASE_URL: '', POLYMORPH_DATA_DIR: dataDir, POLYMORPH_ADMIN_PASSWORD: ADMIN.password };
  });
  afterAll(async () => {
    for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.exited));
    try {
      disk?.unmount();
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  async function start(): Promise<{
    server: LabServer;
    call: (method: string, path: string, body?: unknown) => Promise<Response>;
    upload: (id: string, bytes: Buffer) => Promise<Response>;
  }> {
    const server = await startLabServer(await freePort(), env, 120_000);
    servers.push(server);
    const login = await fetch(`${server.baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    expect(login.status).toBe(200);
    const auth = {
      authorization: `Bearer ${((await login.json()) as { access_token: string }).access_token}`,
    };
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${server.baseUrl}${path}`, {
        method,
        headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const upload = (id: string, bytes: Buffer) => {
      const form = new FormData();
      form.append('file', new Blob([bytes], { type: 'application/pdf' }), 'certificate.pdf');
      return fetch(`${server.baseUrl}/api/calibration/${id}/attach-certificate`, {
        method: 'POST',
        headers: auth,
        body: form,
      });
    };
    return { server, call, upload };
  }

  it('refuses writes with 507 while full, keeps serving, and loses nothing', {
    timeout: 600_000,
  }, async () => {
    expect((await runLabCli(['create-admin', '--email', ADMIN.email, '--name', 'QA'], env)).code).toBe(0);
    const { server, call, upload } = await start();
    const device = {
      device_id: 'FULL-1',
      vendor: 'v',
      model: 'm',
      serial_number: 's',
      device_type: 'balance',
      location: 'l',
    };
    expect((await call('POST', '/api/devices', device)).status).toBe(201);
    const record = () =>
      call('POST', '/api/calibration', {
        device_id: 'FULL-1',
        calibration_date: '2026-01-15',
        result: 'valid',
      });
    const acknowledged: string[] = [];
    const first = await record();
    acknowledged.push(((await first.json()) as { id: string }).id);
    const certificate = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(256 * 1024, 0x20)]);

    await disk!.fillLeaving(0);
    const refused = await upload(acknowledged[0]!, certificate);
    expect(refused.status).toBe(507);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await record();
      statuses.push(res.status);
      if (res.status === 201) acknowledged.push(((await res.json()) as { id: string }).id);
      else expect(((await res.json()) as { type: string }).type).toBe('/problems/storage-full');
    }
    // Each write is either stored or a 507; nothing else (no 500), and the server is still up.
    expect(statuses.filter((s) => s !== 201 && s !== 507)).toEqual([]);
    expect(statuses).toContain(507);
    expect((await call('GET', '/health')).status).toBe(200);
    expect(server.child.exitCode).toBeNull();

    await disk!.free();
    expect((await upload(acknowledged[0]!, certificate)).status).toBe(201);
    const after = await record();
    expect(after.status).toBe(201);
    acknowledged.push(((await after.json()) as { id: string }).id);
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);

    const verify = await runLabCli(['audit', 'verify'], env);
    expect(verify.code, verify.stderr).toBe(0);
    const again = await start();
    const history = (await (await again.call('GET', '/api/calibration/device/FULL-1')).json()) as {
      items: { id: string; has_certificate: boolean }[];
    };
    expect(history.items.map((e) => e.id).sort()).toEqual([...acknowledged].sort());
    expect((await again.call('GET', `/api/calibration/${acknowledged[0]}/certificate`)).status).toBe(200);
    if (process.env['CERTIFICATE_DISK_REPORT'])
      console.info(
        `PGlite data disk: writes while full ${JSON.stringify(statuses)}, acknowledged ${acknowledged.length}`,
      );
  });
});
