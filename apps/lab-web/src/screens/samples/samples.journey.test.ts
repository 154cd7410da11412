// Samples in a real Chromium against the lab on a real port: the table searched, filtered and paged on
// the server with the filter in the URL; a sample created (an API refusal shown next to its field) and
// split, the aliquots checked over the API; a move and a status change with reason in the history and a
// signature; a CSV import with one bad row that shows that row's error and stores nothing. Any console
// error, failed request or error answer other than the ones the journey provokes fails it.
import type { Page } from 'playwright-core';
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
let user: LabUser;
let page: Page;
let trouble: Trouble;
let closeContext: () => Promise<void>;

async function api(method: 'GET' | 'POST', url: string, payload?: object) {
  const res = await rig.lab.app.inject({ method, url, headers: user.auth, ...(payload ? { payload } : {}) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json();
}

/** 60 samples (more than a page): every third quarantined, five named "needle". */
async function seedSamples() {
  await api('POST', '/api/projects', { project_id: 'UI-PROJ', name: 'UI journey project' });
  await api('POST', '/api/containers', {
    container_id: 'UI-BOX-1',
    container_type: 'cryobox-81',
    location: 'Site A/Freezer 1/Box 1',
    capacity: 81,
  });
  const samples = Array.from({ length: 60 }, (_, i) => ({
    sample_id: `UI-S-${String(i + 1).padStart(3, '0')}`,
    name: i % 12 === 0 ? `needle ${i}` : `retain ${i}`,
    status: i % 3 === 0 ? 'quarantined' : 'active',
    project_id: 'UI-PROJ',
    quantity: 10,
    unit: 'mL',
  }));
  await api('POST', '/api/samples/bulk', { samples });
}

const table = () => page.getByRole('table', { name: 'Samples' });
/** The sample ids the table shows, once it is not waiting for a newer page. */
async function shownIds(): Promise<string[]> {
  if ((await table().getAttribute('aria-busy')) === 'true') return ['(busy)'];
  return table().locator('tbody tr td:first-child').allTextContents();
}
async function apiIds(query: string): Promise<string[]> {
  return (await api('GET', `/api/samples?limit=50&${query}`)).items.map(
    (s: { sample_id: string }) => s.sample_id,
  );
}

/** Every console error and failed request fails the journey; error answers must be exactly the provoked ones. */
function expectOnly(errorResponses: string[]) {
  expect(trouble.problems).toEqual([]);
  expect(trouble.errorResponses).toEqual(errorResponses);
  trouble.errorResponses.length = 0;
}

beforeAll(async () => {
  rig = await startBrowserRig();
  user = await userWithRole(rig.lab, 'scientist');
  await seedSamples();
  const opened = await openPage(rig);
  page = opened.page;
  trouble = opened.trouble;
  closeContext = () => opened.context.close();
  await signInThroughUi(page, rig.baseUrl, user);
  // A scientist's dashboard has no audit cards (compliance data is not a scientist's), so no error answer.
  expectOnly([]);
});
afterAll(async () => {
  await closeContext?.();
  await rig?.close();
});

describe('samples journey in Chromium', () => {
  it('searches, filters and pages on the server, with the filter in the URL', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Samples' }).click();
    await expect.poll(shownIds).toEqual(await apiIds(''));
    await expectNoSeriousViolations(page, 'samples table');
    await screenshot(page, 'samples-table');

    await page.getByLabel('Search', { exact: true }).fill('needle');
    await expect.poll(shownIds).toEqual(await apiIds('q=needle'));
    expect(await shownIds()).toHaveLength(5);
    expect(new URL(page.url()).searchParams.get('q')).toBe('needle');

    await page.getByLabel('Status').selectOption('quarantined');
    await expect.poll(shownIds).toEqual(await apiIds('q=needle&status=quarantined'));
    expect(new URL(page.url()).searchParams.get('status')).toBe('quarantined');
    // Back restores the previous filter, from the URL.
    await page.goBack();
    await expect.poll(shownIds).toEqual(await apiIds('q=needle'));

    await page.getByLabel('Search', { exact: true }).fill('');
    await page.getByLabel('Sort').selectOption('sample_id');
    await expect.poll(shownIds).toEqual(await apiIds('sort=sample_id'));
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect
      .poll(shownIds)
      .toEqual([
        'UI-S-051',
        'UI-S-052',
        'UI-S-053',
        'UI-S-054',
        'UI-S-055',
        'UI-S-056',
        'UI-S-057',
        'UI-S-058',
        'UI-S-059',
        'UI-S-060',
      ]);
    expect(await page.getByRole('status', { name: 'Rows shown' }).textContent()).toBe('Rows 51–60');
    await expect.poll(() => page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);

    await page.getByLabel('Search', { exact: true }).fill('no sample is called this');
    await page.getByText('No samples match these filters.').waitFor();
    expectOnly([]);
  });

  it('creates a sample, showing the API refusal next to its field, and splits it into aliquots', async () => {
    await page.getByRole('link', { name: 'New sample' }).click();
    await page.getByRole('heading', { name: 'New sample' }).waitFor();
    await page.getByLabel('Sample ID').fill('UI-NEW-1');
    await page.getByLabel('Name').fill('Form II retain');
    await page.getByLabel('Project').fill('NO-SUCH-PROJECT');
    await page.getByLabel('Quantity').fill('10');
    await page.getByLabel('Unit').fill('mL');
    await page.getByRole('button', { name: 'Create sample' }).click();
    await expect.poll(() => page.locator('#new-project_id-error').textContent()).toMatch(/no project/);
    expect(await page.getByLabel('Project').getAttribute('aria-invalid')).toBe('true');
    await expectNoSeriousViolations(page, 'create form');
    await screenshot(page, 'samples-create');

    await page.getByLabel('Project').fill('UI-PROJ');
    await page.getByRole('button', { name: 'Create sample' }).click();
    await page.getByRole('heading', { name: 'Sample UI-NEW-1' }).waitFor();

    await page.getByRole('button', { name: 'Split…' }).click();
    await page.getByLabel('Quantities (mL)').fill('4, 4');
    await page.getByLabel('Reason').fill('Aliquots for assay and retain');
    await expectNoSeriousViolations(page, 'split dialog');
    await page.getByRole('button', { name: 'Save' }).click();
    const aliquots = page.getByRole('list', { name: 'Aliquots and derivatives' }).getByRole('link');
    await expect.poll(() => aliquots.count()).toBe(2);

    const children = await api('GET', '/api/samples?parent_id=UI-NEW-1&sort=sample_id');
    expect(children.items.map((s: { quantity: number }) => s.quantity)).toEqual([4, 4]);
    expect(await aliquots.allTextContents()).toEqual(
      children.items.map((s: { sample_id: string }) => s.sample_id),
    );
    expect((await api('GET', '/api/samples/UI-NEW-1')).quantity).toBe(2);
    expectOnly(['POST /api/samples 400']);
  });

  it('moves the sample and changes its status with a reason that the history shows, then signs it', async () => {
    await page.getByRole('button', { name: 'Move…' }).click();
    await page.getByLabel('Container').fill('UI-BOX-1');
    await page.getByLabel('Reason').fill('Into the freezer box');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: 'sample.moved' }).waitFor();

    await page.getByRole('button', { name: 'Change status…' }).click();
    await page.getByLabel('Reason').fill('OOS assay under investigation');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#status-new-error').textContent()).toBe('Choose the new status');
    await page.getByLabel('New status').selectOption('quarantined');
    await page.getByRole('button', { name: 'Save' }).click();
    const history = page.getByRole('table', { name: 'History' });
    await history.getByRole('cell', { name: 'OOS assay under investigation' }).waitFor();
    const apiHistory = await api('GET', '/api/samples/UI-NEW-1/history');
    const last = apiHistory.items.at(-1);
    expect(last.reason).toBe('OOS assay under investigation');
    expect(last.after.status).toBe('quarantined');
    expect(await history.locator('tbody tr').count()).toBe(apiHistory.items.length);

    await page.getByLabel('Meaning').selectOption('authored');
    await page.getByRole('button', { name: 'Sign…' }).click();
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('dialog').getByLabel('Reason').fill('I created this sample');
    await page.getByRole('button', { name: 'Sign', exact: true }).click();
    await page.getByRole('dialog').getByRole('status').waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
    const signatures = await api('GET', '/api/signatures?record_type=sample&record_id=UI-NEW-1');
    expect(signatures.items).toHaveLength(1);
    await page.getByRole('listitem').filter({ hasText: signatures.items[0].manifestation }).waitFor();
    await expectNoSeriousViolations(page, 'sample detail');
    await screenshot(page, 'samples-detail');
    expectOnly([]);
  });

  it('imports a CSV with one bad row: shows that row and its field, stores nothing', async () => {
    await page.getByRole('link', { name: 'All samples' }).click();
    await page.getByRole('link', { name: 'Import CSV' }).click();
    const csv = [
      'sample_id,name,project_id,quantity,unit',
      'UI-IMP-1,first,UI-PROJ,5,mL',
      'UI-IMP-2,second,NOPE,5,mL',
      'UI-IMP-3,"third, with comma",UI-PROJ,5,mL',
    ].join('\n');
    await page.getByLabel('Or paste the CSV').fill(csv);
    await page.getByRole('button', { name: 'Import' }).click();
    const report = page.getByRole('table', { name: /Nothing was imported/ });
    await report.waitFor();
    expect(await report.locator('tbody tr').allTextContents()).toEqual(['3project_idno project NOPE']);
    expect((await api('GET', '/api/samples?q=UI-IMP')).items).toEqual([]);
    await expectNoSeriousViolations(page, 'import with errors');
    await screenshot(page, 'samples-import');

    await page.getByLabel('Or paste the CSV').fill(csv.replace('NOPE', 'UI-PROJ'));
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('heading', { name: 'Imported 3 sample(s)' }).waitFor();
    const stored = await api('GET', '/api/samples?q=UI-IMP&sort=sample_id');
    expect(stored.items.map((s: { name: string }) => s.name)).toEqual([
      'first',
      'second',
      'third, with comma',
    ]);
    expectOnly(['POST /api/samples/bulk 400']);
  });
});
