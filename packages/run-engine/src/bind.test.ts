import { describe, expect, it } from 'vitest';
import { bind, bindParameters, boundNumber, UnboundParameterError } from './bind.ts';
import type { Command } from './commands.ts';
import type { Parameter } from './definition.ts';

const parameters: Parameter[] = [
  { name: 'start_c', type: 'number', unit: 'degC', minimum: 20, maximum: 90, default: 60 },
  { name: 'rate', type: 'number', unit: 'degC/min', minimum: 0, maximum: 5 },
  { name: 'count', type: 'integer', unit: '1', minimum: 1, maximum: 10, default: 3 },
];
const commands: Command[] = [
  { stepId: 'heat', op: 'set_temperature', setpointC: { param: 'start_c' } },
  { stepId: 'cool', op: 'ramp_temperature', targetC: 10, rateCPerMin: { param: 'rate' } },
  { stepId: 'loop', op: 'loop_begin', maxIterations: 4, endIndex: 3 },
  {
    stepId: 'loop',
    op: 'loop_until',
    beginIndex: 2,
    condition: {
      kind: 'slope_below',
      signal: 'temperature',
      shiftCm1: null,
      perMinute: { param: 'rate' },
      overS: 60,
    },
  },
];

describe('bindParameters', () => {
  it('fills defaults and keeps supplied values', () => {
    expect(bindParameters(parameters, { rate: 0.5 })).toEqual({
      values: { start_c: 60, rate: 0.5, count: 3 },
      errors: [],
    });
  });

  it('names every bad parameter: unknown, missing, wrong type, not an integer, out of range', () => {
    const { errors } = bindParameters(parameters, { start_c: 95, count: 2.5, extra: 1 });
    expect(errors).toEqual([
      { name: 'extra', message: 'is not a parameter of this workflow' },
      { name: 'start_c', message: 'must be between 20 and 90 degC; got 95' },
      { name: 'rate', message: 'is required (the parameter has no default)' },
      { name: 'count', message: 'must be an integer (1)' },
    ]);
    expect(bindParameters(parameters, { rate: '1' }).errors).toEqual([
      { name: 'rate', message: 'must be a finite number (degC/min)' },
    ]);
    expect(bindParameters(parameters, { rate: Number.NaN }).errors).toHaveLength(1);
  });
});

describe('bind', () => {
  it('resolves every parameter reference, loop conditions included', () => {
    const result = bind(commands, parameters, { rate: 0.5 });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.commands[0]).toEqual({ stepId: 'heat', op: 'set_temperature', setpointC: 60 });
    expect(result.commands[1]).toMatchObject({ rateCPerMin: 0.5, targetC: 10 });
    expect(result.commands[3]).toMatchObject({ condition: { perMinute: 0.5, overS: 60 } });
    expect(boundNumber(60)).toBe(60);
    expect(() => boundNumber({ param: 'x' })).toThrow(UnboundParameterError);
  });

  it('refuses a value the parameter allows but the field it lands in does not', () => {
    // rate 0 is within the parameter's 0..5, but a ramp at 0 °C/min never ends
    const result = bind(commands, parameters, { rate: 0 });
    expect(result).toEqual({
      ok: false,
      errors: [
        { name: 'rate', message: "0 is outside what step 'cool' accepts for rate_c_per_min (above 0..100)" },
      ],
    });
  });

  it('names a reference to an undeclared parameter', () => {
    const result = bind([{ stepId: 'w', op: 'wait', seconds: { param: 'nope' } }], parameters, { rate: 1 });
    expect(result).toEqual({
      ok: false,
      errors: [{ name: 'nope', message: "is used by step 'w' but not declared" }],
    });
  });
});
