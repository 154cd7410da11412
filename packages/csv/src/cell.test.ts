import { describe, expect, it } from 'vitest';
import { csvCell, csvRow } from './cell.ts';

describe('csvCell', () => {
  it('writes ordinary values unchanged', () => {
    expect(csvCell('Mumbai')).toBe('Mumbai');
    expect(csvCell('Debit Card')).toBe('Debit Card');
    expect(csvCell('2025-01-01 09:30:00')).toBe('2025-01-01 09:30:00');
    expect(csvCell('')).toBe('');
    expect(csvCell("O'Brien")).toBe("O'Brien");
  });

  it('writes null and undefined as the empty field', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
  });

  it('writes numbers, bigints and booleans as they print, negative ones included', () => {
    expect(csvCell(0)).toBe('0');
    expect(csvCell(1234.5)).toBe('1234.5');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(-1e-7)).toBe('-1e-7');
    expect(csvCell(12n)).toBe('12');
    expect(csvCell(true)).toBe('true');
  });

  it('prefixes a quote to text a spreadsheet would run as a formula', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+1+1')).toBe("'+1+1");
    expect(csvCell('-2+3+cmd|" /C calc"!A0')).toBe(`"'-2+3+cmd|"" /C calc""!A0"`);
    expect(csvCell('@SUM(A1:A9)')).toBe("'@SUM(A1:A9)");
    expect(csvCell('=HYPERLINK("http://x.invalid","click")')).toBe(
      `"'=HYPERLINK(""http://x.invalid"",""click"")"`,
    );
    expect(csvCell('\t=1+1')).toBe("'\t=1+1");
    // a leading CR is guarded and, as it is a line break character, quoted too
    expect(csvCell('\r=1+1')).toBe(`"'\r=1+1"`);
    expect(csvCell('-')).toBe("'-");
  });

  it('leaves text that is a plain decimal number alone', () => {
    expect(csvCell('-12')).toBe('-12');
    expect(csvCell('-12.50')).toBe('-12.50');
    expect(csvCell('-1.5e3')).toBe('-1.5e3');
    expect(csvCell('-12abc')).toBe("'-12abc");
    expect(csvCell('-1-1')).toBe("'-1-1");
  });

  it('quotes fields with quotes, commas and line breaks', () => {
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('Food, Dining')).toBe('"Food, Dining"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('line\r\nbreak')).toBe('"line\r\nbreak"');
    expect(csvCell('"')).toBe('""""');
  });

  it('writes objects as JSON, quoted when the JSON needs it', () => {
    expect(csvCell({ a: 1, b: 'x' })).toBe('"{""a"":1,""b"":""x""}"');
    expect(csvCell([1])).toBe('[1]');
    expect(csvCell(['=1'])).toBe('"[""=1""]"');
  });
});

describe('csvRow', () => {
  it('joins cells with commas and ends no line', () => {
    expect(csvRow(['a', null, 3, 'b,c', '=x'])).toBe(`a,,3,"b,c",'=x`);
    expect(csvRow([])).toBe('');
    expect(csvRow([undefined])).toBe('');
  });
});
