import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JcampError, parseJcamp, writeJcamp } from './jcamp.ts';
import { linspace, lorentzians } from './test-spectra.ts';

const fixture = readFileSync(new URL('./fixtures/form-i-fragment.jdx', import.meta.url), 'utf8');

describe('parseJcamp', () => {
  it('reads an XYDATA=(X++(Y..Y)) file: title, units, x from FIRSTX/DELTAX, y scaled by YFACTOR', () => {
    const s = parseJcamp(fixture);
    expect(s.title).toBe('Form I (synthetic), 1100-1162 cm-1 fragment');
    expect(s.xUnits).toBe('1/CM');
    expect(s.yUnits).toBe('ARBITRARY UNITS');
    expect(s.x).toHaveLength(32);
    expect(s.x[0]).toBe(1100);
    expect(s.x[31]).toBe(1162);
    expect(s.y[0]).toBeCloseTo(1.18, 10);
    expect(s.y[16]).toBeCloseTo(86.52, 10);
  });

  it('throws a JcampError naming what is wrong with malformed input', () => {
    expect(() => parseJcamp('just some text')).toThrow(/no ##TITLE= record/);
    expect(() => parseJcamp('##TITLE=x\n##XYDATA=(X++(Y..Y))\n1 2 3\n')).toThrow(/not closed by ##END=/);
    expect(() => parseJcamp('##TITLE=x\n##JCAMP-DX=4.24\n##END=')).toThrow(JcampError);
    expect(() => parseJcamp('##TITLE=x\n##JCAMP-DX=4.24\n##END=')).toThrow(/holds no spectrum/);
  });
});

describe('writeJcamp', () => {
  it('writes a spectrum that parseJcamp reads back', () => {
    const x = linspace(200, 1800, 101);
    const y = lorentzians([{ center: 1000, fwhm: 20, height: 5 }], x);
    const back = parseJcamp(writeJcamp({ x, y }, { title: 'round trip' }));
    expect(back.title).toBe('round trip');
    expect(back.x).toHaveLength(101);
    for (let i = 0; i < 101; i++) {
      expect(back.x[i]).toBeCloseTo(x[i]!, 6);
      expect(back.y[i]).toBeCloseTo(y[i]!, 6);
    }
  });

  it('resamples an uneven axis onto an even one with as many points', () => {
    const x = linspace(0, 1, 64).map((u) => 200 + 1600 * u ** 1.2);
    const y = x.map((v) => 0.01 * v);
    const back = parseJcamp(writeJcamp({ x, y }, { title: 'uneven', yUnits: 'COUNTS' }));
    expect(back.yUnits).toBe('COUNTS');
    expect(back.x).toHaveLength(64);
    expect(back.x[1]! - back.x[0]!).toBeCloseTo(back.x[63]! - back.x[62]!, 6);
    for (let i = 0; i < 64; i++) expect(back.y[i]).toBeCloseTo(0.01 * back.x[i]!, 4);
  });
});
