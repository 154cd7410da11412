// What the live view shows, derived from the run's events: the steps as they start and end, the
// temperature series, the latest spectrum (decimated by the API to at most 128 points) and the latest
// classifier result with its form fractions.
import type uPlot from 'uplot';
import type { components } from '../../api/generated/lab.d.ts';
import type { RunEvent } from './event-stream.ts';

/** A run as the API answers it. */
export type Run = components['schemas']['Run'];

export interface StepAttempt {
  seq: number;
  pc: number;
  stepId: string;
  op: string;
  iteration: number | null;
  outcome: string | null;
}

export interface Classification {
  stepId: string;
  label: string;
  confidence: number;
  fractions: { form: string; value: number; uncertainty: number }[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const numbers = (v: unknown): number[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'number') : []);
const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v)) : {};

export function stepsOf(events: RunEvent[]): StepAttempt[] {
  const steps: StepAttempt[] = [];
  for (const e of events) {
    if (e.type === 'step_started') {
      steps.push({
        seq: e.seq,
        pc: e.pc ?? -1,
        stepId: e.step_id ?? '?',
        op: String(e.payload['op'] ?? ''),
        iteration: num(e.payload['iteration']),
        outcome: null,
      });
    } else if (e.type === 'step_ended') {
      const open = steps.findLast((s) => s.pc === e.pc && s.outcome === null);
      if (open) open.outcome = String(e.payload['outcome'] ?? 'ended');
    }
  }
  return steps;
}

/** Minutes of experiment time since the first reading, the temperature and the setpoint. */
export function temperatureSeries(events: RunEvent[]): {
  data: uPlot.AlignedData;
  latest: number | null;
  setpoint: number | null;
} {
  const x: number[] = [];
  const celsius: number[] = [];
  const setpoint: number[] = [];
  let t0: number | null = null;
  for (const e of events) {
    if (e.type !== 'temperature') continue;
    const at = num(e.payload['at']);
    const c = num(e.payload['celsius']);
    if (at === null || c === null) continue;
    t0 ??= at;
    x.push((at - t0) / 60_000);
    celsius.push(c);
    setpoint.push(num(e.payload['setpointC']) ?? Number.NaN);
  }
  return { data: [x, celsius, setpoint], latest: celsius.at(-1) ?? null, setpoint: setpoint.at(-1) ?? null };
}

export function latestSpectrum(
  events: RunEvent[],
): { data: uPlot.AlignedData; seq: number; count: number } | null {
  const spectra = events.filter((e) => e.type === 'spectrum');
  const last = spectra.at(-1);
  if (!last) return null;
  const decimated = record(last.payload['decimated']);
  return {
    data: [numbers(decimated['shift_cm1']), numbers(decimated['intensities'])],
    seq: last.seq,
    count: spectra.length,
  };
}

export function latestClassification(events: RunEvent[]): Classification | null {
  const last = events.findLast((e) => e.type === 'classified');
  if (!last) return null;
  const result = record(last.payload['result']);
  const fractions = Object.entries(record(result['fractions'])).map(([form, f]) => ({
    form,
    value: num(record(f)['value']) ?? 0,
    uncertainty: num(record(f)['uncertainty']) ?? 0,
  }));
  return {
    stepId: last.step_id ?? '?',
    label: String(result['label'] ?? '?'),
    confidence: num(result['confidence']) ?? 0,
    fractions,
  };
}
