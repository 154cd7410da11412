/**
 * Binding: a run's parameter values are checked against the definition's declared parameters (type,
 * range, defaults, no unknown names), then every { param } in the compiled commands is replaced by
 * its number, and each resolved value is checked against the range of the field it lands in (a
 * parameter declared 0..500 must not set a 400 °C setpoint). Errors name the parameter, so the lab
 * can answer 400 with one field error per bad value.
 */
import type { Command, ConditionCommand, NumberArg } from './commands.ts';
import type { Parameter } from './definition.ts';

export interface ParameterError {
  /** The parameter's name. */
  name: string;
  message: string;
}

export type BindResult =
  | { ok: true; values: Record<string, number>; commands: Command[] }
  | { ok: false; errors: ParameterError[] };

/** Check supplied values against the declared parameters; fill defaults. */
export function bindParameters(
  parameters: readonly Parameter[],
  supplied: Readonly<Record<string, unknown>>,
): { values: Record<string, number>; errors: ParameterError[] } {
  const errors: ParameterError[] = [];
  const values: Record<string, number> = {};
  const declared = new Set(parameters.map((p) => p.name));
  for (const name of Object.keys(supplied)) {
    if (!declared.has(name)) errors.push({ name, message: 'is not a parameter of this workflow' });
  }
  for (const p of parameters) {
    const raw = Object.hasOwn(supplied, p.name) ? supplied[p.name] : p.default;
    const problem = checkValue(p, raw);
    if (problem) errors.push({ name: p.name, message: problem });
    else if (typeof raw === 'number') values[p.name] = raw;
  }
  return { values, errors };
}

function checkValue(p: Parameter, raw: unknown): string | null {
  if (raw === undefined) return 'is required (the parameter has no default)';
  if (typeof raw !== 'number' || !Number.isFinite(raw)) return `must be a finite number (${p.unit})`;
  if (p.type === 'integer' && !Number.isInteger(raw)) return `must be an integer (${p.unit})`;
  if (raw < p.minimum || raw > p.maximum) {
    return `must be between ${p.minimum} and ${p.maximum} ${p.unit}; got ${raw}`;
  }
  return null;
}

/** The range a command field accepts, as the definition schema states it. */
interface FieldRange {
  field: string;
  min: number;
  max: number;
  /** True when min itself is not allowed (a ramp rate of 0 never ends). */
  exclusiveMin?: boolean;
}

const MAX_SECONDS = 7 * 24 * 3600;
const CELSIUS = { min: -100, max: 300 };
const SECONDS = { min: 0, max: MAX_SECONDS };
const NON_NEGATIVE = { min: 0, max: Number.POSITIVE_INFINITY };

/** Validate the values, then resolve every parameter reference of the commands. */
export function bind(
  commands: readonly Command[],
  parameters: readonly Parameter[],
  supplied: Readonly<Record<string, unknown>>,
): BindResult {
  const { values, errors } = bindParameters(parameters, supplied);
  if (errors.length > 0) return { ok: false, errors };
  const fieldErrors: ParameterError[] = [];
  const resolve = (arg: NumberArg, stepId: string, range: FieldRange): number => {
    if (typeof arg === 'number') return arg;
    const value = values[arg.param];
    if (value === undefined) {
      fieldErrors.push({ name: arg.param, message: `is used by step '${stepId}' but not declared` });
      return Number.NaN;
    }
    const below = range.exclusiveMin ? value <= range.min : value < range.min;
    if (below || value > range.max) {
      fieldErrors.push({
        name: arg.param,
        message: `${value} is outside what step '${stepId}' accepts for ${range.field} (${range.exclusiveMin ? 'above ' : ''}${range.min}..${range.max})`,
      });
    }
    return value;
  };
  const bound = commands.map((c) => bindCommand(c, (arg, range) => resolve(arg, c.stepId, range)));
  return fieldErrors.length > 0 ? { ok: false, errors: fieldErrors } : { ok: true, values, commands: bound };
}

type Resolve = (arg: NumberArg, range: FieldRange) => number;

function bindCommand(c: Command, r: Resolve): Command {
  switch (c.op) {
    case 'set_temperature':
      return { ...c, setpointC: r(c.setpointC, { field: 'setpoint_c', ...CELSIUS }) };
    case 'ramp_temperature':
      return {
        ...c,
        targetC: r(c.targetC, { field: 'target_c', ...CELSIUS }),
        rateCPerMin: r(c.rateCPerMin, { field: 'rate_c_per_min', min: 0, max: 100, exclusiveMin: true }),
      };
    case 'acquire_spectrum':
      return {
        ...c,
        integrationTimeMs: r(c.integrationTimeMs, { field: 'integration_time_ms', min: 1, max: 600_000 }),
        periodic: c.periodic && {
          ...c.periodic,
          everyS: r(c.periodic.everyS, { field: 'every_s', ...SECONDS }),
        },
      };
    case 'wait':
    case 'hold':
      return { ...c, seconds: r(c.seconds, { field: 'seconds', ...SECONDS }) };
    case 'set_output':
      return typeof c.value === 'boolean'
        ? c
        : { ...c, value: r(c.value, { field: 'value', min: -10, max: 10 }) };
    case 'loop_until':
      return { ...c, condition: bindCondition(c.condition, r) };
    case 'classify':
    case 'human_input':
    case 'loop_begin':
      return c;
  }
}

function bindCondition(c: ConditionCommand, r: Resolve): ConditionCommand {
  switch (c.kind) {
    case 'peak_above':
      return { ...c, threshold: r(c.threshold, { field: 'threshold', ...NON_NEGATIVE }) };
    case 'slope_below':
      return {
        ...c,
        perMinute: r(c.perMinute, { field: 'per_minute', ...NON_NEGATIVE }),
        overS: r(c.overS, { field: 'over_s', ...SECONDS }),
      };
    case 'fraction_at_least':
      return { ...c, value: r(c.value, { field: 'value', min: 0, max: 1 }) };
    case 'classified_as':
      return c;
  }
}

/** A bound command's number; a reference left unbound is a programming error of the host. */
export function boundNumber(arg: NumberArg): number {
  if (typeof arg === 'number') return arg;
  throw new UnboundParameterError(arg.param);
}

export class UnboundParameterError extends Error {
  override readonly name = 'UnboundParameterError';
  constructor(readonly param: string) {
    super(`parameter '${param}' was not bound before the run`);
  }
}
