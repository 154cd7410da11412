// The PDF of a record report, drawn from the JSON report (one source of truth) with pdfkit; charts are
// vega SVG placed by svg-to-pdfkit. Times print as `YYYY-MM-DD HH:MM:SS UTC`.
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { canonicalJson } from '../../platform/audit/canonical-hash.ts';
import { chartSvg } from './charts.ts';
import type { RecordReport, ReportSection } from './schemas.ts';

type Doc = PDFKit.PDFDocument;
type Table = Extract<ReportSection, { kind: 'table' }>;

const MARGIN = { top: 64, bottom: 64, left: 48, right: 48 };
const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const MONO = 'Courier';
/** Longest before/after text printed per event; the JSON report holds the whole value. */
const MAX_VALUE_CHARS = 1200;

/** `YYYY-MM-DD HH:MM:SS UTC`, the manifestation's format. */
export function utcText(isoTime: string): string {
  return `${isoTime.slice(0, 10)} ${isoTime.slice(11, 19)} UTC`;
}

/**
 * The standard PDF fonts encode WinAnsi only: characters outside Latin-1 print as `?` rather than as
 * wrong glyphs (the JSON report keeps them exactly).
 */
export function printable(text: string): string {
  return text.replace(/[^\n\x20-\x7e\xa0-\xff]/g, '?');
}

/** The report as a PDF stream; every page carries the record, the page number and the copy notice. */
export async function renderReportPdf(report: RecordReport): Promise<Doc> {
  const svgs = new Map<ReportSection, string>();
  for (const s of report.sections) if (s.kind === 'chart') svgs.set(s, await chartSvg(s));
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGIN,
    bufferPages: true,
    info: {
      Title: `Record report ${report.record_type} ${report.record_id}`,
      Creator: 'POLYMORPH-LITE',
      CreationDate: new Date(report.generated_at),
    },
  });
  title(doc, report);
  verificationBanner(doc, report);
  heading(doc, 'Current values');
  fieldLines(
    doc,
    Object.entries(report.values).map(([k, v]) => [k, valueText(v)]),
  );
  signaturesBlock(doc, report);
  verificationBlock(doc, report);
  for (const section of report.sections) sectionBlock(doc, section, svgs.get(section));
  auditTrailBlock(doc, report);
  pageFurniture(doc, report);
  doc.end();
  return doc;
}

function title(doc: Doc, report: RecordReport): void {
  doc
    .font(BOLD)
    .fontSize(16)
    .text(printable(`Record report: ${report.record_type} ${report.record_id}`));
  doc.font(FONT).fontSize(9).fillColor('#444');
  doc.text(`Generated ${utcText(report.generated_at)}. ${report.notice}`);
  doc.fillColor('black').moveDown(0.6);
}

/** Prominent: tamper evidence in a red box, or a green line when everything verifies. */
function verificationBanner(doc: Doc, report: RecordReport): void {
  const v = report.verification;
  const lines = v.intact
    ? [
        `VERIFIED: the audit chain is ${v.audit_chain.status}, this record's audit events and signatures match the record as it is now.`,
      ]
    : ['TAMPER EVIDENCE: this record does not verify.', ...v.findings];
  const width = doc.page.width - MARGIN.left - MARGIN.right;
  doc.font(BOLD).fontSize(10);
  const text = printable(lines.join('\n'));
  const height = doc.heightOfString(text, { width: width - 16 }) + 12;
  ensureSpace(doc, height + 8);
  const y = doc.y;
  const [fill, stroke] = v.intact ? ['#e8f5e9', '#2e7d32'] : ['#ffebee', '#c62828'];
  doc.save().rect(MARGIN.left, y, width, height).fillAndStroke(fill, stroke).restore();
  doc.fillColor(stroke).text(text, MARGIN.left + 8, y + 6, { width: width - 16 });
  doc.fillColor('black').font(FONT);
  placeAt(doc, y + height + 8);
}

function heading(doc: Doc, text: string): void {
  ensureSpace(doc, 48);
  doc.moveDown(0.5).font(BOLD).fontSize(12).text(printable(text), MARGIN.left).font(FONT).fontSize(9);
  doc.moveDown(0.2);
}

function fieldLines(doc: Doc, fields: [string, string][]): void {
  doc.fontSize(9);
  for (const [label, value] of fields) {
    doc.font(BOLD).text(`${printable(label)}: `, MARGIN.left, undefined, { continued: true });
    doc.font(FONT).text(printable(value));
  }
}

function valueText(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'string') return value;
  return typeof value === 'object' ? canonicalJson(value) : String(value);
}

function signaturesBlock(doc: Doc, report: RecordReport): void {
  heading(doc, 'Signatures (21 CFR 11.50)');
  if (report.signatures.length === 0) doc.text('This record carries no electronic signature.');
  for (const s of report.signatures) {
    ensureSpace(doc, 40);
    doc.font(BOLD).text(printable(s.manifestation), MARGIN.left);
    const state = s.current ? 'matches the record as it is now' : 'signed an earlier version of the record';
    doc
      .font(FONT)
      .text(
        printable(
          `Printed name: ${s.signer_name}. Signed: ${utcText(s.signed_at)}. Meaning: ${s.meaning}. Reason: ${s.reason ?? '-'}.`,
        ),
      );
    doc.text(
      `Record hash signed: ${s.record_hash} (${state}); server signature ${s.signature_valid ? 'valid' : 'INVALID'} (key ${s.key_id}).`,
    );
    doc.moveDown(0.3);
  }
}

function verificationBlock(doc: Doc, report: RecordReport): void {
  const v = report.verification;
  heading(doc, 'Verification');
  const chain = v.audit_chain;
  fieldLines(doc, [
    [
      'Audit chain',
      chain.status === 'broken'
        ? `broken at seq ${chain.first_invalid_seq} (${chain.reason}), ${chain.checked} events checked`
        : `${chain.status}, ${chain.checked} events checked`,
    ],
    ['Record hash (SHA-256, canonical JSON)', v.record_hash],
    [
      'Record against its audit trail',
      !v.audited_state.checked
        ? 'not compared for this record type'
        : v.audited_state.differing_fields.length > 0
          ? `differs from event ${v.audited_state.last_seq}: ${v.audited_state.differing_fields.join(', ')}`
          : v.audited_state.last_seq === null
            ? 'no audit event records it'
            : `matches event ${v.audited_state.last_seq}`,
    ],
    [
      'Signatures',
      `${v.signatures.count}: ${v.signatures.current} current, ${v.signatures.earlier_version} over an earlier version, ${v.signatures.invalid} invalid`,
    ],
    ['Result', v.intact ? 'intact' : `NOT INTACT: ${v.findings.length} finding(s), listed at the top`],
  ]);
}

function sectionBlock(doc: Doc, section: ReportSection, svg: string | undefined): void {
  const chartHeight = (doc.page.width - MARGIN.left - MARGIN.right) * 0.5;
  // A chart stays on the page of its heading.
  if (section.kind === 'chart') ensureSpace(doc, chartHeight + 48);
  heading(doc, section.title);
  if (section.kind === 'fields')
    fieldLines(
      doc,
      section.fields.map((f) => [f.label, f.value]),
    );
  if (section.kind === 'table') table(doc, section);
  if (section.kind === 'chart' && svg) {
    const width = doc.page.width - MARGIN.left - MARGIN.right;
    SVGtoPDF(doc, svg, MARGIN.left, doc.y, {
      width,
      height: chartHeight,
      preserveAspectRatio: 'xMinYMin meet',
    });
    placeAt(doc, doc.y + chartHeight);
  }
  if (section.kind !== 'fields' && section.note) {
    doc
      .fontSize(8)
      .fillColor('#444')
      .text(printable(section.note), MARGIN.left)
      .fillColor('black')
      .fontSize(9);
  }
}

/** A table with wrapped cells; a row that does not fit starts a new page, with the header again. */
function table(doc: Doc, t: Table): void {
  if (t.rows.length === 0) {
    doc.text('None.', MARGIN.left);
    return;
  }
  const widths = columnWidths(t, doc.page.width - MARGIN.left - MARGIN.right);
  const header = cells(t, Object.fromEntries(t.columns.map((c) => [c.key, c.label])));
  const headerHeight = rowHeight(doc, header, widths, BOLD);
  ensureSpace(doc, headerHeight * 2);
  drawRow(doc, header, widths, BOLD);
  for (const row of t.rows.map((r) => cells(t, r))) {
    if (ensureSpace(doc, rowHeight(doc, row, widths, FONT))) drawRow(doc, header, widths, BOLD);
    drawRow(doc, row, widths, FONT);
  }
}

/** Proportional to each column's longest text (4 to 60 characters), plus room for the padding. */
function columnWidths(t: Table, width: number): number[] {
  const longest = t.columns.map(
    (c) => Math.min(60, Math.max(4, c.label.length, ...t.rows.map((r) => cellText(r[c.key]).length))) + 2,
  );
  const total = longest.reduce((a, b) => a + b, 0);
  return longest.map((n) => (n / total) * width);
}

const cellText = (v: string | number | null | undefined): string =>
  v === null || v === undefined ? '-' : String(v);

const cells = (t: Table, row: Record<string, string | number | null>) =>
  t.columns.map((c) => printable(cellText(row[c.key])));

function rowHeight(doc: Doc, texts: string[], widths: number[], font: string): number {
  doc.font(font).fontSize(8);
  return Math.max(...texts.map((s, i) => doc.heightOfString(s, { width: widths[i]! - 4 }))) + 4;
}

function drawRow(doc: Doc, texts: string[], widths: number[], font: string): void {
  const height = rowHeight(doc, texts, widths, font);
  const y = doc.y;
  let x = MARGIN.left;
  texts.forEach((s, i) => {
    doc.text(s, x + 2, y + 2, { width: widths[i]! - 4 });
    x += widths[i]!;
  });
  const right = MARGIN.left + widths.reduce((a, b) => a + b, 0);
  doc
    .moveTo(MARGIN.left, y + height)
    .lineTo(right, y + height)
    .lineWidth(0.3)
    .strokeColor('#999')
    .stroke();
  doc.font(FONT).fontSize(9);
  placeAt(doc, y + height);
}

function auditTrailBlock(doc: Doc, report: RecordReport): void {
  heading(doc, `Audit trail (${report.audit_trail.length} events)`);
  for (const e of report.audit_trail) {
    ensureSpace(doc, 36);
    const altered = e.hash_valid ? '' : '  [ALTERED: hash does not match]';
    doc
      .font(BOLD)
      .fontSize(9)
      .text(printable(`#${e.seq}  ${utcText(e.ts)}  ${e.actor}  ${e.action}${altered}`), MARGIN.left);
    doc.font(FONT).fontSize(8);
    if (e.reason) doc.text(printable(`Reason: ${e.reason}`));
    for (const [label, text] of changeLines(e.before, e.after)) {
      doc.font(BOLD).text(`${label}: `, { continued: true }).font(MONO).text(printable(text));
    }
    doc.moveDown(0.3);
  }
}

/** Before and after: the fields that changed when both are objects, else each value whole (shortened). */
function changeLines(before: unknown, after: unknown): [string, string][] {
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    const changed = keys.filter((k) => canonicalJson(before[k] ?? null) !== canonicalJson(after[k] ?? null));
    if (changed.length === 0) return [['Before = after', 'no field changed']];
    return changed.map((k) => [k, `${shorten(valueText(before[k]))} -> ${shorten(valueText(after[k]))}`]);
  }
  const lines: [string, string][] = [];
  if (before !== null && before !== undefined) lines.push(['Before', shorten(valueText(before))]);
  if (after !== null && after !== undefined) lines.push(['After', shorten(valueText(after))]);
  return lines;
}

const shorten = (text: string) =>
  text.length <= MAX_VALUE_CHARS
    ? text
    : `${text.slice(0, MAX_VALUE_CHARS)} ... (${text.length} characters; whole in the JSON report)`;

/**
 * Moves the cursor to the left margin at `y`. Not `doc.text('', x, y)`: an empty line near the bottom
 * makes pdfkit start a page of its own, which the table's page-break (and its header) would not see.
 */
function placeAt(doc: Doc, y: number): void {
  doc.x = MARGIN.left;
  doc.y = y;
}

/** Starts a new page when `height` does not fit above the bottom margin; true when it did. */
function ensureSpace(doc: Doc, height: number): boolean {
  if (doc.y + height <= doc.page.height - MARGIN.bottom) return false;
  doc.addPage();
  return true;
}

/** Header and footer on every page, written once the page count is known. */
function pageFurniture(doc: Doc, report: RecordReport): void {
  const range = doc.bufferedPageRange();
  const width = doc.page.width - MARGIN.left - MARGIN.right;
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing inside the margins must not make pdfkit start a page of its own.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font(FONT).fontSize(8).fillColor('#444');
    doc.text(printable(`${report.record_type} ${report.record_id}`), MARGIN.left, 30, {
      width,
      align: 'left',
      lineBreak: false,
    });
    doc.text('POLYMORPH-LITE record report', MARGIN.left, 30, { width, align: 'right', lineBreak: false });
    const y = doc.page.height - 44;
    doc.text(report.notice, MARGIN.left, y, { width, lineBreak: false });
    doc.text(`Generated ${utcText(report.generated_at)}`, MARGIN.left, y + 11, { width, lineBreak: false });
    doc.text(`Page ${i - range.start + 1} of ${range.count}`, MARGIN.left, y + 11, {
      width,
      align: 'right',
      lineBreak: false,
    });
    doc.fillColor('black');
    doc.page.margins.bottom = bottom;
  }
}
