/**
 * The references the library ships with: the simulator's SYNTHETIC peak lists (not measured spectra of
 * any real compound) drawn noise-free on the simulator's own pixel axis, in counts per ms at a
 * fraction of 1, so their relative heights match what the simulated spectrometer records.
 */

import { lorentzianSum, SYNTHETIC_REFERENCES, shiftAxis } from '@polymorph/run-engine/simulators/raman';
import type { ReferenceSpectrum } from '@polymorph/spectra/library';

const BUILT_IN = [
  {
    id: 'builtin:solvent',
    form: 'solvent',
    name: 'Solvent (synthetic)',
    peaks: SYNTHETIC_REFERENCES.solvent,
  },
  {
    id: 'builtin:dissolved',
    form: 'dissolved',
    name: 'Dissolved compound (synthetic)',
    peaks: SYNTHETIC_REFERENCES.dissolved,
  },
  { id: 'builtin:form_i', form: 'form_i', name: 'Form I (synthetic)', peaks: SYNTHETIC_REFERENCES.formI },
  { id: 'builtin:form_ii', form: 'form_ii', name: 'Form II (synthetic)', peaks: SYNTHETIC_REFERENCES.formII },
] as const;

export function builtInReferences(): ReferenceSpectrum[] {
  const x = shiftAxis();
  return BUILT_IN.map(({ peaks, ...ref }) => ({ ...ref, x, y: lorentzianSum(peaks, x) }));
}
