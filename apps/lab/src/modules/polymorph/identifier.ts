// The lab's one door to packages/spectra: references as the library takes them, identification in
// the API's words, and the onset. Libraries are cached by the exact reference versions (their
// SHA-256s): a version never changes, so a cached library can never be stale.
import { identify } from '@polymorph/spectra/identify';
import { buildLibrary, type Library, type ReferenceSpectrum } from '@polymorph/spectra/library';
import { detectOnset } from '@polymorph/spectra/onset';
import { checkSpectrum, type Spectrum, SpectrumError } from '@polymorph/spectra/spectrum';
import { builtInReferences } from './evaluation/built-in-references.ts';
import { BUILT_IN_PREFIX } from './pins.ts';

/** One reference version as identification uses it, with what the record of a result names. */
export interface LoadedReference {
  referenceId: string;
  version: number;
  form: string;
  name: string;
  sha256: string;
  x: readonly number[];
  y: readonly number[];
}

/** An identification as the lab stores and answers it. */
export interface Result {
  form: string;
  confidence: number;
  fractions: Record<string, { value: number; uncertainty: number }>;
  hits: { reference_id: string; version: number; form: string; hqi: number }[];
  preprocessing: Record<string, unknown>[];
  references: { reference_id: string; version: number; form: string; sha256: string }[];
}

/** The built-in references' public id: form_ii -> SIM-FORM-II. */
export const builtInId = (form: string) => `${BUILT_IN_PREFIX}${form.toUpperCase().replaceAll('_', '-')}`;

let builtIns: readonly ReferenceSpectrum[] | undefined;
export function builtInSpectra(): readonly ReferenceSpectrum[] {
  builtIns ??= builtInReferences();
  return builtIns;
}

/** The spectrum, or which member (x or y) is wrong and why. */
export function checkedSpectrum(
  s: Spectrum,
): { ok: true; value: Spectrum } | { ok: false; field: 'x' | 'y'; message: string } {
  try {
    checkSpectrum(s);
    return { ok: true, value: s };
  } catch (error) {
    if (error instanceof SpectrumError) return { ok: false, field: error.field, message: error.message };
    throw error;
  }
}

const CACHE_SIZE = 32;
const libraries = new Map<string, Library>();

const pinOf = (r: LoadedReference) => `${r.referenceId}@${r.version}`;

function libraryOf(refs: readonly LoadedReference[]): Library {
  const key = refs.map((r) => `${pinOf(r)}:${r.sha256}`).join(',');
  const cached = libraries.get(key);
  if (cached) return cached;
  const library = buildLibrary(
    refs.map((r) => ({ id: pinOf(r), form: r.form, name: r.name, x: r.x, y: r.y })),
  );
  const oldest = libraries.keys().next();
  if (libraries.size >= CACHE_SIZE && !oldest.done) libraries.delete(oldest.value);
  libraries.set(key, library);
  return library;
}

/** Identifies the spectrum against exactly these reference versions. */
export function identifyAgainst(refs: readonly LoadedReference[], spectrum: Spectrum): Result {
  const byPin = new Map(refs.map((r) => [pinOf(r), r]));
  const found = identify(libraryOf(refs), spectrum);
  return {
    form: found.form,
    confidence: found.confidence,
    fractions: found.fractions,
    hits: found.hits.map((h) => {
      const ref = byPin.get(h.referenceId);
      return {
        reference_id: ref?.referenceId ?? h.referenceId,
        version: ref?.version ?? 1,
        form: h.form,
        hqi: h.hqi,
      };
    }),
    preprocessing: found.preprocessing.map((step) => ({ ...step })),
    references: refs.map((r) => ({
      reference_id: r.referenceId,
      version: r.version,
      form: r.form,
      sha256: r.sha256,
    })),
  };
}

/** The crystallization onset over a series (t in epoch ms), or null when the series shows none. */
export function crystallizationOnset(
  series: readonly { t: number; crystalline: number }[],
): { t: number; index: number; detail: Record<string, unknown> } | null {
  const onset = detectOnset(series);
  if (!onset) return null;
  const { t, index, ...detail } = onset;
  return { t, index, detail };
}
