// npm run bench:polymorph-identify — spectra identified per second on one core: identify() (despike,
// resample, Savitzky–Golay, airPLS, HQI against 3 references, NNLS with a polynomial baseline and the
// uncertainty) on 1,024-point simulated spectra, against a plain correlation loop over the same raw
// spectra and the same 3 references in the same run (Pearson r with each, pick the largest: no
// preprocessing, no fractions). Also times preprocess() alone, to show where the time goes. The
// variants alternate order each round; medians over the rounds. Pinned to CPU 0 with taskset where it
// exists (BENCH_PIN=0 turns it off). Reports rates per second of wall time and of the process's CPU
// time, which the other load on a shared machine disturbs less. Env: BENCH_SPECTRA (default 64), BENCH_ROUNDS (default 15).
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { Rng } from '../packages/random/src/rng.ts';
import {
  DEFAULT_DETECTOR,
  expectedRate,
  exposeFrame,
  lorentzianSum,
  PIXELS,
  SYNTHETIC_REFERENCES,
  shiftAxis,
} from '../packages/run-engine/src/simulators/raman.ts';
import { identify } from '../packages/spectra/src/identify.ts';
import { buildLibrary, type ReferenceSpectrum } from '../packages/spectra/src/library.ts';
import { preprocess } from '../packages/spectra/src/preprocess.ts';

const SPECTRA = Number(process.env['BENCH_SPECTRA'] ?? 64);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 15);

function pinned(): boolean {
  if (process.env['BENCH_PIN'] === '0') return false;
  try {
    execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const PIN = pinned();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

const x = shiftAxis(PIXELS);
const refs: ReferenceSpectrum[] = [
  {
    id: 'dissolved',
    form: 'dissolved',
    name: 'dissolved',
    x,
    y: lorentzianSum(SYNTHETIC_REFERENCES.dissolved, x),
  },
  { id: 'form_i', form: 'form_i', name: 'Form I', x, y: lorentzianSum(SYNTHETIC_REFERENCES.formI, x) },
  { id: 'form_ii', form: 'form_ii', name: 'Form II', x, y: lorentzianSum(SYNTHETIC_REFERENCES.formII, x) },
];
const library = buildLibrary(refs, { backgroundForms: [] });
const spectra = Array.from({ length: SPECTRA }, (_, k) => {
  const rng = new Rng(4242, k);
  const formI = rng.next();
  const formII = (1 - formI) * rng.next();
  const rate = expectedRate(DEFAULT_DETECTOR, x, { dissolved: 1 - formI - formII, formI, formII });
  return exposeFrame(DEFAULT_DETECTOR, rate, 500, rng).counts;
});

/** The baseline: Pearson r of the raw spectrum with each raw reference, the best one wins. */
function correlate(y: readonly number[], references: readonly (readonly number[])[]): number {
  let best = -1;
  let bestR = Number.NEGATIVE_INFINITY;
  const n = y.length;
  let sy = 0;
  for (let i = 0; i < n; i++) sy += y[i]!;
  const my = sy / n;
  for (let k = 0; k < references.length; k++) {
    const r = references[k]!;
    let sr = 0;
    for (let i = 0; i < n; i++) sr += r[i]!;
    const mr = sr / n;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < n; i++) {
      const a = y[i]! - my;
      const b = r[i]! - mr;
      sxy += a * b;
      sxx += a * a;
      syy += b * b;
    }
    const corr = sxy / Math.sqrt(sxx * syy);
    if (corr > bestR) [best, bestR] = [k, corr];
  }
  return best;
}

let sink = 0;
/** Spectra per second of wall time and of this process's CPU time (which other load disturbs less). */
function timeAll(work: (y: number[]) => void): { wall: number; cpu: number } {
  const t = performance.now();
  const c = process.cpuUsage();
  for (const y of spectra) work(y);
  const used = process.cpuUsage(c);
  return {
    wall: (SPECTRA * 1000) / (performance.now() - t),
    cpu: (SPECTRA * 1e6) / (used.user + used.system),
  };
}
const variants: Record<string, (y: number[]) => void> = {
  identify: (y) => {
    sink += identify(library, { x, y }).confidence;
  },
  preprocess: (y) => {
    sink += preprocess({ x, y }).y[0]!;
  },
  correlation: (y) => {
    sink += correlate(
      y,
      refs.map((r) => r.y),
    );
  },
};
const names = Object.keys(variants);
const perSecond: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
const perCpuSecond: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));

const startedAt = new Date().toISOString();
const loadAtStart = loadavg().map((l) => l.toFixed(2));
for (const n of names) timeAll(variants[n]!); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < names.length; k++) {
    const n = names[(r + k) % names.length]!;
    const rate = timeAll(variants[n]!);
    perSecond[n]!.push(rate.wall);
    perCpuSecond[n]!.push(rate.cpu);
  }
}
const m = Object.fromEntries(names.map((n) => [n, median(perSecond[n]!)]));
const mc = Object.fromEntries(names.map((n) => [n, median(perCpuSecond[n]!)]));
console.log(
  JSON.stringify(
    {
      startedAt,
      machine: `${cpus().length} x ${cpus()[0]?.model.trim()}, Node ${process.version}`,
      pinnedToCpu0: PIN,
      loadAverage: { start: loadAtStart, end: loadavg().map((l) => l.toFixed(2)) },
      spectra: SPECTRA,
      points: PIXELS,
      references: refs.length,
      rounds: ROUNDS,
      spectraPerSecond: {
        identify: round(m['identify']!),
        preprocessOnly: round(m['preprocess']!),
        correlationLoop: round(m['correlation']!),
      },
      spectraPerCpuSecond: {
        identify: round(mc['identify']!),
        preprocessOnly: round(mc['preprocess']!),
        correlationLoop: round(mc['correlation']!),
      },
      cpuMsPerSpectrum: {
        identify: round(1000 / mc['identify']!, 2),
        preprocessOnly: round(1000 / mc['preprocess']!, 2),
      },
      ratioCorrelationOverIdentify: {
        wall: round(m['correlation']! / m['identify']!, 0),
        cpu: round(mc['correlation']! / mc['identify']!, 0),
      },
      checksum: Number.isFinite(sink),
    },
    null,
    2,
  ),
);
