// The compliance journey in Chromium against the lab on a real port: a QA officer browses the audit trail
// with a filter and reads a known event's before and after values and reason, exports the trail, verifies
// the chain (the result must equal the API's), signs a checkpoint, records an audit-trail review, signs
// another officer's review with the signature dialog and downloads its report, reads the signature's
// flags, sees the dashboard's recent activity newest first, and, once an event is tampered with in the
// database, where the chain breaks. Any console error, page error, failed
// request or error response fails it; axe checks each screen.
import { readFile } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserRig,
  expectNoSeriousViolations,
  type LabUser,
  openPage,
  screenshot,
  signInThroughUi,
  startBrowserRig,
  type Trouble,
  userWithRole,
} from '../../testing/browser-rig.ts';

let rig: BrowserRig;
let qa: LabUser;
let colleague: LabUser;
let renamed: { seq: number; email: string; reason: string };
let seededReview: { id: string; from_seq: number; to_seq: number };
let context: BrowserContext;
let page: Page;
let trouble: Trouble;

const RENAME_REASON = 'Name corrected after marriage certificate check';

async function api(method: 'GET' | 'POST' | 'PATCH', url: string, user: LabUser, payload?: object) {
  const res = await rig.lab.app.inject({ method, url, headers: user.auth, ...(payload ? { payload } : {}) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res;
}

/** A known event with before, after and reason: an administrator renames a scientist. */
async function seedRename() {
  const admin = await userWithRole(rig.lab, 'admin');
  const scientist = await userWithRole(rig.lab, 'scientist');
  await api('PATCH', `/api/users/${scientist.email}`, admin, {
    name: 'Dr Ada Renamed',
    reason: RENAME_REASON,
  });
  const found = await api(
    'GET',
    `/api/compliance/audit?action=user.updated&entity_id=${scientist.email}`,
    qa,
  );
  const event = found.json().items[0];
  expect(event.reason).toBe(RENAME_REASON);
  renamed = { seq: event.seq, email: scientist.email, reason: RENAME_REASON };
}

beforeAll(async () => {
  rig = await startBrowserRig();
  qa = await userWithRole(rig.lab, 'compliance');
  colleague = await userWithRole(rig.lab, 'compliance');
  await seedRename();
  // A review another officer recorded: only someone other than its creator may sign it.
  const review = await api('POST', '/api/audit-trail-reviews', colleague, {
    from_seq: 1,
    to_seq: 3,
    comment: 'Start-up events reviewed; no findings',
  });
  seededReview = review.json();
  ({ context, page, trouble } = await openPage(rig));
  await signInThroughUi(page, rig.baseUrl, qa);
});
afterAll(async () => {
  await context?.close();
  await rig?.close();
});

/** Opens a compliance screen the way a user does: the main navigation, then the area's own. */
const open = async (name: string) => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Compliance' }).click();
  await page.getByRole('navigation', { name: 'Compliance' }).getByRole('link', { name, exact: true }).click();
};

describe('compliance journey in Chromium', () => {
  it('browses the audit trail with a filter and shows a known event before, after and reason', async () => {
    await open('Audit trail');
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    await page.getByRole('table', { name: 'Audit events' }).getByRole('row').nth(1).waitFor();
    await expectNoSeriousViolations(page, 'compliance audit trail');
    await screenshot(page, 'compliance-audit-trail');

    await page.getByLabel('Action').fill('user.updated');
    await page.getByLabel('Record id').fill(renamed.email);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const show = page.getByRole('button', { name: `Show values of event ${renamed.seq}` });
    await show.click();
    const before = page.locator(`#event-${renamed.seq}-before`);
    const after = page.locator(`#event-${renamed.seq}-after`);
    await expect.poll(() => after.textContent()).toContain('Dr Ada Renamed');
    expect(await before.textContent()).toContain('Test scientist');
    const rows = page.getByRole('table', { name: 'Audit events' }).getByRole('row');
    // The header, the one event the filter matches, and its expanded values.
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(1).textContent()).toContain(renamed.reason);
    await expectNoSeriousViolations(page, 'compliance audit trail, event values');
    await screenshot(page, 'compliance-audit-event');
  });

  it('exports the trail as the API does', async () => {
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export JSON lines' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('audit-trail.jsonl');
    const saved = await readFile(await file.path(), 'utf8');
    const fromApi = (await api('GET', '/api/compliance/audit/export', qa)).body;
    // The trail only grows: the file is what the API answers, up to the moment of the download.
    expect(saved.length).toBeGreaterThan(0);
    expect(fromApi.startsWith(saved)).toBe(true);
    const seqs = saved
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).seq);
    expect(seqs[0]).toBe(1);
    expect(seqs).toContain(renamed.seq);
  });

  it('verifies the chain and shows the same result as the API', async () => {
    await open('Verify chain');
    const status = page.getByRole('status', { name: 'Chain status' });
    await status.waitFor();
    const expected = (await api('GET', '/api/compliance/audit/verify', qa)).json();
    expect(expected.valid).toBe(true);
    // The dashboard's earlier answer may show first while the screen asks again: wait for the fresh one.
    await expect
      .poll(() => page.getByRole('status', { name: 'Events checked' }).textContent())
      .toBe(String(expected.checked));
    expect(await status.textContent()).toBe(
      expected.status === 'valid' ? 'Intact' : 'Intact, not sealed on schedule',
    );
    await expectNoSeriousViolations(page, 'compliance verify');
    await screenshot(page, 'compliance-verify');
  });

  it('signs a checkpoint over the current head and lists it', async () => {
    await open('Checkpoints');
    await page.getByRole('button', { name: 'Sign the current head now' }).click();
    const done = page.getByRole('status').filter({ hasText: 'Checkpoint at seq' });
    const seq = Number((await done.textContent())?.match(/seq (\d+)/)?.[1]);
    const listed = (await api('GET', '/api/compliance/audit/checkpoints', qa)).json().items;
    expect(listed.map((c: { seq: number }) => c.seq)).toContain(seq);
    const first = page.getByRole('table', { name: 'Checkpoints' }).getByRole('row').nth(1);
    await expect.poll(() => first.getByRole('cell').first().textContent()).toBe(String(seq));
    await expectNoSeriousViolations(page, 'compliance checkpoints');
    await screenshot(page, 'compliance-checkpoints');
  });

  it('records a review, signs a colleague review with the signature dialog and downloads its report', async () => {
    await open('Audit-trail reviews');
    await page.getByLabel('From seq').fill('1');
    await page.getByLabel('To seq').fill(String(renamed.seq));
    await page.getByLabel('Findings').fill('User rename checked against the change request');
    await page.getByRole('button', { name: 'Record review' }).click();
    await page.getByRole('status').filter({ hasText: 'the range verifies' }).waitFor();
    const own = page.getByRole('row', { name: `Review of seq 1 to ${renamed.seq}` });
    // Its creator is not offered to sign it: someone else must.
    await expect.poll(() => own.textContent()).toContain("Awaiting another reviewer's signature");
    expect(await own.getByRole('button', { name: 'Sign…' }).count()).toBe(0);

    const row = page.getByRole('row', {
      name: `Review of seq ${seededReview.from_seq} to ${seededReview.to_seq}`,
    });
    await row.getByRole('button', { name: 'Sign…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign the audit-trail review' });
    expect(await dialog.getByLabel('User ID (email)').inputValue()).toBe(qa.email);
    await dialog.getByLabel('Password').fill(qa.password);
    await dialog.getByLabel('Reason').fill('Periodic review');
    await expectNoSeriousViolations(page, 'compliance signature dialog');
    await dialog.getByRole('button', { name: 'Sign' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Signed.' }).waitFor();
    expect(await dialog.textContent()).toContain('Audit trail reviewed');
    await screenshot(page, 'compliance-review-signed');
    await dialog.getByRole('button', { name: 'Close' }).click();

    const stored = (await api('GET', `/api/audit-trail-reviews/${seededReview.id}`, qa)).json();
    expect(stored).toMatchObject({ status: 'signed', signed_by: qa.email });
    await expect.poll(() => row.textContent()).toContain(`Signed by ${qa.email}`);
    const download = page.waitForEvent('download');
    await row.getByRole('button', { name: 'Report (PDF)' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`audit_trail_review-${seededReview.id}-report.pdf`);
    expect((await readFile(await file.path())).subarray(0, 5).toString()).toBe('%PDF-');
    await expectNoSeriousViolations(page, 'compliance reviews');
    await screenshot(page, 'compliance-reviews');

    await row.getByRole('link', { name: 'signature' }).click();
    const signatures = page.getByRole('table', { name: 'Signatures' });
    await signatures.getByRole('row').nth(1).waitFor();
    const listed = (
      await api('GET', `/api/signatures?record_type=audit_trail_review&record_id=${seededReview.id}`, qa)
    ).json().items;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ current: true, signature_valid: true, signer_email: qa.email });
    const cells = signatures.getByRole('row').nth(1).getByRole('cell');
    expect(await cells.nth(0).textContent()).toBe(listed[0].manifestation);
    expect(await cells.nth(4).textContent()).toBe('Current');
    expect(await cells.nth(5).textContent()).toBe('Valid');
    await expectNoSeriousViolations(page, 'compliance signatures');
    await screenshot(page, 'compliance-signatures');
  });

  it('shows recent activity on the dashboard newest first, as the API orders it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    const table = page.getByRole('table', { name: 'Recent activity (newest first)' });
    await table.getByRole('row').nth(1).waitFor();
    const latest = (await api('GET', '/api/compliance/audit?order=desc&limit=10', qa)).json().items;
    const rows = () => table.getByRole('row').allTextContents();
    // The list from the sign-in may show first while the dashboard asks again: wait for the fresh one.
    await expect.poll(async () => (await rows())[1]).toContain(latest[0].ts);
    const shown = await rows();
    expect(shown).toHaveLength(latest.length + 1);
    expect(shown[1]).toContain(latest[0].action);
    expect(shown[latest.length]).toContain(latest[latest.length - 1].ts);
  });

  it('shows where a tampered chain breaks, as the API does, and opens the trail there', async () => {
    // Someone with database rights and the triggers off rewrites the known event's actor.
    await rig.lab.superuser.withSession(async (s) => {
      await s.exec('ALTER TABLE audit_events DISABLE TRIGGER USER');
      try {
        await s.exec(`UPDATE audit_events SET actor = 'mallory' WHERE seq = ${renamed.seq}`);
      } finally {
        await s.exec('ALTER TABLE audit_events ENABLE TRIGGER USER');
      }
    });
    const expected = (await api('GET', '/api/compliance/audit/verify', qa)).json();
    expect(expected).toMatchObject({ valid: false, status: 'broken', first_invalid_seq: renamed.seq });
    await open('Verify chain');
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await expect.poll(() => page.getByRole('status', { name: 'Chain status' }).textContent()).toBe('Broken');
    expect(await page.getByRole('status', { name: 'First invalid event' }).textContent()).toBe(
      String(renamed.seq),
    );
    expect(await page.getByRole('status', { name: 'Events checked' }).textContent()).toBe(
      String(expected.checked),
    );
    expect(await page.locator('.verification').textContent()).toContain(expected.reason);
    await expectNoSeriousViolations(page, 'compliance verify, broken');
    await screenshot(page, 'compliance-verify-broken');

    await page.getByRole('link', { name: 'open the trail there' }).click();
    const first = page.getByRole('table', { name: 'Audit events' }).getByRole('row').nth(1);
    await expect.poll(() => first.getByRole('cell').first().textContent()).toBe(String(renamed.seq));
    expect(await first.textContent()).toContain('mallory');

    expect(trouble.problems).toEqual([]);
    expect(trouble.errorResponses).toEqual([]);
  });
});
