/**
 * Cooling crystallization of one compound with two polymorphs, as a pure step function.
 *
 * Per polymorph: van 't Hoff solubility ln c* = A - B/T (c* in kg solute per kg solvent, T in K),
 * supersaturation S = c / c*, classical primary nucleation J = kJ·exp(-BJ / ln²S) (S > 1), and
 * size-independent growth G = kg·(S - 1)^g (S > 1) or dissolution G = -kd·(1 - S) (S < 1).
 * Form I is metastable (higher solubility, lower nucleation barrier): it appears first. Form II also
 * nucleates on Form I surfaces (rate per m² of Form I), which is how solution-mediated transformation
 * usually starts; once Form II grows, c falls below c*_I and Form I dissolves (Ostwald's rule of stages).
 * The crystals of a form are kept as cohorts (count per kg solvent, common size): with size-independent
 * growth every crystal of a cohort keeps the same size, so the population balance is exact, and the
 * dissolved concentration closes the mass balance.
 */

export const POLYMORPHS = ['formI', 'formII'] as const;
export type Polymorph = (typeof POLYMORPHS)[number];

export interface PolymorphKinetics {
  /** van 't Hoff: ln c* = solubilityA - solubilityB / T. */
  solubilityA: number;
  /** K. */
  solubilityB: number;
  /** Primary nucleation pre-factor, crystals per kg solvent per s. */
  nucleationK: number;
  /** Primary nucleation barrier, dimensionless (in J = kJ·exp(-BJ / ln²S)). */
  nucleationB: number;
  /** Growth rate constant, m/s. */
  growthK: number;
  /** Growth order g. */
  growthOrder: number;
  /** Dissolution rate constant, m/s per unit undersaturation (1 - S). */
  dissolutionK: number;
}

export interface CrystallizationParams {
  formI: PolymorphKinetics;
  formII: PolymorphKinetics;
  /** Form II nucleating on Form I surfaces: crystals per m² of Form I (per kg solvent) per s ... */
  surfaceNucleationK: number;
  /** ... with this barrier (dimensionless, same form as the primary one). */
  surfaceNucleationB: number;
  /** Solid density, kg/m³. */
  densityKgM3: number;
  /** Volume shape factor kv (crystal volume = kv·L³). */
  volumeShapeFactor: number;
  /** Surface shape factor ka (crystal area = ka·L²). */
  surfaceShapeFactor: number;
  /** Size of a new nucleus, m. */
  nucleusSizeM: number;
  /** New nuclei join the youngest cohort while it is smaller than nucleusSizeM + this, m. */
  cohortWidthM: number;
}

/** The default compound: SYNTHETIC parameters of a plausible organic compound in a plausible solvent. */
export const DEFAULT_CRYSTALLIZATION: CrystallizationParams = {
  // Form II (stable): c* = 0.05 kg/kg at 20 °C, 0.20 kg/kg at 70 °C.
  formII: {
    solubilityA: 6.518,
    solubilityB: 2789,
    nucleationK: 1e6,
    nucleationB: 4.0,
    growthK: 3e-7,
    growthOrder: 1.2,
    dissolutionK: 2e-6,
  },
  // Form I (metastable): 25 % more soluble at every temperature (monotropic pair), lower barrier.
  formI: {
    solubilityA: 6.518 + Math.log(1.25),
    solubilityB: 2789,
    nucleationK: 1e8,
    nucleationB: 0.05,
    growthK: 6e-7,
    growthOrder: 1.2,
    dissolutionK: 2e-6,
  },
  surfaceNucleationK: 5e3,
  surfaceNucleationB: 0.05,
  densityKgM3: 1300,
  volumeShapeFactor: 0.5,
  surfaceShapeFactor: 3,
  nucleusSizeM: 1e-6,
  cohortWidthM: 5e-6,
};

export interface Cohort {
  /** Crystals per kg solvent. */
  count: number;
  /** Edge length, m. */
  sizeM: number;
}

export interface CrystallizationState {
  /** Dissolved compound, kg per kg solvent. */
  concentration: number;
  formI: Cohort[];
  formII: Cohort[];
}

const MIN_NUCLEI_PER_KG = 1e-3;

export function initialCrystallization(concentration: number): CrystallizationState {
  return { concentration, formI: [], formII: [] };
}

export function solubility(kinetics: PolymorphKinetics, temperatureK: number): number {
  return Math.exp(kinetics.solubilityA - kinetics.solubilityB / temperatureK);
}

/** Classical primary nucleation, with S the supersaturation; zero at or below saturation. */
export function nucleationRate(k: number, b: number, s: number): number {
  if (s <= 1) return 0;
  const lnS = Math.log(s);
  return k * Math.exp(-b / (lnS * lnS));
}

/** Growth (S > 1) or dissolution (S < 1) rate, m/s. */
export function growthRate(kinetics: PolymorphKinetics, s: number): number {
  if (s >= 1) return kinetics.growthK * (s - 1) ** kinetics.growthOrder;
  return -kinetics.dissolutionK * (1 - s);
}

/** Solid mass of a form, kg per kg solvent. */
export function solidMass(params: CrystallizationParams, cohorts: readonly Cohort[]): number {
  let sum = 0;
  for (const c of cohorts) sum += c.count * c.sizeM ** 3;
  return params.densityKgM3 * params.volumeShapeFactor * sum;
}

function surfaceArea(params: CrystallizationParams, cohorts: readonly Cohort[]): number {
  let sum = 0;
  for (const c of cohorts) sum += c.count * c.sizeM ** 2;
  return params.surfaceShapeFactor * sum;
}

export function crystalCount(cohorts: readonly Cohort[]): number {
  let n = 0;
  for (const c of cohorts) n += c.count;
  return n;
}

/** Grow (or dissolve) every cohort by `dL`; a cohort that shrinks to nothing has dissolved. */
function grown(cohorts: readonly Cohort[], dL: number): Cohort[] {
  const out: Cohort[] = [];
  for (const c of cohorts) {
    const sizeM = c.sizeM + dL;
    if (sizeM > 0) out.push({ count: c.count, sizeM });
  }
  return out;
}

/** Add nuclei: to the youngest cohort while it is still near nucleus size (volume kept), else a new one. */
function nucleated(params: CrystallizationParams, cohorts: Cohort[], count: number): Cohort[] {
  // far below one crystal per tonne of solvent: nothing has nucleated (keeps the cohort list short)
  if (count < MIN_NUCLEI_PER_KG) return cohorts;
  const last = cohorts[cohorts.length - 1];
  const l0 = params.nucleusSizeM;
  if (last && last.sizeM < l0 + params.cohortWidthM) {
    const total = last.count + count;
    const sizeM = Math.cbrt((last.count * last.sizeM ** 3 + count * l0 ** 3) / total);
    return [...cohorts.slice(0, -1), { count: total, sizeM }];
  }
  return [...cohorts, { count, sizeM: l0 }];
}

export interface Supersaturation {
  formI: number;
  formII: number;
}

export function supersaturation(
  params: CrystallizationParams,
  state: CrystallizationState,
  temperatureK: number,
): Supersaturation {
  return {
    formI: state.concentration / solubility(params.formI, temperatureK),
    formII: state.concentration / solubility(params.formII, temperatureK),
  };
}

/**
 * One explicit step of `dtS` seconds at temperature `temperatureK`. The dissolved concentration loses
 * exactly what the solids gain (or gains what they lose), so total compound is conserved.
 */
export function stepCrystallization(
  params: CrystallizationParams,
  state: CrystallizationState,
  temperatureK: number,
  dtS: number,
): CrystallizationState {
  const s = supersaturation(params, state, temperatureK);
  const massBefore = solidMass(params, state.formI) + solidMass(params, state.formII);

  const surfaceI = surfaceArea(params, state.formI);
  const nucleiI = nucleationRate(params.formI.nucleationK, params.formI.nucleationB, s.formI) * dtS;
  const nucleiII =
    (nucleationRate(params.formII.nucleationK, params.formII.nucleationB, s.formII) +
      surfaceI * nucleationRate(params.surfaceNucleationK, params.surfaceNucleationB, s.formII)) *
    dtS;

  let formI = grown(state.formI, growthRate(params.formI, s.formI) * dtS);
  let formII = grown(state.formII, growthRate(params.formII, s.formII) * dtS);
  formI = nucleated(params, formI, nucleiI);
  formII = nucleated(params, formII, nucleiII);

  const massAfter = solidMass(params, formI) + solidMass(params, formII);
  const concentration = state.concentration - (massAfter - massBefore);
  if (concentration < 0) {
    throw new RangeError(`crystallization step of ${dtS} s is too long: the solution went negative`);
  }
  return { concentration, formI, formII };
}
