import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Row, readHeader } from '../transactions/read.ts';
import { type Column, CUSTOMER_COLUMNS, MERCHANT_COLUMNS, TXN_COLUMNS } from './schema.ts';
import { generate, REPO_ROOT, readAll } from './test-helpers.ts';

const DOC = path.join(REPO_ROOT, 'docs/synfinance/schema.md');

/** Parse the `| column | type | nullable | description |` table under a `## title` heading. */
function docTable(title: string): Column[] {
  const md = fs.readFileSync(DOC, 'utf8');
  const start = md.indexOf(`## ${title}\n`);
  expect(start, `section ${title}`).toBeGreaterThanOrEqual(0);
  const rest = md.slice(start + title.length + 4);
  const end = rest.indexOf('\n## ');
  const lines = (end < 0 ? rest : rest.slice(0, end)).split('\n').filter((l) => l.startsWith('| '));
  return lines.slice(1).map((l) => {
    const [name, type, nullable] = l
      .split('|')
      .slice(1, 4)
      .map((x) => x.trim());
    // timestamp columns name their text form: `timestamp (IST)` or `timestamp (UTC)`
    const time = /^timestamp \((IST|UTC)\)$/.exec(type!)?.[1];
    if (time)
      return {
        name: name!,
        type: 'timestamp',
        nullable: nullable === 'yes',
        time: time === 'IST' ? 'ist' : 'utc',
      };
    return { name: name!, type: type as Column['type'], nullable: nullable === 'yes' };
  });
}

function checkValue(col: Column, v: unknown, csv: boolean): string | null {
  const isNull = v === null || v === undefined || (csv && v === '');
  if (isNull) return col.nullable ? null : `${col.name} is null`;
  const s = String(v);
  if (col.type === 'int' && !/^-?\d+$/.test(s)) return `${col.name} not int: ${s}`;
  if (col.type === 'bool' && s !== '0' && s !== '1') return `${col.name} not 0/1: ${s}`;
  if (col.type === 'timestamp' && col.time === 'ist' && !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(s))
    return `${col.name} not YYYY-MM-DD HH:MM:SS: ${s}`;
  if (col.type === 'timestamp' && col.time === 'utc' && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(s))
    return `${col.name} not YYYY-MM-DDTHH:MM:SSZ: ${s}`;
  if (col.type === 'timestamp' && col.time === undefined) return `${col.name}: no time text form declared`;
  if (col.type === 'float' && !Number.isFinite(Number(s))) return `${col.name} not float: ${s}`;
  if (col.type === 'json') {
    try {
      JSON.parse(s);
    } catch {
      return `${col.name} not JSON: ${s}`;
    }
  }
  if (!csv && (col.type === 'int' || col.type === 'float' || col.type === 'bool') && typeof v !== 'number')
    return `${col.name} not a JSON number`;
  return null;
}

describe('docs/synfinance/schema.md matches the output', () => {
  let dir = '';
  let file = '';
  let rows: Row[] = [];
  beforeAll(async () => {
    const g = await generate(20_000, 'jsonl', { fraudRate: 0.05 });
    dir = g.dir;
    file = g.file;
    rows = await readAll(file);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('documents every column, in order, with type and nullability', () => {
    expect(docTable('transactions')).toEqual([...TXN_COLUMNS]);
    expect(docTable('customers')).toEqual([...CUSTOMER_COLUMNS]);
    expect(docTable('merchants')).toEqual([...MERCHANT_COLUMNS]);
  });

  it('real output has exactly the documented columns and value types (JSONL and CSV)', async () => {
    const doc = docTable('transactions');
    expect(Object.keys(rows[0]!)).toEqual(doc.map((c) => c.name));
    const errors = new Set<string>();
    for (const r of rows) {
      expect(Object.keys(r).length).toBe(doc.length);
      for (const c of doc) {
        const e = checkValue(c, r[c.name], false);
        if (e) errors.add(e);
      }
    }
    expect([...errors]).toEqual([]);
    // nullable columns really are null sometimes, so the doc is not just permissive
    for (const c of doc.filter((x) => x.nullable))
      expect(
        rows.some((r) => r[c.name] === null),
        c.name,
      ).toBe(true);

    const csv = await generate(3000, 'csv');
    expect(await readHeader(csv.file)).toEqual(doc.map((c) => c.name));
    const custDoc = docTable('customers');
    expect(await readHeader(csv.file.replace('.csv', '.customers.csv'))).toEqual(custDoc.map((c) => c.name));
    expect(await readHeader(csv.file.replace('.csv', '.merchants.csv'))).toEqual(
      docTable('merchants').map((c) => c.name),
    );
    for (const r of await readAll(csv.file)) {
      for (const c of doc) {
        const e = checkValue(c, r[c.name], true);
        if (e) errors.add(e);
      }
    }
    expect([...errors]).toEqual([]);
    fs.rmSync(csv.dir, { recursive: true, force: true });
  });
});
