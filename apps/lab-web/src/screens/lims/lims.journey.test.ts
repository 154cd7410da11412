// The LIMS journeys in Chromium against the lab on a real port: a batch released with an electronic
// signature (wrong password, then the MFA branch, then the manifestation, checked against the API),
// and stock taken from a lot and a calibration certificate uploaded and downloaded. Any console error,
// page error, failed request or error response other than those the journeys provoke fails them.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserRig,
  dashboardSettled,
  enrolMfa,
  expectNoSeriousViolations,
  type LabUser,
  nextTotpPeriod,
  openPage,
  screenshot,
  signInThroughUi,
  startBrowserRig,
  type Trouble,
  userWithRole,
} from '../../testing/browser-rig.ts';

let rig: BrowserRig;

beforeAll(async () => {
  rig = await startBrowserRig();
});
afterAll(async () => {
  await rig?.close();
});

async function call(user: LabUser, method: 'GET' | 'POST', url: string, payload?: object) {
  const res = await rig.lab.app.inject({ method, url, headers: user.auth, ...(payload ? { payload } : {}) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json();
}

/** A UTC calendar day `days` from today. */
const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** Opens an area from the navigation (a reload would end the in-memory session); a failure says why. */
async function openArea(page: Page, trouble: Trouble, label: string, heading: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
  await page
    .getByRole('heading', { name: heading, level: 1 })
    .waitFor()
    .catch((error: Error) => {
      throw new Error(`${error.message}\n${[...trouble.problems, ...trouble.errorResponses].join('\n')}`);
    });
}

describe('LIMS journeys in Chromium', () => {
  it('releases a batch with an electronic signature: wrong password, MFA code, manifestation', async () => {
    const creator = await userWithRole(rig.lab, 'scientist');
    const signer = await userWithRole(rig.lab, 'admin');
    const totp = await enrolMfa(rig.lab, signer);
    await call(creator, 'POST', '/api/projects', { project_id: 'UI-STAB', name: 'UI stability study' });
    await call(creator, 'POST', '/api/batches', {
      batch_id: 'UI-STAB-B01',
      project_id: 'UI-STAB',
      description: 'T0 pull',
    });
    await call(creator, 'POST', '/api/containers', {
      container_id: 'UI-BOX-1',
      container_type: 'cryobox-81',
      location: 'Site A/Freezer F-80-1/Shelf 3',
      capacity: 81,
    });
    await call(creator, 'POST', '/api/samples', {
      sample_id: 'UI-S-0001',
      container_id: 'UI-BOX-1',
      batch_id: 'UI-STAB-B01',
      project_id: 'UI-STAB',
    });

    const { context, page, trouble } = await openPage(rig);
    // Signing in with MFA: the password alone answers mfa-required, then the code.
    await page.goto(`${rig.baseUrl}/sign-in`);
    await page.getByLabel('Email').fill(signer.email);
    await page.getByLabel('Password').fill(signer.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Authentication code').fill(totp.generate());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await dashboardSettled(page);

    await openArea(page, trouble, 'Projects', 'Projects');
    await page.getByRole('link', { name: 'UI-STAB', exact: true }).waitFor();
    await expectNoSeriousViolations(page, 'projects');
    await screenshot(page, 'lims-projects');

    await openArea(page, trouble, 'Containers', 'Containers');
    await page
      .getByRole('row', { name: /UI-BOX-1/ })
      .getByRole('cell', { name: '1 / 81' })
      .waitFor();
    await expectNoSeriousViolations(page, 'containers');
    await screenshot(page, 'lims-containers');

    await openArea(page, trouble, 'Batches', 'Batches');
    await page.getByRole('link', { name: 'UI-STAB-B01' }).click();
    await page.getByRole('heading', { name: 'Batch UI-STAB-B01' }).waitFor();
    const status = page.getByRole('status', { name: 'Batch status' });
    await expect.poll(() => status.textContent()).toBe('active');
    await page.getByRole('cell', { name: 'UI-S-0001' }).waitFor();
    await expectNoSeriousViolations(page, 'batch detail');
    await screenshot(page, 'lims-batch');

    await page.getByRole('button', { name: 'Release…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Release batch UI-STAB-B01' });
    await dialog.waitFor();
    // The record and the meaning are shown before anything is signed.
    const record = dialog.locator('#signature-record');
    expect(await record.textContent()).toContain('Batch UI-STAB-B01');
    expect(await record.textContent()).toContain('approved — the batch is released');
    expect(await dialog.getByLabel('User ID (email)').inputValue()).toBe(signer.email);
    await expectNoSeriousViolations(page, 'signature dialog');

    await dialog.getByLabel('Password').fill(`${signer.password}-wrong`);
    await dialog.getByLabel('Reason').fill('QA release after review');
    await dialog.getByRole('button', { name: 'Sign' }).click();
    // The refusal sits next to the password field and is tied to it for screen readers.
    const passwordError = dialog.locator('#sign-password-error');
    await expect.poll(() => passwordError.textContent()).toMatch(/incorrect/);
    expect(await dialog.getByLabel('Password').getAttribute('aria-describedby')).toBe('sign-password-error');
    await screenshot(page, 'lims-signature-wrong-password');

    // The right password on an MFA account: the API asks for the code and the dialog shows its field.
    await dialog.getByLabel('Password').fill(signer.password);
    await dialog.getByRole('button', { name: 'Sign' }).click();
    await dialog.getByLabel('Authentication code').waitFor();
    await nextTotpPeriod(totp); // the sign-in used this period's code
    await dialog.getByLabel('Authentication code').fill(totp.generate());
    await dialog.getByRole('button', { name: 'Sign' }).click();

    const manifestation = dialog.getByRole('status');
    await manifestation.waitFor();
    const shown = await manifestation.locator('dd').allTextContents();
    await expectNoSeriousViolations(page, 'signature manifestation');
    await screenshot(page, 'lims-signature-manifestation');

    const batch = await call(signer, 'GET', '/api/batches/UI-STAB-B01');
    expect(batch.status).toBe('released');
    expect(batch.decided_by).toBe(signer.email);
    const { items } = await call(signer, 'GET', '/api/signatures?record_type=batch&record_id=UI-STAB-B01');
    expect(items).toHaveLength(1);
    const [signature] = items;
    expect(signature).toMatchObject({
      id: batch.decision_signature_id,
      signer_email: signer.email,
      signer_name: 'Test admin',
      meaning: 'approved',
      reason: 'QA release after review',
    });
    // Printed name, UTC time and meaning, as the API recorded them.
    expect(shown).toEqual([signature.signer_name, signature.signed_at, 'approved']);
    expect(signature.signed_at).toMatch(/Z$/);

    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => status.textContent()).toBe('released');
    await page.getByRole('listitem').filter({ hasText: 'QA release after review' }).waitFor();
    expect(await page.getByRole('button', { name: 'Release…' }).isDisabled()).toBe(true);

    expect(trouble.problems).toEqual([]);
    expect(trouble.errorResponses).toEqual([
      'POST /auth/login 401',
      'POST /api/batches/UI-STAB-B01/release 401',
      'POST /api/batches/UI-STAB-B01/release 401',
    ]);
    await context.close();
  });

  it('takes stock from a lot and sees the low-stock alert; uploads and downloads a certificate', async () => {
    const user = await userWithRole(rig.lab, 'admin');
    await call(user, 'POST', '/api/inventory/items', {
      item_code: 'UI-ACN',
      name: 'Acetonitrile, HPLC grade',
      category: 'solvent',
      unit: 'mL',
      reorder_point: 10,
    });
    await call(user, 'POST', '/api/inventory/lots', {
      lot_number: 'UI-LOT-1',
      item_code: 'UI-ACN',
      quantity: 12,
      expiration_date: day(10),
    });
    await call(user, 'POST', '/api/devices', {
      device_id: 'UI-BAL-01',
      vendor: 'Mettler',
      model: 'XPR205',
      serial_number: 'SN-UI-1',
      device_type: 'balance',
    });
    await call(user, 'POST', '/api/devices', {
      device_id: 'UI-PH-01',
      vendor: 'Hanna',
      model: 'HI5522',
      serial_number: 'SN-UI-2',
      device_type: 'ph-meter',
    });
    await call(user, 'POST', '/api/calibration', {
      device_id: 'UI-PH-01',
      calibration_date: day(-200),
      next_due_date: day(-20),
      result: 'valid',
    });

    const { context, page, trouble } = await openPage(rig);
    await signInThroughUi(page, rig.baseUrl, user);

    // Inventory: the lot expires within 30 days; nothing is low yet.
    await openArea(page, trouble, 'Inventory', 'Inventory');
    const lowStock = page.getByRole('region', { name: 'Low stock' });
    await lowStock.getByText('No item is below its reorder point.').waitFor();
    await page
      .getByRole('region', { name: /Expiring within/ })
      .getByText(/Lot UI-LOT-1/)
      .waitFor();
    await expectNoSeriousViolations(page, 'inventory');
    await screenshot(page, 'inventory');

    await page.getByRole('table').getByRole('link', { name: 'UI-ACN' }).click();
    const stock = page.getByRole('status', { name: 'Current stock' });
    await expect.poll(() => stock.textContent()).toBe('12 mL');
    // More than is left: the 409 problem is shown, nothing changes.
    await page.getByLabel('Quantity', { exact: true }).first().fill('100');
    await page.getByRole('button', { name: 'Consume' }).click();
    await page.getByRole('alert').waitFor();
    expect(await stock.textContent()).toBe('12 mL');
    await page.getByLabel('Quantity', { exact: true }).first().fill('5');
    await page.getByLabel('Reason (optional)').fill('Mobile phase');
    await page.getByRole('button', { name: 'Consume' }).click();
    await expect.poll(() => stock.textContent()).toBe('7 mL');
    await expectNoSeriousViolations(page, 'inventory item');
    await screenshot(page, 'inventory-item');
    const item = await call(user, 'GET', '/api/inventory/items/UI-ACN');
    expect(item.current_stock).toBe(7);
    expect(item.lots[0].quantity_remaining).toBe(7);

    await page.getByRole('link', { name: '← Inventory' }).click();
    await lowStock.getByRole('link', { name: 'UI-ACN' }).waitFor();
    const low = await call(user, 'GET', '/api/inventory/alerts/low-stock');
    expect(low.items.map((i: { item_code: string }) => i.item_code)).toEqual(['UI-ACN']);

    // Devices: the overdue one is listed; a calibration recorded here takes a certificate.
    await openArea(page, trouble, 'Devices', 'Devices and calibration');
    await page
      .getByRole('region', { name: 'Calibration overdue' })
      .getByRole('link', { name: 'UI-PH-01' })
      .waitFor();
    await expectNoSeriousViolations(page, 'devices');
    await screenshot(page, 'devices');

    await page.getByRole('table').getByRole('link', { name: 'UI-BAL-01' }).click();
    await page.getByRole('heading', { name: 'Device UI-BAL-01' }).waitFor();
    await page.getByLabel('Calibrated on').fill(day(0));
    await page.getByLabel('Next due').fill(day(180));
    await page.getByLabel('Reference standard').fill('OIML E2 weight set');
    await page.getByRole('button', { name: 'Record calibration' }).click();
    const certificateInput = page.getByLabel(/^Certificate of/);
    await certificateInput.waitFor();
    const pdf = Buffer.from(
      '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
    );
    await certificateInput.setInputFiles({
      name: 'UI-BAL-01-cal.pdf',
      mimeType: 'application/pdf',
      buffer: pdf,
    });
    await page.getByRole('button', { name: 'Upload' }).click();
    const downloadButton = page.getByRole('button', { name: 'Download UI-BAL-01-cal.pdf' });
    await downloadButton.waitFor();
    await expectNoSeriousViolations(page, 'device detail');
    await screenshot(page, 'device');

    const [download] = await Promise.all([page.waitForEvent('download'), downloadButton.click()]);
    expect(download.suggestedFilename()).toBe('UI-BAL-01-cal.pdf');
    expect(await readFile(await download.path())).toEqual(pdf);
    const history = await call(user, 'GET', '/api/calibration/device/UI-BAL-01');
    expect(history.items).toHaveLength(1);
    expect(history.items[0]).toMatchObject({ has_certificate: true, certificate_size: pdf.length });

    expect(trouble.problems).toEqual([]);
    expect(trouble.errorResponses).toEqual(['POST /api/inventory/lots/UI-LOT-1/consume 409']);
    await context.close();
  });
});
