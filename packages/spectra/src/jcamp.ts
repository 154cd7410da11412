/**
 * JCAMP-DX, the exchange format of spectroscopy: reading with cheminfo's jcampconverter, and a small
 * writer for one-dimensional spectra in the compressed-free AFFN form XYDATA=(X++(Y..Y)).
 */
import { convert } from 'jcampconverter';
import { resample } from './preprocess.ts';
import type { Spectrum } from './spectrum.ts';

export class JcampError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JcampError';
  }
}

export interface JcampSpectrum {
  title: string;
  x: number[];
  y: number[];
  xUnits: string;
  yUnits: string;
}

/** The first spectrum of a JCAMP-DX text, x ascending; throws JcampError saying what is wrong. */
export function parseJcamp(text: string): JcampSpectrum {
  if (!/##TITLE\s*=/i.test(text)) throw new JcampError('not JCAMP-DX: there is no ##TITLE= record');
  if (!/##END\s*=/i.test(text)) throw new JcampError('the JCAMP-DX block is not closed by ##END=');
  let entries: ReturnType<typeof convert>['flatten'];
  try {
    entries = convert(text).flatten;
  } catch (error) {
    throw new JcampError(
      `the JCAMP-DX text could not be parsed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const entry = entries.find((e) => e.spectra.length > 0);
  const spectrum = entry?.spectra[0];
  const x = spectrum?.data.x ?? [];
  const y = spectrum?.data.y ?? [];
  if (!entry || !spectrum || x.length === 0) {
    throw new JcampError(
      'the JCAMP-DX text holds no spectrum: expected an ##XYDATA= or ##PEAK TABLE= record',
    );
  }
  if (x.length !== y.length || !x.every(Number.isFinite) || !y.every(Number.isFinite)) {
    throw new JcampError('the JCAMP-DX data table is malformed: x and y are not finite pairs');
  }
  const order = x.map((_, i) => i).sort((a, b) => x[a]! - x[b]!);
  return {
    title: entry.title ?? '',
    x: order.map((i) => x[i]!),
    y: order.map((i) => y[i]!),
    xUnits: String(spectrum.xUnits ?? ''),
    yUnits: String(spectrum.yUnits ?? ''),
  };
}

function evenlySpaced(x: readonly number[]): boolean {
  const step = (x[x.length - 1]! - x[0]!) / (x.length - 1);
  return x.every((v, i) => Math.abs(v - (x[0]! + i * step)) <= Math.abs(step) * 1e-6);
}

/**
 * A spectrum as JCAMP-DX 4.24 text. X++(Y..Y) needs an even x spacing: an uneven axis (a grating's
 * pixels) is first resampled onto an even one with as many points. Y is written as integers with a
 * YFACTOR that keeps nine significant digits of the largest value.
 */
export function writeJcamp(s: Spectrum, meta: { title: string; xUnits?: string; yUnits?: string }): string {
  const even = evenlySpaced(s.x)
    ? { x: [...s.x], y: [...s.y] }
    : resample(s, { from: s.x[0]!, to: s.x[s.x.length - 1]!, points: s.x.length });
  const n = even.x.length;
  const maxAbs = Math.max(...even.y.map(Math.abs));
  const yFactor = maxAbs > 0 ? maxAbs / 1e9 : 1;
  const deltaX = (even.x[n - 1]! - even.x[0]!) / (n - 1);
  const lines = [
    `##TITLE=${meta.title.replace(/[\r\n]+/g, ' ')}`,
    '##JCAMP-DX=4.24',
    '##DATA TYPE=RAMAN SPECTRUM',
    `##XUNITS=${meta.xUnits ?? '1/CM'}`,
    `##YUNITS=${meta.yUnits ?? 'ARBITRARY UNITS'}`,
    '##XFACTOR=1',
    `##YFACTOR=${yFactor}`,
    `##FIRSTX=${even.x[0]}`,
    `##LASTX=${even.x[n - 1]}`,
    `##DELTAX=${deltaX}`,
    `##NPOINTS=${n}`,
    `##FIRSTY=${even.y[0]}`,
    '##XYDATA=(X++(Y..Y))',
  ];
  for (let i = 0; i < n; i += 8) {
    const ys = even.y.slice(i, i + 8).map((v) => Math.round(v / yFactor));
    lines.push(`${even.x[i]} ${ys.join(' ')}`);
  }
  lines.push('##END=');
  return `${lines.join('\n')}\n`;
}
