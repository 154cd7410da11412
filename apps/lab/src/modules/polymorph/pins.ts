// How a workflow pins its library: the classify step's option `references`, a comma-separated list
// of reference_id@version. Versions never change, so a pinned workflow identifies against the same
// spectra for as long as it is effective, whatever versions are added later.

/** The built-in references' ids start with this; users cannot take it. */
export const BUILT_IN_PREFIX = 'SIM-';

export interface Pin {
  referenceId: string;
  version: number;
}

const PIN = /^([A-Z][A-Z0-9-]{1,63})@([1-9][0-9]{0,6})$/;

export const pinText = (p: Pin) => `${p.referenceId}@${p.version}`;

/** The pins of a `references` value, or the message saying what is wrong with it. */
export function parsePins(value: string): Pin[] | string {
  const parts = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) return 'names no reference (expected e.g. "REF-FORM-I@1,REF-FORM-II@2")';
  if (parts.length > 20) return 'names more than 20 references';
  const pins: Pin[] = [];
  for (const part of parts) {
    const m = PIN.exec(part);
    if (!m) return `"${part}" is not reference_id@version (e.g. REF-FORM-II@2)`;
    if (pins.some((p) => p.referenceId === m[1])) return `names ${m[1]} twice`;
    pins.push({ referenceId: m[1]!, version: Number(m[2]) });
  }
  return pins;
}

/** The classify options of a definition's polymorph steps that pin this reference (any version). */
export function pinsReference(options: Record<string, unknown> | undefined, referenceId: string): Pin | null {
  const value = options?.['references'];
  if (typeof value !== 'string') return null;
  const pins = parsePins(value);
  return typeof pins === 'string' ? null : (pins.find((p) => p.referenceId === referenceId) ?? null);
}
