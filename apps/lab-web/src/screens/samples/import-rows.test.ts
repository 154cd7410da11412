// The CSV import's row reading and error mapping, on real CSV text (no browser needed).
import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.ts';
import { IMPORT_MAX_ROWS, readImport, rowErrorsOf } from './import-rows.ts';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, CRLF or LF, and a BOM', () => {
    const text = '\uFEFFa,b\r\n"x, y","say ""hi"""\n"two\nlines",z\n\n';
    expect(parseCsv(text)).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['two\nlines', 'z'],
    ]);
  });

  it('names the line of a quote never closed', () => {
    expect(() => parseCsv('a,b\n1,"open\n2,3')).toThrow('line 2');
  });
});

describe('readImport', () => {
  it('turns rows into bulk items, leaving empty cells out', () => {
    const { items, errors } = readImport('Sample_ID,name,quantity,status\nS-1,first,5,quarantined\nS-2,,,\n');
    expect(errors).toEqual([]);
    expect(items).toEqual([
      { sample_id: 'S-1', name: 'first', quantity: 5, status: 'quarantined' },
      { sample_id: 'S-2' },
    ]);
  });

  it('reports every bad row with its line (the header is line 1) and column', () => {
    const { errors } = readImport(
      'sample_id,quantity,status\nS-1,5,active\nS-2,lots,active\nS-3,1,disposed\n',
    );
    expect(errors).toEqual([
      { line: 3, field: 'quantity', message: 'lots is not a number' },
      { line: 4, field: 'status', message: 'must be active or quarantined' },
    ]);
  });

  it('refuses unknown columns, an empty file and more rows than one bulk call takes', () => {
    expect(readImport('sample_id,colour\nS-1,red').errors[0]).toMatchObject({ line: 1, field: 'header' });
    expect(readImport('').errors[0]?.message).toBe('the file is empty');
    expect(readImport('sample_id\n').errors[0]?.message).toBe('no rows after the header');
    const big = `sample_id\n${Array.from({ length: IMPORT_MAX_ROWS + 1 }, (_, i) => `S-${i}`).join('\n')}`;
    expect(readImport(big).errors[0]?.message).toMatch(/at most 100 per import/);
  });
});

describe('rowErrorsOf', () => {
  it("maps the bulk route's body.samples[i].field errors to file lines", () => {
    const rows = rowErrorsOf({
      title: 'Invalid request',
      status: 400,
      errors: [
        { field: 'body.samples[1].project_id', message: 'no project NOPE' },
        { field: 'body.samples', message: 'must have at most 100 items' },
        { field: 'body.other', message: 'ignored' },
      ],
    });
    expect(rows).toEqual([
      { line: 3, field: 'project_id', message: 'no project NOPE' },
      { line: 0, field: 'row', message: 'must have at most 100 items' },
    ]);
  });
});
