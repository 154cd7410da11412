/**
 * Record reports (21 CFR 11.10(b), 11.50): the JSON and the PDF of a sample, a batch and a completed
 * run, read back as a reader sees them (pdftoppm pages as images, pdftotext), and the reports of
 * records tampered with behind the application's back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';
import { type RenderedPdf, renderPdf } from '../../testing/pdf-pages.ts';
import { waitFor } from '../../testing/wait.ts';
import { RunEngine } from '../runs/engine/run-engine.ts';
import { runFixture } from '../runs/engine/test-fixtures.ts';
import type { RecordReport } from './schemas.ts';

type User = Awaited<ReturnType<typeof userWithRole>>;

let lab: TestLab;
let dir: string;
let author: User;
let reviewer: User;
let compliance: User;

/** Fewer dark pixels than this at 50 dpi is a blank page (header and footer alone give about 2,000). */
const MIN_INK = 2500;

beforeAll(async () => {
  lab = await testLab();
  dir = await mkdtemp(join(tmpdir(), 'polymorph-reports-'));
  author = await userWithRole(lab, 'scientist');
  reviewer = await userWithRole(lab, 'scientist');
  compliance = await userWithRole(lab, 'compliance');
  await post('/api/projects', { project_id: 'P-REP', name: 'Report study' }, author, 201);
  await post('/api/batches', { batch_id: 'B-REP', project_id: 'P-REP' }, author, 201);
  await post('/api/samples', { sample_id: 'S-REP-1', batch_id: 'B-REP', project_id: 'P-REP' }, author, 201);
  await post('/api/samples', { sample_id: 'S-REP-2', project_id: 'P-REP' }, author, 201);
}, 60_000);
afterAll(async () => {
  await lab.close();
  await rm(dir, { recursive: true, force: true });
});

async function post(url: string, payload: object, who: { auth: User['auth'] }, status: number) {
  const res = await lab.app.inject({ method: 'POST', url, headers: who.auth, payload });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(status);
  return res.json();
}

async function reportJson(type: string, id: string, who: User = compliance): Promise<RecordReport> {
  const res = await lab.app.inject({
    method: 'GET',
    url: `/api/records/${type}/${id}/report.json`,
    headers: who.auth,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function reportPdf(type: string, id: string, who: User = compliance): Promise<RenderedPdf> {
  const res = await lab.app.inject({
    method: 'GET',
    url: `/api/records/${type}/${id}/report.pdf`,
    headers: who.auth,
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe('application/pdf');
  expect(res.headers['content-disposition']).toBe(`attachment; filename="${type}-${id}-report.pdf"`);
  expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  return renderPdf(dir, `${type}-${id}-${Date.now()}`, res.rawPayload);
}

/** Every page has ink, and says which page of how many it is. */
function expectPagesNotBlank(pdf: RenderedPdf): void {
  expect(pdf.inkPerPage.length).toBeGreaterThan(0);
  for (const [i, ink] of pdf.inkPerPage.entries()) {
    expect(ink, `page ${i + 1}`).toBeGreaterThan(MIN_INK);
    expect(pdf.text).toContain(`Page ${i + 1} of ${pdf.inkPerPage.length}`);
  }
  expect(pdf.text).toContain('Copy generated from the system of record');
}

const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

describe('record reports of a sample and a batch', () => {
  it('a signed sample: values, audit trail with before/after and reason, manifestation, verification', async () => {
    const patched = await lab.app.inject({
      method: 'PATCH',
      url: '/api/samples/S-REP-1',
      headers: author.auth,
      payload: { name: 'Polymorph screen A', reason: 'Name from the study plan' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const signature = await post(
      '/api/signatures',
      {
        record_type: 'sample',
        record_id: 'S-REP-1',
        meaning: 'reviewed',
        reason: 'Labelling checked',
        user_id: reviewer.email,
        password: reviewer.password,
      },
      reviewer,
      201,
    );

    const report = await reportJson('sample', 'S-REP-1');
    expect(report.values).toMatchObject({ sample_id: 'S-REP-1', name: 'Polymorph screen A' });
    expect(report.audit_trail.map((e) => e.action)).toEqual([
      'sample.created',
      'sample.updated',
      'signature.applied',
    ]);
    const update = report.audit_trail[1]!;
    expect(update).toMatchObject({
      actor: author.email,
      reason: 'Name from the study plan',
      hash_valid: true,
    });
    expect(update.before).toMatchObject({ name: null });
    expect(update.after).toMatchObject({ name: 'Polymorph screen A' });
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]).toMatchObject({
      signer_email: reviewer.email,
      meaning: 'reviewed',
      current: true,
    });
    expect(report.verification).toMatchObject({
      intact: true,
      findings: [],
      record_hash: signature.record_hash,
      audited_state: { checked: true, last_seq: update.seq, differing_fields: [] },
      signatures: { count: 1, current: 1, earlier_version: 0, invalid: 0 },
    });
    expect(report.verification.audit_chain.status).not.toBe('broken');

    const pdf = await reportPdf('sample', 'S-REP-1');
    expectPagesNotBlank(pdf);
    expect(pdf.text).toContain(signature.manifestation);
    expect(pdf.text).toContain(
      `Printed name: Test scientist. Signed: ${utc(signature.signed_at)}. Meaning: reviewed.`,
    );
    expect(pdf.text).toContain('VERIFIED');
    expect(pdf.text).toContain('Reason: Name from the study plan');
    expect(pdf.text).toContain(signature.record_hash);
  });

  it('a released batch shows its approval signature; a later audited change leaves the signature as earlier, not as tampering', async () => {
    const released = await lab.app.inject({
      method: 'POST',
      url: '/api/batches/B-REP/release',
      headers: reviewer.auth,
      payload: { user_id: reviewer.email, password: reviewer.password, reason: 'QA release' },
    });
    expect(released.statusCode, released.body).toBe(200);
    // The sample's signature binds its content; moving on with an audited change makes it "earlier".
    await lab.app.inject({
      method: 'PATCH',
      url: '/api/samples/S-REP-1',
      headers: author.auth,
      payload: { name: 'Polymorph screen A1', reason: 'Renamed after review' },
    });
    const sample = await reportJson('sample', 'S-REP-1');
    expect(sample.signatures[0]!.current).toBe(false);
    expect(sample.verification).toMatchObject({ intact: true, signatures: { earlier_version: 1 } });

    const batch = await reportJson('batch', 'B-REP');
    expect(batch.values).toMatchObject({ batch_id: 'B-REP', status: 'released' });
    expect(batch.signatures.map((s) => [s.meaning, s.signer_email, s.reason])).toEqual([
      ['approved', reviewer.email, 'QA release'],
    ]);
    expect(batch.audit_trail.map((e) => e.action)).toContain('batch.released');
    expect(batch.verification.intact).toBe(true);
    const pdf = await reportPdf('batch', 'B-REP');
    expectPagesNotBlank(pdf);
    expect(pdf.text).toContain(batch.signatures[0]!.manifestation);
    expect(pdf.text).toContain('matches the record as it is now');
    expect(pdf.text).not.toContain('TAMPER');
    const samplePdf = await reportPdf('sample', 'S-REP-1');
    expect(samplePdf.text).toContain('signed an earlier version of the record');
  });

  it('answers 400 naming params.type for a type that has no report, and 404 for an unknown record', async () => {
    const bad = await lab.app.inject({
      method: 'GET',
      url: '/api/records/device/X-1/report.json',
      headers: compliance.auth,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([expect.objectContaining({ field: 'params.type' })]);
    const missing = await lab.app.inject({
      method: 'GET',
      url: '/api/records/sample/S-NOPE/report.pdf',
      headers: compliance.auth,
    });
    expect(missing.statusCode).toBe(404);
  });

  it("another lab's record answers 404, as an unknown one", async () => {
    const admin = await userWithRole(lab, 'admin');
    const outsider = await userWithRole(lab, 'scientist');
    await post('/api/organizations', { org_id: 'REP-ORG', name: 'Other org' }, admin, 201);
    await post('/api/labs', { lab_id: 'REP-LAB-B', org_id: 'REP-ORG', name: 'Other lab' }, admin, 201);
    const moved = await lab.app.inject({
      method: 'PUT',
      url: `/api/labs/REP-LAB-B/members/${outsider.email}`,
      headers: admin.auth,
      payload: { reason: 'works there' },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const login = await lab.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: outsider.email, password: outsider.password },
    });
    const auth = { authorization: `Bearer ${login.json().access_token}` };
    // The same answer as for a record that does not exist, the id aside.
    const shape = (res: { statusCode: number; json(): Record<string, unknown> }, id: string) => {
      const { instance: _instance, ...body } = res.json();
      return { status: res.statusCode, ...body, detail: String(body['detail']).replace(id, '<id>') };
    };
    for (const [type, id, ext] of [
      ['sample', 'S-REP-1', 'json'],
      ['batch', 'B-REP', 'pdf'],
    ] as const) {
      const get = (recordId: string) =>
        lab.app.inject({
          method: 'GET',
          url: `/api/records/${type}/${recordId}/report.${ext}`,
          headers: auth,
        });
      const hidden = await get(id);
      expect(hidden.statusCode, `${type} ${id}`).toBe(404);
      expect(shape(hidden, id)).toEqual(shape(await get('NOPE-1'), 'NOPE-1'));
    }
  });
});

describe('record report of a completed run', () => {
  let engine: RunEngine;
  afterAll(async () => engine?.stop());

  it('holds the workflow version, its hash and approval, parameters, devices, steps, spectra, temperatures and identifications', async () => {
    const fixture = await runFixture(lab.app);
    const started = await post(
      '/api/runs',
      { workflow: fixture.versionId, parameters: { wait_s: 120 }, devices: fixture.devices, seed: 7 },
      fixture.operator,
      201,
    );
    engine = new RunEngine({
      uow: lab.app.lab.uow,
      metrics: lab.app.lab.metrics,
      signals: lab.app.lab.runSignals,
      log: { debug() {}, info() {}, warn() {}, error() {} },
      leaseMs: 15_000,
      pollMs: 50,
      maxRuns: 1,
      acceleration: 600,
    });
    engine.start();
    const runId: string = started.run_id;
    await waitFor(`run ${runId} to complete`, 120_000, async () => {
      const [row] = await queryRows<{ status: string }>(
        lab.database.db,
        sql`SELECT status FROM workflow_executions WHERE run_id = ${runId}`,
      );
      return row?.status === 'completed';
    });

    const report = await reportJson('run', runId);
    expect(report.values).toMatchObject({
      run_id: runId,
      status: 'completed',
      definition_hash: fixture.definitionHash,
    });
    expect(report.verification).toMatchObject({ intact: true, audited_state: { differing_fields: [] } });
    const titles = report.sections.map((s) => s.title);
    expect(titles[0]).toMatch(/^Workflow engine-test-[0-9a-f]+ version 1$/);
    const [workflow, parameters, devices, steps] = report.sections;
    expect(workflow).toMatchObject({ kind: 'table', note: expect.stringContaining(fixture.definitionHash) });
    expect(workflow?.kind === 'table' && workflow.rows[0]?.['manifestation']).toMatch(
      /^Approved by Engine scientist/,
    );
    expect(parameters).toMatchObject({ kind: 'table', rows: [{ name: 'wait_s', value: 120 }] });
    expect(devices).toMatchObject({
      kind: 'table',
      rows: expect.arrayContaining([expect.objectContaining({ device: fixture.devices.spectrometer })]),
    });
    expect(steps?.kind === 'table' && steps.rows.map((r) => [r['step'], r['outcome']])).toEqual([
      ['heat', 'completed'],
      ['first_spectrum', 'completed'],
      ['long_wait', 'completed'],
      ['spectrum', 'completed'],
      ['identify', 'completed'],
      ['cool', 'completed'],
    ]);
    const charts = report.sections.filter((s) => s.kind === 'chart');
    expect(charts.map((c) => c.title)).toEqual([
      'Spectra (2 of 2, first, middle and last)',
      expect.stringMatching(/^Temperature trace \(\d+ readings\)$/),
    ]);
    for (const c of charts) expect(c.series[0]!.points.length).toBeGreaterThan(1);
    const ids = report.sections.at(-1)!;
    expect(ids).toMatchObject({ kind: 'table', title: 'Identification results' });
    expect(ids.kind === 'table' && ids.rows).toEqual([
      expect.objectContaining({
        step: 'identify',
        label: expect.any(String),
        confidence: expect.any(Number),
      }),
    ]);

    const pdf = await reportPdf('run', runId);
    expectPagesNotBlank(pdf);
    expect(pdf.text).toContain(fixture.definitionHash);
    expect(pdf.text).toContain('Steps');
    for (const step of ['first_spectrum', 'long_wait', 'identify']) expect(pdf.text).toContain(step);
    expect(pdf.text).toContain('Raman shift (cm-1)');
    expect(pdf.text).toContain('Identification results');
    // The approval is a table cell: pdftotext may read the next column's text into its wrapped lines.
    const approval = await lab.app.inject({
      method: 'GET',
      url: `/api/signatures?record_type=workflow_version&record_id=${fixture.versionId}`,
      headers: compliance.auth,
    });
    const [approved] = approval.json().items;
    expect(pdf.text).toContain(`Approved by Engine scientist (${approved.signer_email}) on`);
    expect(pdf.text).toContain(utc(approved.signed_at));
  }, 180_000);
});

/** Tampering as someone with the database's superuser rights, who bypasses the application. */
describe('reports of tampered records say so', () => {
  it('a sample changed in the table after its signature, without an audit event: the report says so', async () => {
    const signature = await post(
      '/api/signatures',
      {
        record_type: 'sample',
        record_id: 'S-REP-2',
        meaning: 'reviewed',
        user_id: reviewer.email,
        password: reviewer.password,
      },
      reviewer,
      201,
    );
    expect((await reportJson('sample', 'S-REP-2')).verification.intact).toBe(true);
    await lab.superuser.withSession((s) =>
      s.exec("UPDATE samples SET name = 'Quietly renamed' WHERE sample_id = 'S-REP-2'"),
    );
    const report = await reportJson('sample', 'S-REP-2');
    expect(report.values['name']).toBe('Quietly renamed');
    expect(report.verification.intact).toBe(false);
    expect(report.verification.audited_state.differing_fields).toEqual(['name']);
    expect(report.verification.findings).toEqual([
      expect.stringContaining('no longer matches its audit trail'),
      `Signature ${signature.id} (reviewed) was made over other content, and no audited change followed it.`,
    ]);
    expect(report.signatures[0]!.current).toBe(false);
    const pdf = await reportPdf('sample', 'S-REP-2');
    expectPagesNotBlank(pdf);
    expect(pdf.text).toContain('TAMPER EVIDENCE');
    expect(pdf.text).toContain('name changed without an audited change');
    expect(pdf.text).toContain('no audited change followed it');
  });

  it('an edited audit event: the chain is broken and the altered event is named', async () => {
    const [event] = await queryRows<{ seq: string }>(
      lab.database.db,
      sql`SELECT seq FROM audit_events WHERE entity_type = 'batch' AND entity_id = 'B-REP' AND action = 'batch.created'`,
    );
    const seq = Number(event!.seq);
    await lab.superuser.withSession(async (s) => {
      await s.exec('ALTER TABLE audit_events DISABLE TRIGGER USER');
      try {
        await s.exec(`UPDATE audit_events SET reason = 'backdated' WHERE seq = ${seq}`);
      } finally {
        await s.exec('ALTER TABLE audit_events ENABLE TRIGGER USER');
      }
    });
    const report = await reportJson('batch', 'B-REP');
    expect(report.verification.intact).toBe(false);
    expect(report.verification.audit_chain).toMatchObject({
      status: 'broken',
      first_invalid_seq: seq,
      reason: 'hash_mismatch',
    });
    expect(report.audit_trail.find((e) => e.seq === seq)!.hash_valid).toBe(false);
    const pdf = await reportPdf('batch', 'B-REP');
    expectPagesNotBlank(pdf);
    expect(pdf.text).toContain('TAMPER EVIDENCE');
    expect(pdf.text).toContain(`breaks at seq ${seq} (hash_mismatch)`);
    expect(pdf.text).toContain('ALTERED');
  });
});
