// A JCAMP-DX upload as a reference spectrum: parsed by packages/spectra (jcampconverter), then held
// to the same checks as any spectrum (x strictly ascending, finite, enough points).
import { JcampError, parseJcamp } from '@polymorph/spectra/jcamp';
import { checkedSpectrum } from './identifier.ts';

export function parseReferenceFile(
  text: string,
): { ok: true; spectrum: { x: number[]; y: number[] } } | { ok: false; message: string } {
  let spectrum: { x: number[]; y: number[] };
  try {
    const parsed = parseJcamp(text);
    spectrum = { x: [...parsed.x], y: [...parsed.y] };
  } catch (error) {
    if (error instanceof JcampError) return { ok: false, message: error.message };
    throw error;
  }
  const checked = checkedSpectrum(spectrum);
  if (!checked.ok) return { ok: false, message: `${checked.field}: ${checked.message}` };
  return { ok: true, spectrum };
}
