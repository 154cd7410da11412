// A CSV import's rows as bulk-create items, and the API's per-item problems as the file's lines.
import type { Problem } from '../../api/client.ts';
import { parseCsv } from './csv.ts';
import type { NewSample } from './samples-api.ts';

/** What POST /api/samples/bulk takes at once; an import of more rows is refused before it is sent. */
export const IMPORT_MAX_ROWS = 100;
export const COLUMNS = [
  'sample_id',
  'name',
  'lot_number',
  'project_id',
  'batch_id',
  'container_id',
  'status',
  'quantity',
  'unit',
] as const;
type Column = (typeof COLUMNS)[number];
const isColumn = (c: string): c is Column => COLUMNS.some((k) => k === c);

export interface RowError {
  /** Line in the file (the header is line 1); 0 for the file as a whole. */
  line: number;
  field: string;
  message: string;
}

/** The CSV as bulk-create items, or the errors of every row that cannot become one. */
export function readImport(text: string): { items: NewSample[]; errors: RowError[] } {
  let rows: string[][];
  try {
    rows = parseCsv(text);
  } catch (error) {
    return {
      items: [],
      errors: [{ line: 0, field: 'file', message: error instanceof Error ? error.message : String(error) }],
    };
  }
  const [header, ...body] = rows;
  if (!header) return { items: [], errors: [{ line: 0, field: 'file', message: 'the file is empty' }] };
  const columns = header.map((h) => h.trim().toLowerCase());
  const unknown = columns.filter((c) => !isColumn(c));
  if (unknown.length)
    return {
      items: [],
      errors: [
        {
          line: 1,
          field: 'header',
          message: `unknown column(s) ${unknown.join(', ')}; use ${COLUMNS.join(', ')}`,
        },
      ],
    };
  if (body.length === 0)
    return { items: [], errors: [{ line: 0, field: 'file', message: 'no rows after the header' }] };
  if (body.length > IMPORT_MAX_ROWS)
    return {
      items: [],
      errors: [
        { line: 0, field: 'file', message: `${body.length} rows; at most ${IMPORT_MAX_ROWS} per import` },
      ],
    };
  const errors: RowError[] = [];
  const items = body.map((cells, i) => {
    const item: NewSample = {};
    columns.forEach((column, c) => {
      const value = (cells[c] ?? '').trim();
      if (!value || !isColumn(column)) return;
      if (column === 'quantity') {
        const n = Number(value);
        if (Number.isFinite(n)) item.quantity = n;
        else errors.push({ line: i + 2, field: column, message: `${value} is not a number` });
      } else if (column === 'status') {
        if (value === 'active' || value === 'quarantined') item.status = value;
        else errors.push({ line: i + 2, field: column, message: 'must be active or quarantined' });
      } else item[column] = value;
    });
    return item;
  });
  return { items, errors };
}

/** `body.samples[3].project_id` -> line 5 (header is line 1), field project_id. */
export function rowErrorsOf(problem: Problem): RowError[] {
  return (problem.errors ?? []).flatMap((e) => {
    const m = /^body\.samples(?:\[(\d+)\])?\.?(.*)$/.exec(e.field ?? '');
    if (!m) return [];
    return [
      { line: m[1] === undefined ? 0 : Number(m[1]) + 2, field: m[2] || 'row', message: e.message ?? '' },
    ];
  });
}
