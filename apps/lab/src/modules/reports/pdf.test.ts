import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPdf } from '../../testing/pdf-pages.ts';
import { renderReportPdf } from './pdf.ts';
import type { RecordReport } from './schemas.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polymorph-report-pdf-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const report: RecordReport = {
  record_type: 'sample',
  record_id: 'S-PDF-1',
  generated_at: '2026-03-01T14:05:09Z',
  notice: 'Copy generated from the system of record.',
  values: { sample_id: 'S-PDF-1', name: 'Form Ω 晶 at 25 °C' },
  audit_trail: [],
  signatures: [],
  sections: [
    {
      kind: 'table',
      title: 'Rows',
      columns: [
        { key: 'n', label: 'n' },
        { key: 'text', label: 'Text' },
      ],
      // Enough rows to run over several pages: the header repeats on each.
      rows: Array.from({ length: 150 }, (_, n) => ({ n, text: `row ${n}` })),
    },
  ],
  verification: {
    intact: true,
    findings: [],
    audit_chain: { status: 'valid', checked: 3, first_invalid_seq: null, reason: null },
    record_hash: 'ab'.repeat(32),
    audited_state: { checked: false, last_seq: null, differing_fields: [] },
    signatures: { count: 0, current: 0, earlier_version: 0, invalid: 0 },
  },
};

async function bytesOf(r: RecordReport): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await renderReportPdf(r)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

describe('report PDF', () => {
  it('the same report gives the same bytes (the generation time is the report’s, not the clock’s)', async () => {
    const [a, b] = [await bytesOf(report), await bytesOf(report)];
    expect(a.equals(b)).toBe(true);
    expect((await bytesOf({ ...report, generated_at: '2026-03-01T14:05:10Z' })).equals(a)).toBe(false);
  });

  it('prints characters outside Latin-1 as ?, keeps Latin-1 ones, and repeats a long table’s header on every page', async () => {
    const pdf = await renderPdf(dir, 'latin', await bytesOf(report));
    expect(pdf.text).toContain('name: Form ? ? at 25 °C');
    expect(pdf.inkPerPage.length).toBeGreaterThan(2);
    const pages = pdf.text.split(/Page \d+ of \d+/).slice(1, -1);
    for (const page of pages) expect(page).toContain('n Text');
    expect(pdf.text).toContain('row 149');
    expect(pdf.text).toContain(`Page ${pdf.inkPerPage.length} of ${pdf.inkPerPage.length}`);
  });
});
