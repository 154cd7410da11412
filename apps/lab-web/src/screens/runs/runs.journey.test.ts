// Workflows and runs in a real Chromium against the lab on a real port, with a run engine driving the
// simulated reactor at the acceleration the end-to-end tests use: an author writes a workflow in the
// editor (a mistake first, shown beside its step), a second user approves it by e-signature and
// activates it, a technician starts a run and watches it complete live, downloads the report, and the
// run is reviewed and approved by signature. Every result is checked against the API.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunEngine } from '../../../../lab/src/modules/runs/engine/run-engine.ts';
import { testRig } from '../../../../lab/src/testing/run-fixtures.ts';
import {
  type BrowserRig,
  expectNoSeriousViolations,
  type LabUser,
  openPage,
  screenshot,
  signInThroughUi,
  startBrowserRig,
  userWithRole,
} from '../../testing/browser-rig.ts';

// Experiment time per wall time, as in the runs end-to-end test: this workflow's 7 minutes take seconds.
const ACCELERATION = 150;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

const SOURCE = `schema_version: 1
name: ui-short-cooling
title: Short cooling with Raman identification
parameters:
  - { name: end_temp_c, type: number, unit: degC, minimum: 20, maximum: 70, default: 60, description: Cooled to }
steps:
  - { id: heat, type: set_temperature, setpoint_c: 70 }
  - { id: settle, type: wait, seconds: 300 }
  - { id: first_spectrum, type: acquire_spectrum, integration_time_ms: 100 }
  - { id: identify_first, type: classify, classifier: polymorph }
  - { id: cool, type: ramp_temperature, target_c: { param: end_temp_c }, rate_c_per_min: 5 }
  - { id: last_spectrum, type: acquire_spectrum, integration_time_ms: 100 }
  - { id: identify_last, type: classify, classifier: polymorph }
`;
const WORKFLOW = 'ui-short-cooling';

let rig: BrowserRig;
let engine: RunEngine;
let author: LabUser;
let approver: LabUser;
let technician: LabUser;
let qa: LabUser;

beforeAll(async () => {
  rig = await startBrowserRig();
  const { lab } = rig;
  author = await userWithRole(lab, 'scientist');
  approver = await userWithRole(lab, 'scientist');
  technician = await userWithRole(lab, 'technician');
  qa = await userWithRole(lab, 'compliance');
  await testRig(lab, await userWithRole(lab, 'admin'), 'UI');
  engine = new RunEngine({
    uow: lab.app.lab.uow,
    metrics: lab.app.lab.metrics,
    signals: lab.app.lab.runSignals,
    log: silent,
    leaseMs: 15_000,
    pollMs: 50,
    maxRuns: 1,
    acceleration: ACCELERATION,
  });
  engine.start();
}, 600_000);
afterAll(async () => {
  await engine?.stop();
  await rig?.close();
});

async function apiGet(who: LabUser, url: string) {
  const res = await rig.lab.app.inject({ method: 'GET', url, headers: who.auth });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json();
}

/**
 * Signed in on the dashboard, which is not this journey's: it shows each role only the cards it may
 * read, so it provokes no error answer; each step below names exactly the error answers it provokes.
 */
async function signedInPage(who: LabUser) {
  const opened = await openPage(rig);
  await signInThroughUi(opened.page, rig.baseUrl, who);
  // Every card has answered once none still says it is loading.
  await expect.poll(() => opened.page.getByText('Loading…').count()).toBe(0);
  expect(opened.trouble.errorResponses).toEqual([]);
  return opened;
}

const openArea = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();

/** Fills the open signature dialog as `who` and waits for the manifestation the API stored. */
async function sign(page: Page, who: LabUser, reason: string) {
  const dialog = page.getByRole('dialog');
  await expect.poll(() => dialog.getByLabel('User ID (email)').inputValue()).toBe(who.email);
  await dialog.getByLabel('Password').fill(who.password);
  await dialog.getByLabel('Reason').fill(reason);
  await dialog.getByRole('button', { name: 'Sign' }).click();
  await dialog.getByText('Signed.').waitFor();
  const shown = await dialog.getByRole('status').textContent();
  await dialog.getByRole('button', { name: 'Close' }).click();
  return shown ?? '';
}

describe('workflows and runs in Chromium', () => {
  it('approve and run a workflow, and watch it complete live', async () => {
    // 1. The author writes the workflow in the editor; a negative wait is refused beside its step.
    const authoring = await signedInPage(author);
    let page = authoring.page;
    await openArea(page, 'Workflows');
    await page.getByText('No workflows yet.').waitFor();
    await expectNoSeriousViolations(page, 'workflows-empty');
    await page.getByRole('link', { name: 'New workflow' }).click();
    await page.getByRole('heading', { name: 'New workflow' }).waitFor();
    await page.getByLabel('Definition source').fill(SOURCE.replace('seconds: 300', 'seconds: -5'));
    // The schema the API serves flags it while typing...
    await page.getByRole('list', { name: 'Problems in Step settle' }).getByText('(schema)').waitFor();
    await page.getByRole('button', { name: 'Save as draft' }).click();
    // ...and the API's own refusal names the step and field.
    const settleProblems = page.getByRole('list', { name: 'Problems in Step settle' });
    await expect
      .poll(() => settleProblems.locator('.field-error').textContent())
      .toMatch(/^seconds: must be >= 0/);
    await expectNoSeriousViolations(page, 'workflow-editor');
    await screenshot(page, 'runs-workflow-editor');
    await page.getByLabel('Definition source').fill(SOURCE);
    await page.getByText('Valid against the workflow schema.').waitFor();
    await page.getByRole('button', { name: 'Save as draft' }).click();
    await page.getByRole('heading', { name: `Workflow ${WORKFLOW}` }).waitFor();
    await page.getByRole('form', { name: 'Submit for review' }).getByLabel('Reason').fill('Ready for review');
    await page.getByRole('button', { name: 'Submit for review' }).click();
    await expect.poll(() => page.getByTestId('version-status').textContent()).toBe('in_review');
    expect(authoring.trouble.problems).toEqual([]);
    expect(authoring.trouble.errorResponses).toEqual(['POST /api/workflows 400']);
    await authoring.context.close();

    // 2. A second scientist approves it by signature and makes it effective.
    const approving = await signedInPage(approver);
    page = approving.page;
    await openArea(page, 'Workflows');
    await page.getByRole('link', { name: WORKFLOW }).waitFor();
    await expectNoSeriousViolations(page, 'workflow-list');
    await page.getByRole('link', { name: WORKFLOW }).click();
    await page.getByRole('button', { name: 'Approve…' }).click();
    await expectNoSeriousViolations(page, 'workflow-approve-dialog');
    const manifestation = await sign(page, approver, 'Steps and ranges checked');
    expect(manifestation).toContain('approved');
    await expect.poll(() => page.getByTestId('version-status').textContent()).toBe('approved');
    // Making it effective is the second signature, with its own meaning.
    await page.getByRole('button', { name: 'Make effective…' }).click();
    await expectNoSeriousViolations(page, 'workflow-activate-dialog');
    expect(await sign(page, approver, 'Released for the lab')).toContain('made_effective');
    await expect.poll(() => page.getByTestId('version-status').textContent()).toBe('effective');
    await expectNoSeriousViolations(page, 'workflow-detail');
    await screenshot(page, 'runs-workflow-detail');
    const detail = await apiGet(approver, `/api/workflows/${WORKFLOW}`);
    expect(detail.effective).toMatchObject({
      version: 1,
      approved_by: approver.email,
      effective_by: approver.email,
    });
    const signatures = await apiGet(
      approver,
      `/api/signatures?record_type=workflow_version&record_id=${detail.effective.id}`,
    );
    expect(signatures.items.map((s: { meaning: string }) => s.meaning).sort()).toEqual([
      'approved',
      'made_effective',
    ]);
    expect(approving.trouble.problems).toEqual([]);
    expect(approving.trouble.errorResponses).toEqual([]);
    await approving.context.close();

    // 3. A technician starts a run with a parameter and watches it to the end.
    const running = await signedInPage(technician);
    page = running.page;
    await openArea(page, 'Runs');
    await page.getByText('No runs yet.').waitFor();
    await expectNoSeriousViolations(page, 'runs-empty');
    await page.getByRole('link', { name: 'Start a run' }).click();
    await page.getByLabel('end_temp_c (degC)').fill('55');
    await page.getByLabel('Spectrometer').selectOption('UI-RAMAN');
    await page.getByLabel('Temperature controller').selectOption('UI-TC');
    await page.getByLabel('DAQ').selectOption('UI-DAQ');
    await expectNoSeriousViolations(page, 'run-start');
    await screenshot(page, 'runs-start');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.getByRole('heading', { name: /^Run RUN-/ }).waitFor();
    const runId = (await page.getByRole('heading', { name: /^Run RUN-/ }).textContent())?.slice(4) ?? '';
    // The live view fills as the engine reports: a temperature, then a spectrum, then the fractions.
    await expect
      .poll(() => page.getByRole('status', { name: 'Temperature latest' }).textContent())
      .toMatch(/^Latest/);
    await expect
      .poll(() => page.getByTestId('run-status').textContent(), { timeout: 120_000 })
      .toBe('completed');
    await expect
      .poll(() => page.getByRole('status', { name: 'Live stream' }).textContent())
      .toMatch(/^Finished/);
    expect(await page.getByRole('status', { name: 'Latest spectrum latest' }).textContent()).toMatch(
      /^Spectrum 2 /,
    );
    expect(await page.getByRole('status', { name: 'Latest identification' }).textContent()).toMatch(
      /^identify_last: /,
    );
    const fractions = page.getByRole('table', { name: 'Fraction of the compound in each form' });
    expect(await fractions.getByRole('row').count()).toBeGreaterThan(1);

    // What the page shows equals what the API recorded.
    const run = await apiGet(technician, `/api/runs/${runId}`);
    expect(run).toMatchObject({
      status: 'completed',
      parameters: { end_temp_c: 55 },
      release_status: 'unreviewed',
    });
    const apiSteps = (await apiGet(technician, `/api/runs/${runId}/steps`)).items;
    const stepRows = page.getByRole('table', { name: 'Steps in the order they started' }).getByRole('row');
    expect(await stepRows.count()).toBe(apiSteps.length + 1);
    expect(await stepRows.nth(1).getByRole('cell').first().textContent()).toBe('heat');
    expect(apiSteps.every((s: { outcome: string }) => s.outcome === 'completed')).toBe(true);
    const page1 = await apiGet(technician, `/api/runs/${runId}/events?limit=500`);
    expect(page1.finished).toBe(true);
    expect(page1.next_after).toBeNull();
    const temperatures = page1.items.filter((e: { type: string }) => e.type === 'temperature');
    expect(await page.getByRole('status', { name: 'Temperature latest' }).textContent()).toContain(
      `${temperatures.length} readings`,
    );
    await expectNoSeriousViolations(page, 'run-live');
    await screenshot(page, 'runs-live');

    // The report downloads with the session's token, as PDF and as JSON.
    const [pdf] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download report (PDF)' }).click(),
    ]);
    expect(pdf.suggestedFilename()).toBe(`run-${runId}-report.pdf`);
    expect((await readFile(await pdf.path())).subarray(0, 5).toString()).toBe('%PDF-');
    const [json] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download report (JSON)' }).click(),
    ]);
    const report = JSON.parse(await readFile(await json.path(), 'utf8'));
    expect(report).toMatchObject({ record_type: 'run', record_id: runId });
    expect(running.trouble.problems).toEqual([]);
    expect(running.trouble.errorResponses).toEqual([]);
    await running.context.close();

    // 4. A peer reviews it and QA approves it, each by signature.
    for (const [who, button, reason, status] of [
      [approver, 'Review…', 'Data and steps reviewed', 'reviewed'],
      [qa, 'Approve…', 'Released by QA', 'approved'],
    ] as const) {
      const releasing = await signedInPage(who);
      page = releasing.page;
      await openArea(page, 'Runs');
      await page.getByRole('link', { name: runId }).click();
      await page.getByRole('button', { name: button }).click();
      expect(await sign(page, who, reason)).toContain(status);
      await expect.poll(() => page.getByTestId('release-status').textContent()).toBe(status);
      if (status === 'approved') {
        await expectNoSeriousViolations(page, 'run-released');
        await screenshot(page, 'runs-released');
      }
      expect(releasing.trouble.problems).toEqual([]);
      expect(releasing.trouble.errorResponses).toEqual([]);
      await releasing.context.close();
    }
    const released = await apiGet(qa, `/api/runs/${runId}`);
    expect(released).toMatchObject({
      release_status: 'approved',
      reviewed_by: approver.email,
      decided_by: qa.email,
    });

    // 5. The author starts version 2 from version 1's source; its diff names the one changed field.
    const revising = await signedInPage(author);
    page = revising.page;
    await openArea(page, 'Workflows');
    await page.getByRole('link', { name: WORKFLOW }).click();
    await page.getByRole('link', { name: 'New version' }).click();
    const editor = page.getByLabel('Definition source');
    await expect.poll(() => editor.inputValue()).toBe(SOURCE);
    await editor.fill(SOURCE.replace('seconds: 300', 'seconds: 240'));
    await page.getByRole('button', { name: 'Save as draft' }).click();
    await expect.poll(() => page.getByTestId('version-status').textContent()).toBe('draft');
    const changes = page.getByRole('table', { name: 'Changes from v1 to v2' }).getByRole('row');
    await expect.poll(() => changes.count()).toBe(2);
    expect(await changes.nth(1).textContent()).toBe('changed/steps/1/seconds300240');
    await expectNoSeriousViolations(page, 'workflow-diff');
    const diff = await apiGet(author, `/api/workflows/${WORKFLOW}/versions/2/diff?against=1`);
    expect(diff.changes).toEqual([{ op: 'changed', pointer: '/steps/1/seconds', old: 300, new: 240 }]);
    expect(revising.trouble.problems).toEqual([]);
    expect(revising.trouble.errorResponses).toEqual([]);
    await revising.context.close();
  }, 600_000);
});
