/**
 * The rules of a workflow definition that a JSON Schema cannot say: unique step ids (loops included),
 * parameters that exist and whose ranges fit where they are used, conditions that name an earlier
 * classify step or follow a spectrum. Runs on a definition that already satisfies the schema.
 */
import type { Condition, LeafStep, Parameter, Step, WorkflowDefinition } from './definition.ts';
import type { DefinitionFault } from './schema-faults.ts';

/** Where a number of a step may come from a parameter: its unit and the range the field accepts. */
interface NumberField {
  key: string;
  unit: string | null;
  minimum: number;
  maximum: number;
}

const WEEK_S = 7 * 24 * 3600;
const CELSIUS = { unit: 'degC', minimum: -100, maximum: 300 };
const SECONDS = { unit: 's', minimum: 0, maximum: WEEK_S };

const FIELDS: Partial<Record<Step['type'], NumberField[]>> = {
  set_temperature: [{ key: 'setpoint_c', ...CELSIUS }],
  ramp_temperature: [
    { key: 'target_c', ...CELSIUS },
    { key: 'rate_c_per_min', unit: 'degC/min', minimum: 0, maximum: 100 },
  ],
  acquire_spectrum: [{ key: 'integration_time_ms', unit: 'ms', minimum: 1, maximum: 600_000 }],
  wait: [{ key: 'seconds', ...SECONDS }],
  hold: [{ key: 'seconds', ...SECONDS }],
  set_output: [{ key: 'value', unit: 'V', minimum: -10, maximum: 10 }],
};

type ParamArg = { param: string };
const isParamArg = (v: unknown): v is ParamArg =>
  typeof v === 'object' && v !== null && 'param' in v && typeof v.param === 'string';

interface Place {
  step: Step | LeafStep;
  pointer: string;
  /** The loop the step is in, null at the top level. */
  loop: string | null;
}

/** Every step with its pointer, loop bodies included, in execution order. */
function places(def: WorkflowDefinition): Place[] {
  return def.steps.flatMap((step, i): Place[] => {
    const pointer = `/steps/${i}`;
    if (step.type !== 'repeat_until') return [{ step, pointer, loop: null }];
    const body = step.steps.map((s, j) => ({ step: s, pointer: `${pointer}/steps/${j}`, loop: step.id }));
    return [{ step, pointer, loop: null }, ...body];
  });
}

/** The semantic faults of a schema-valid definition; empty when it is sound. */
export function validateDefinition(def: WorkflowDefinition): DefinitionFault[] {
  const all = places(def);
  return [
    ...parameterFaults(def.parameters),
    ...duplicateIdFaults(all),
    ...all.flatMap((p) => stepFaults(p, new Map(def.parameters.map((q) => [q.name, q])))),
    ...def.steps.flatMap((step, i) =>
      step.type === 'repeat_until' ? conditionFaults(def, i, step.until, `/steps/${i}/until`) : [],
    ),
  ];
}

function parameterFaults(parameters: Parameter[]): DefinitionFault[] {
  const faults: DefinitionFault[] = [];
  const seen = new Map<string, number>();
  parameters.forEach((p, i) => {
    const at = `/parameters/${i}`;
    const first = seen.get(p.name);
    if (first !== undefined) {
      faults.push({
        pointer: `${at}/name`,
        message: `duplicates parameter ${p.name} (/parameters/${first})`,
      });
    } else seen.set(p.name, i);
    if (p.minimum > p.maximum) {
      faults.push({ pointer: `${at}/minimum`, message: `must not exceed maximum (${p.maximum})` });
    }
    if (p.default !== undefined && (p.default < p.minimum || p.default > p.maximum)) {
      faults.push({ pointer: `${at}/default`, message: `must lie within [${p.minimum}, ${p.maximum}]` });
    }
    if (p.type === 'integer') {
      for (const key of ['minimum', 'maximum', 'default'] as const) {
        const v = p[key];
        if (v !== undefined && !Number.isInteger(v)) {
          faults.push({
            pointer: `${at}/${key}`,
            message: 'must be an integer (the parameter is an integer)',
          });
        }
      }
    }
  });
  return faults;
}

function duplicateIdFaults(all: Place[]): DefinitionFault[] {
  const seen = new Map<string, string>();
  const faults: DefinitionFault[] = [];
  for (const { step, pointer } of all) {
    const first = seen.get(step.id);
    if (first !== undefined) {
      faults.push({ pointer: `${pointer}/id`, message: `duplicates step id ${step.id} (${first})` });
    } else seen.set(step.id, pointer);
  }
  return faults;
}

/** Parameter references of a step: the parameter exists, its unit and range fit the field. */
function stepFaults(place: Place, params: Map<string, Parameter>): DefinitionFault[] {
  const { step, pointer } = place;
  const faults: DefinitionFault[] = [];
  const record: Record<string, unknown> = { ...step };
  const check = (value: unknown, at: string, field: NumberField | null) => {
    if (!isParamArg(value)) return;
    const p = params.get(value.param);
    if (!p) {
      faults.push({ pointer: `${at}/param`, message: `names no parameter (${value.param})` });
      return;
    }
    if (!field) return;
    if (field.unit !== null && p.unit !== field.unit) {
      faults.push({
        pointer: `${at}/param`,
        message: `parameter ${p.name} is in ${p.unit}; this field takes ${field.unit}`,
      });
    }
    if (p.minimum < field.minimum || p.maximum > field.maximum) {
      faults.push({
        pointer: `${at}/param`,
        message: `parameter ${p.name} ranges over [${p.minimum}, ${p.maximum}]; this field accepts [${field.minimum}, ${field.maximum}]`,
      });
    }
  };
  for (const field of FIELDS[step.type] ?? []) check(record[field.key], `${pointer}/${field.key}`, field);
  if (step.type === 'acquire_spectrum' && step.periodic) {
    check(step.periodic.every_s, `${pointer}/periodic/every_s`, { key: 'every_s', ...SECONDS });
  }
  if (step.type === 'set_output') {
    const digital = step.output === 'digital';
    if (digital !== (typeof step.value === 'boolean')) {
      faults.push({
        pointer: `${pointer}/value`,
        message: digital
          ? 'a digital output takes true or false'
          : 'an analog output takes volts (-10 to 10)',
      });
    }
  }
  if (step.type === 'repeat_until') {
    const c = step.until;
    const at = `${pointer}/until`;
    if ('peak_above' in c) check(c.peak_above.threshold, `${at}/peak_above/threshold`, null);
    if ('slope_below' in c) {
      check(c.slope_below.per_minute, `${at}/slope_below/per_minute`, null);
      check(c.slope_below.over_s, `${at}/slope_below/over_s`, { key: 'over_s', ...SECONDS });
    }
    if ('fraction_at_least' in c) {
      check(c.fraction_at_least.value, `${at}/fraction_at_least/value`, {
        key: 'value',
        unit: null,
        minimum: 0,
        maximum: 1,
      });
    }
  }
  return faults;
}

/** A loop's condition looks at data the loop (or what runs before it) produces. */
function conditionFaults(
  def: WorkflowDefinition,
  index: number,
  until: Condition,
  at: string,
): DefinitionFault[] {
  const loop = def.steps[index];
  const body = loop?.type === 'repeat_until' ? loop.steps : [];
  const before = def.steps.slice(0, index).flatMap((s) => (s.type === 'repeat_until' ? s.steps : [s]));
  const reachable = [...before, ...body];
  if ('classified_as' in until || 'fraction_at_least' in until) {
    const [key, step] =
      'classified_as' in until
        ? (['classified_as', until.classified_as.step] as const)
        : (['fraction_at_least', until.fraction_at_least.step] as const);
    const target = reachable.find((s) => s.id === step);
    if (target?.type !== 'classify') {
      return [
        {
          pointer: `${at}/${key}/step`,
          message: 'must name a classify step in this loop or before it',
        },
      ];
    }
    return [];
  }
  const faults: DefinitionFault[] = [];
  const needsSpectrum = 'peak_above' in until || until.slope_below.signal === 'peak';
  if (needsSpectrum && !reachable.some((s) => s.type === 'acquire_spectrum')) {
    faults.push({
      pointer: at,
      message: 'looks at a peak, but no acquire_spectrum step runs in this loop or before it',
    });
  }
  if (
    'slope_below' in until &&
    until.slope_below.signal === 'peak' &&
    until.slope_below.shift_cm1 === undefined
  ) {
    faults.push({ pointer: `${at}/slope_below/shift_cm1`, message: 'is required when the signal is a peak' });
  }
  return faults;
}
