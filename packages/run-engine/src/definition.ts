/**
 * The workflow definition format (YAML or JSON), as a TypeBox schema: the same object validates a
 * definition and is published as its JSON Schema (docs/workflows.md). A definition is data: it never
 * touches a device. compile.ts turns it into a command list; its SHA-256 over canonical JSON is its identity.
 */
import { type Static, type TNumber, type TSchema, Type } from 'typebox';

export const DEFINITION_SCHEMA_VERSION = 1;

const Name = Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'lower-case identifier' });
const StepId = Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'unique within the workflow' });

/** A number, or a reference to a parameter whose value the run supplies. */
const ParamRef = Type.Object({ param: Name }, { additionalProperties: false });
// Generic so Static<> keeps the number type (a plain TSchema parameter made every such field `unknown`).
const NumberOr = <T extends TSchema = TNumber>(schema: T) => Type.Union([schema, ParamRef]);

export const Parameter = Type.Object(
  {
    name: Name,
    type: Type.Union([Type.Literal('number'), Type.Literal('integer')]),
    unit: Type.String({ minLength: 1, maxLength: 20, description: 'e.g. degC, degC/min, s, ms, cm-1' }),
    minimum: Type.Number(),
    maximum: Type.Number(),
    default: Type.Optional(Type.Number()),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

const StepBase = {
  id: StepId,
  title: Type.Optional(Type.String({ maxLength: 200 })),
};
const step = <T extends string, P extends Record<string, TSchema>>(type: T, props: P) =>
  Type.Object({ ...StepBase, type: Type.Literal(type), ...props }, { additionalProperties: false });

const Celsius = NumberOr(Type.Number({ minimum: -100, maximum: 300 }));
const Seconds = NumberOr(Type.Number({ minimum: 0, maximum: 7 * 24 * 3600 }));
const ShiftCm1 = Type.Number({ minimum: 0, maximum: 4000, description: 'Raman shift, cm-1' });

export const Condition = Type.Union([
  Type.Object(
    {
      peak_above: Type.Object(
        {
          shift_cm1: ShiftCm1,
          window_cm1: Type.Number({ exclusiveMinimum: 0, maximum: 200 }),
          threshold: NumberOr(Type.Number({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
    },
    {
      additionalProperties: false,
      description: 'the last spectrum has a baseline-corrected peak above threshold near shift_cm1',
    },
  ),
  Type.Object(
    {
      slope_below: Type.Object(
        {
          signal: Type.Union([Type.Literal('temperature'), Type.Literal('peak')]),
          shift_cm1: Type.Optional(ShiftCm1),
          per_minute: NumberOr(Type.Number({ minimum: 0 })),
          over_s: Seconds,
        },
        { additionalProperties: false },
      ),
    },
    {
      additionalProperties: false,
      description: 'the signal has levelled off: |slope| below per_minute over the last over_s',
    },
  ),
  Type.Object(
    {
      classified_as: Type.Object(
        {
          step: StepId,
          label: Type.String({ minLength: 1, maxLength: 64 }),
          min_confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false, description: "the named classify step's latest result has this label" },
  ),
  Type.Object(
    {
      fraction_at_least: Type.Object(
        {
          step: StepId,
          form: Type.String({
            pattern: '^[a-z][a-z0-9_]{0,63}$',
            description: "a form the classifier quantifies, e.g. 'form_ii' (polymorph)",
          }),
          value: NumberOr(Type.Number({ minimum: 0, maximum: 1 })),
        },
        { additionalProperties: false },
      ),
    },
    {
      additionalProperties: false,
      description: "the named classify step's latest result gives the form at least this fraction (0..1)",
    },
  ),
]);

const LeafSteps = [
  step('set_temperature', { setpoint_c: Celsius }),
  step('ramp_temperature', {
    target_c: Celsius,
    rate_c_per_min: NumberOr(Type.Number({ exclusiveMinimum: 0, maximum: 100 })),
  }),
  step('acquire_spectrum', {
    integration_time_ms: NumberOr(Type.Number({ minimum: 1, maximum: 600_000 })),
    averages: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    periodic: Type.Optional(
      Type.Object(
        { every_s: Seconds, count: Type.Integer({ minimum: 1, maximum: 100_000 }) },
        { additionalProperties: false },
      ),
    ),
  }),
  step('wait', { seconds: Seconds }),
  step('hold', {
    seconds: Seconds,
    tolerance_c: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 50 })),
  }),
  step('classify', {
    classifier: Type.String({
      pattern: '^[a-z][a-z0-9_]{0,63}$',
      description: "a registered classifier, e.g. 'peak_ratio'",
    }),
    options: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }),
        Type.Union([Type.Number(), Type.String({ maxLength: 200 })]),
      ),
    ),
  }),
  step('set_output', {
    output: Type.Union([Type.Literal('digital'), Type.Literal('analog')]),
    line: Type.Integer({ minimum: 0, maximum: 63 }),
    value: Type.Union([Type.Boolean(), NumberOr(Type.Number({ minimum: -10, maximum: 10 }))]),
  }),
  step('human_input', {
    prompt: Type.String({ minLength: 1, maxLength: 1000 }),
    signature_meaning: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'sign the confirmation with this meaning' }),
    ),
  }),
  // A tuple, not an array: Type.Union of an array type made LeafStep and Step `never` under Static<>.
] as const;

export const LeafStep = Type.Union([...LeafSteps]);
export const RepeatUntilStep = step('repeat_until', {
  max_iterations: Type.Integer({ minimum: 1, maximum: 10_000 }),
  until: Condition,
  // One level of nesting: a loop holds leaf steps only, so every step's place is a (loop, index) pair.
  steps: Type.Array(LeafStep, { minItems: 1, maxItems: 100 }),
});
export const Step = Type.Union([...LeafSteps, RepeatUntilStep]);

export const WorkflowDefinition = Type.Object(
  {
    schema_version: Type.Literal(DEFINITION_SCHEMA_VERSION),
    name: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$' }),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 5000 })),
    parameters: Type.Array(Parameter, { maxItems: 100 }),
    steps: Type.Array(Step, { minItems: 1, maxItems: 1000 }),
  },
  {
    $id: 'https://polymorph-lite.example/schemas/workflow-definition.v1.json',
    title: 'WorkflowDefinition',
    additionalProperties: false,
  },
);

export type WorkflowDefinition = Static<typeof WorkflowDefinition>;
export type Step = Static<typeof Step>;
export type LeafStep = Static<typeof LeafStep>;
export type Condition = Static<typeof Condition>;
export type Parameter = Static<typeof Parameter>;
