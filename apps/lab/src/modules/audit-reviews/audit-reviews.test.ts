/**
 * A periodic audit-trail review as a signed record: created over a range of audit sequence numbers with
 * the chain's verification and the hashes at the range's ends, then signed `audit_trail_reviewed` by a
 * second person holding the authority.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { ROLES } from '../../platform/access/permissions.ts';
import { signingAuthority } from '../../platform/access/signing-authority.ts';
import { SIGNATURE_MEANINGS } from '../../platform/signatures/manifest.ts';
import { type TestLab, testLab, userWithRole } from '../../testing/lab-app.ts';
import { renderPdf } from '../../testing/pdf-pages.ts';
import type { TestUser } from '../../testing/run-fixtures.ts';

let lab: TestLab;
let auditor: TestUser; // compliance: prepares reviews
let qa: TestUser; // compliance: signs them
let admin: TestUser;
let scientist: TestUser;
let tech: TestUser;

beforeAll(async () => {
  lab = await testLab();
  auditor = await userWithRole(lab, 'compliance');
  qa = await userWithRole(lab, 'compliance');
  admin = await userWithRole(lab, 'admin');
  scientist = await userWithRole(lab, 'scientist');
  tech = await userWithRole(lab, 'technician');
});
afterAll(async () => lab?.close());

const call = (method: 'GET' | 'POST', url: string, who: TestUser, payload?: object) =>
  lab.app.inject({ method, url, headers: who.auth, ...(payload ? { payload } : {}) });

const create = (body: object, who = auditor) => call('POST', '/api/audit-trail-reviews', who, body);
const sign = (id: string, who: TestUser, extra: object = {}) =>
  call('POST', `/api/audit-trail-reviews/${id}/sign`, who, {
    user_id: who.email,
    password: who.password,
    ...extra,
  });

async function lastSeq(): Promise<number> {
  const [row] = await queryRows<{ seq: string }>(
    lab.database.db,
    sql`SELECT max(seq) AS seq FROM audit_events`,
  );
  return Number(row!.seq);
}
async function hashAt(seq: number): Promise<string> {
  const [row] = await queryRows<{ hash: string }>(
    lab.database.db,
    sql`SELECT hash FROM audit_events WHERE seq = ${seq}`,
  );
  return row!.hash;
}
async function stored() {
  const [row] = await queryRows<{ reviews: number; signed: number; signatures: number }>(
    lab.database.db,
    sql`SELECT (SELECT count(*)::int FROM audit_trail_reviews) AS reviews,
               (SELECT count(*)::int FROM audit_trail_reviews WHERE status = 'signed') AS signed,
               (SELECT count(*)::int FROM electronic_signatures WHERE record_type = 'audit_trail_review') AS signatures`,
  );
  return row!;
}

describe('audit-trail review: a signed record over a range of the chain', () => {
  it('is created over a range with its verification and end hashes, then signed audit_trail_reviewed by a second person', async () => {
    const to = await lastSeq();
    const res = await create({ from_seq: 2, to_seq: to, comment: 'Monthly review: no findings' });
    expect(res.statusCode, res.body).toBe(201);
    const review = res.json();
    expect(review).toMatchObject({
      from_seq: 2,
      to_seq: to,
      events: to - 1,
      from_hash: await hashAt(2),
      to_hash: await hashAt(to),
      verification: { range_valid: true, first_invalid_seq: null, reason: null },
      created_by: auditor.email,
      status: 'open',
      signed_by: null,
    });
    expect(['valid', 'unsealed']).toContain(review.verification.chain_status);
    expect(review.verification.events_checked).toBeGreaterThanOrEqual(to);

    // Its creator is its author: another person signs it.
    const self = await sign(review.id, auditor);
    expect(self.statusCode).toBe(403);
    expect(self.json().type).toBe('/problems/segregation-of-duties');

    const signed = await sign(review.id, qa, { reason: 'Range and findings checked' });
    expect(signed.statusCode, signed.body).toBe(200);
    expect(signed.json()).toMatchObject({ status: 'signed', signed_by: qa.email });
    expect(signed.json().signed_at).not.toBeNull();

    const listed = await call(
      'GET',
      `/api/signatures?record_type=audit_trail_review&record_id=${review.id}`,
      admin,
    );
    const [signature] = listed.json().items;
    expect(listed.json().items).toHaveLength(1);
    expect(signature).toMatchObject({
      id: signed.json().signature_id,
      meaning: 'audit_trail_reviewed',
      signer_email: qa.email,
      current: true,
      signature_valid: true,
    });
    expect(signature.manifestation).toMatch(
      /^Audit trail reviewed by Test compliance \(.+\) on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\. Reason: Range and findings checked$/,
    );

    const again = await sign(review.id, admin);
    expect(again.statusCode).toBe(409);
    expect((await call('GET', `/api/audit-trail-reviews/${review.id}`, qa)).json()).toEqual(signed.json());
    const page = (await call('GET', '/api/audit-trail-reviews', admin)).json();
    expect(page.items.map((r: { id: string }) => r.id)).toContain(review.id);

    const trail = await call(
      'GET',
      `/api/compliance/audit?entity_type=audit_trail_review&entity_id=${review.id}`,
      qa,
    );
    expect(trail.json().items.map((e: { action: string }) => e.action)).toEqual([
      'audit_trail_review.created',
      'signature.refused',
      'signature.applied',
      'audit_trail_review.signed',
    ]);
  });

  it('its record report (JSON and PDF) shows the range, the signature manifestation and an intact verification', async () => {
    const review = (await create({ from_seq: 1, to_seq: 4, comment: 'Quarterly review of start-up' })).json();
    expect((await sign(review.id, qa, { reason: 'Reviewed for the report' })).statusCode).toBe(200);
    const url = `/api/records/audit_trail_review/${review.id}/report`;
    const json = await call('GET', `${url}.json`, admin);
    expect(json.statusCode, json.body).toBe(200);
    const report = json.json();
    expect(report.values).toMatchObject({ from_seq: 1, to_seq: 4, events: 4, status: 'signed' });
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]).toMatchObject({ meaning: 'audit_trail_reviewed', current: true });
    expect(report.verification).toMatchObject({ intact: true, findings: [] });

    const pdfRes = await call('GET', `${url}.pdf`, admin);
    expect(pdfRes.statusCode).toBe(200);
    const dir = await mkdtemp(join(tmpdir(), 'polymorph-review-report-'));
    try {
      const pdf = await renderPdf(dir, 'review', pdfRes.rawPayload);
      expect(pdf.inkPerPage.every((ink) => ink > 2500)).toBe(true);
      expect(pdf.text).toContain(report.signatures[0].manifestation);
      expect(pdf.text).toContain('Quarterly review of start-up');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a signature by a role without the authority is refused and stores nothing', async () => {
    const review = (await create({ from_seq: 1, to_seq: 3, comment: 'Start-up events' })).json();
    const before = await stored();
    // Scientists and technicians do not read the audit trail: its reviews do not exist for them.
    for (const who of [scientist, tech]) {
      const res = await sign(review.id, who);
      expect(res.statusCode, res.body).toBe(404);
    }
    // Compliance may sign a review only with its meaning, audit_trail_reviewed.
    const approved = await call('POST', '/api/signatures', qa, {
      user_id: qa.email,
      password: qa.password,
      record_type: 'audit_trail_review',
      record_id: review.id,
      meaning: 'approved',
    });
    expect(approved.statusCode).toBe(403);
    expect(approved.json().type).toBe('/problems/forbidden');
    // Creating one takes audit:verify.
    expect((await create({ from_seq: 1, to_seq: 2, comment: 'not mine to do' }, scientist)).statusCode).toBe(
      403,
    );
    expect(await stored()).toEqual(before);
    expect((await call('GET', `/api/audit-trail-reviews/${review.id}`, scientist)).statusCode).toBe(403);
  });

  it('role x meaning: the review route signs for exactly the roles of the table; POST /api/signatures signs none of its meanings', async () => {
    for (const role of ROLES) {
      const walker = await userWithRole(lab, role);
      const review = (await create({ from_seq: 1, to_seq: 2, comment: `Walk: ${role}` })).json();
      for (const meaning of SIGNATURE_MEANINGS) {
        const authority = signingAuthority([role], 'audit_trail_review', meaning);
        // Signing closes the review, so its meaning goes through the review's own route only.
        const expected =
          meaning === 'audit_trail_reviewed'
            ? 400
            : { allowed: 201, forbidden: 403, unreadable: 404 }[authority];
        const res = await call('POST', '/api/signatures', walker, {
          user_id: walker.email,
          password: walker.password,
          record_type: 'audit_trail_review',
          record_id: review.id,
          meaning,
        });
        expect(res.statusCode, `${role} signs ${meaning}: ${res.body}`).toBe(expected);
        if (expected === 400) expect(res.json().errors[0].field).toBe('body.meaning');
      }
      const routed = await sign(review.id, walker);
      const allowed = signingAuthority([role], 'audit_trail_review', 'audit_trail_reviewed');
      expect(routed.statusCode, `${role}: ${routed.body}`).toBe(
        { allowed: 200, forbidden: 403, unreadable: 404 }[allowed],
      );
    }
  });

  it('a bad range is 400 naming the field, and stores nothing', async () => {
    const before = await stored();
    const last = await lastSeq();
    const cases: [object, string][] = [
      [{ from_seq: 0, to_seq: 2 }, 'body.from_seq'],
      [{ from_seq: 5, to_seq: 4 }, 'body.to_seq'],
      [{ from_seq: 1, to_seq: last + 1000 }, 'body.to_seq'],
    ];
    for (const [range, field] of cases) {
      const res = await create({ ...range, comment: 'bad range' });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().type).toBe('/problems/validation-error');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual([field]);
    }
    expect(await stored()).toEqual(before);
  });

  it('a tampered event inside the range is recorded: range_valid false at its seq; a range before it still verifies', async () => {
    const target = await lastSeq();
    await lab.superuser.withSession(async (s) => {
      await s.exec('ALTER TABLE audit_events DISABLE TRIGGER USER');
      try {
        await s.exec(`UPDATE audit_events SET actor = 'mallory' WHERE seq = ${target}`);
      } finally {
        await s.exec('ALTER TABLE audit_events ENABLE TRIGGER USER');
      }
    });
    const over = (await create({ from_seq: 1, to_seq: target, comment: 'After the incident' })).json();
    expect(over.verification).toMatchObject({
      range_valid: false,
      first_invalid_seq: target,
      reason: 'hash_mismatch',
      chain_status: 'broken',
    });
    const earlier = (
      await create({ from_seq: 1, to_seq: target - 1, comment: 'Before the incident' })
    ).json();
    expect(earlier.verification).toMatchObject({ range_valid: true, chain_status: 'broken' });
  });
});
