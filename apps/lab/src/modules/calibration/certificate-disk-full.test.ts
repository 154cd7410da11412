// A certificate directory that fills up, on a real filesystem: a small tmpfs (testing/tmpfs.ts) mounted
// as the lab's certificate directory.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { count, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { auditEvents } from '../../db/schema/audit.ts';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';
import { onPostgres } from '../../testing/test-database.ts';
import { mountTmpfs, type Tmpfs, tmpfsRefusal } from '../../testing/tmpfs.ts';

const refusal = tmpfsRefusal('the full-certificate-disk tests');

/** A PDF by its magic bytes, `size` bytes long, different for each `seed`. */
const pdf = (size: number, seed: string) => {
  const head = Buffer.from(`%PDF-1.4\n% ${seed}\n`);
  return Buffer.concat([head, Buffer.alloc(size - head.length, 0x20)]);
};
/** Polls `condition` until it holds; the generous limit only stops a test that would hang. */
async function until(condition: () => Promise<boolean>, limitMs = 60_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe.skipIf(refusal !== undefined)('a full certificate disk', () => {
  let lab: TestLab;
  let base: string;
  let auth: { authorization: string };
  let certificates: string;
  let disk: Tmpfs | undefined;

  beforeAll(async () => {
    lab = await testLab();
    auth = (await userWithRole(lab, 'admin')).auth;
    certificates = join(lab.dataDir, 'certificates');
    mkdirSync(certificates);
    disk = mountTmpfs(certificates, 1024 * 1024);
    base = await lab.app.listen({ port: 0, host: '127.0.0.1' });
    const device = await call('POST', '/api/devices', {
      device_id: 'DISK-1',
      vendor: 'Mettler',
      model: 'XPR',
      serial_number: 'SN-DISK-1',
      device_type: 'balance',
      location: 'site/lab1',
    });
    expect(device.status).toBe(201);
  });

  afterAll(async () => {
    try {
      disk?.unmount();
    } finally {
      await lab?.close();
    }
  });

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const newEntry = async (notes?: string): Promise<string> => {
    const res = await call('POST', '/api/calibration', {
      device_id: 'DISK-1',
      calibration_date: '2026-01-15',
      result: 'valid',
      ...(notes ? { notes } : {}),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  /** Every answer to an upload, by status, and the certificate each acknowledged (201) upload recorded. */
  const answers: Record<number, number> = {};
  const acknowledged = new Map<string, string>();
  const upload = async (id: string, bytes: Buffer) => {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'application/pdf' }), 'certificate.pdf');
    const res = await fetch(`${base}/api/calibration/${id}/attach-certificate`, {
      method: 'POST',
      headers: auth,
      body: form,
    });
    answers[res.status] = (answers[res.status] ?? 0) + 1;
    if (res.status === 201) acknowledged.set(id, sha256(bytes));
    return res;
  };
  const auditCount = async () => (await lab.superuser.db.select({ n: count() }).from(auditEvents))[0]!.n;
  const certificateColumns = async (id: string) =>
    (
      await queryRows<{ path: string | null; sha: string | null }>(
        lab.superuser.db,
        sql`SELECT certificate_path AS path, certificate_sha256 AS sha FROM calibration_entries WHERE id = ${id}`,
      )
    )[0];
  const files = async () => (await readdir(certificates)).sort();

  afterEach(async () => disk?.free());
  const fillLeaving = (room: number) => disk!.fillLeaving(room);

  it('an upload that does not fit is a 507 storage-full, leaves nothing behind, and succeeds once there is room', async () => {
    const id = await newEntry();
    const certificate = pdf(256 * 1024, 'too big for the disk');
    await fillLeaving(64 * 1024);
    const auditBefore = await auditCount();

    const res = await upload(id, certificate);
    expect(res.status).toBe(507);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as { type: string; status: number; detail: string };
    expect(problem).toMatchObject({ type: '/problems/storage-full', status: 507 });
    expect(problem.detail).not.toContain(certificates);

    // No temporary or partial file, no recorded certificate, no audit event claiming an attach.
    expect(await files()).toEqual(['filler']);
    expect(await certificateColumns(id)).toEqual({ path: null, sha: null });
    expect(await auditCount()).toBe(auditBefore);

    // The server keeps serving, on the same listener.
    expect((await call('GET', '/health')).status).toBe(200);
    expect(
      ((await (await call('GET', `/api/calibration/${id}`)).json()) as { has_certificate: boolean })
        .has_certificate,
    ).toBe(false);

    await disk!.free();
    const again = await upload(id, certificate);
    expect(again.status).toBe(201);
    expect(await files()).toEqual([sha256(certificate)]);
    const download = await call('GET', `/api/calibration/${id}/certificate`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(certificate)).toBe(true);
    expect(await auditCount()).toBe(auditBefore + 1);
  });

  it('a disk with no room at all is the same 507', async () => {
    const id = await newEntry();
    await fillLeaving(0);
    const res = await upload(id, pdf(8 * 1024, 'no room at all'));
    expect(res.status).toBe(507);
    expect(((await res.json()) as { type: string }).type).toBe('/problems/storage-full');
    expect((await files()).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(await certificateColumns(id)).toEqual({ path: null, sha: null });
  });

  describe('a stored file whose transaction then fails', () => {
    // A deferred constraint trigger fails the COMMIT itself, after the file is in place and the audit
    // event written; with `onlyNotes`, only for entries with those notes.
    let slowCommit = 0;
    const failAtCommit = async (onlyNotes?: string) =>
      lab.superuser.withSession(async (s) => {
        const when = onlyNotes ? `IF NEW.notes = '${onlyNotes}' THEN` : 'IF true THEN';
        await s.query(`CREATE FUNCTION refuse_certificate() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN ${when} PERFORM pg_sleep(${slowCommit}); RAISE EXCEPTION 'certificate refused at commit';
          END IF; RETURN NULL; END $$`);
        await s.query(`CREATE CONSTRAINT TRIGGER refuse_certificate AFTER UPDATE OF certificate_sha256 ON calibration_entries
          DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_certificate()`);
      });
    const commitAgain = async () =>
      lab.superuser.withSession(async (s) => {
        await s.query('DROP TRIGGER refuse_certificate ON calibration_entries');
        await s.query('DROP FUNCTION refuse_certificate()');
      });

    it('is removed when the commit fails, and the upload succeeds once the database takes it', async () => {
      const id = await newEntry();
      const certificate = pdf(16 * 1024, 'refused at commit');
      const before = await files();
      const auditBefore = await auditCount();
      await failAtCommit();
      try {
        const res = await upload(id, certificate);
        expect(res.status).toBe(500);
        expect(await files()).toEqual(before);
        expect(await certificateColumns(id)).toEqual({ path: null, sha: null });
        expect(await auditCount()).toBe(auditBefore);
      } finally {
        await commitAgain();
      }
      expect((await upload(id, certificate)).status).toBe(201);
      expect(await files()).toEqual([...before, sha256(certificate)].sort());
    });

    it('is kept when another entry already records the same content', async () => {
      const first = await newEntry();
      const second = await newEntry();
      const certificate = pdf(16 * 1024, 'shared content');
      expect((await upload(first, certificate)).status).toBe(201);
      const before = await files();
      await failAtCommit();
      try {
        expect((await upload(second, certificate)).status).toBe(500);
      } finally {
        await commitAgain();
      }
      expect(await files()).toEqual(before);
      const download = await call('GET', `/api/calibration/${first}/certificate`);
      expect(download.status).toBe(200);
    });

    it('concurrent uploads of the same bytes, half of them rolled back, keep the file the others recorded', async () => {
      const refused = await Promise.all(Array.from({ length: 6 }, () => newEntry('refused')));
      const kept = await Promise.all(Array.from({ length: 6 }, () => newEntry()));
      const certificate = pdf(16 * 1024, 'uploaded by many at once');
      await failAtCommit('refused');
      try {
        const statuses = await Promise.all(
          [...refused, ...kept].map(async (id) => (await upload(id, certificate)).status),
        );
        expect(statuses).toEqual([...refused.map(() => 500), ...kept.map(() => 201)]);
      } finally {
        await commitAgain();
      }
      expect(await files()).toContain(sha256(certificate));
      for (const id of kept)
        expect((await call('GET', `/api/calibration/${id}/certificate`)).status).toBe(200);
    });

    // PGlite runs in the server's own thread, so only PostgreSQL can hold one commit while the server
    // takes another upload.
    it.skipIf(!onPostgres)(
      'an upload of the same bytes during a failing commit is recorded with its file',
      async () => {
        const failing = await newEntry('slow');
        const other = await newEntry();
        const certificate = pdf(16 * 1024, 'the same bytes twice');
        slowCommit = 2;
        await failAtCommit('slow');
        try {
          const first = upload(failing, certificate);
          // The first upload's file is in place and its commit is waiting in the trigger.
          await until(async () => (await files()).includes(sha256(certificate)));
          const second = await upload(other, certificate);
          expect((await first).status).toBe(500);
          expect(second.status).toBe(201);
        } finally {
          slowCommit = 0;
          await commitAgain();
        }
        expect((await call('GET', `/api/calibration/${other}/certificate`)).status).toBe(200);
      },
    );

    it('a second certificate for an entry (409) leaves no file', async () => {
      const id = await newEntry();
      expect((await upload(id, pdf(8 * 1024, 'the certificate'))).status).toBe(201);
      const before = await files();
      const res = await upload(id, pdf(8 * 1024, 'a replacement'));
      expect(res.status).toBe(409);
      expect(await files()).toEqual(before);
    });
  });

  it('afterwards: each acknowledged upload is recorded with its file, one audit event each, and no file is unrecorded', async () => {
    const rows = await queryRows<{ id: string; sha: string }>(
      lab.superuser.db,
      sql`SELECT id, certificate_sha256 AS sha FROM calibration_entries WHERE certificate_sha256 IS NOT NULL`,
    );
    expect(new Map(rows.map((r) => [r.id, r.sha]))).toEqual(acknowledged);
    for (const id of acknowledged.keys())
      expect((await call('GET', `/api/calibration/${id}/certificate`)).status).toBe(200);
    expect(await files()).toEqual([...new Set(acknowledged.values())].sort());
    const [attached] = await queryRows<{ n: number }>(
      lab.superuser.db,
      sql`SELECT count(*)::int AS n FROM audit_events WHERE action = 'calibration.certificate_attached'`,
    );
    expect(attached!.n).toBe(acknowledged.size);
    expect((await lab.app.lab.audit.verify()).valid).toBe(true);
    if (process.env['CERTIFICATE_DISK_REPORT'])
      console.info(`certificate disk: answers ${JSON.stringify(answers)}, acknowledged ${acknowledged.size}`);
  });
});
