import { describe, expect, it } from 'vitest';
import { compile, hashDefinition } from './compile.ts';
import type { WorkflowDefinition } from './definition.ts';

const definition: WorkflowDefinition = {
  schema_version: 1,
  name: 'cooling',
  title: 'Cooling crystallization',
  parameters: [
    { name: 'start_c', type: 'number', unit: 'degC', minimum: 20, maximum: 90, default: 60 },
    { name: 'rate', type: 'number', unit: 'degC/min', minimum: 0.1, maximum: 5 },
  ],
  steps: [
    { id: 'heat', type: 'set_temperature', setpoint_c: { param: 'start_c' } },
    { id: 'dissolve', type: 'hold', seconds: 600, tolerance_c: 1 },
    { id: 'cool', type: 'ramp_temperature', target_c: 10, rate_c_per_min: { param: 'rate' } },
    {
      id: 'watch',
      type: 'repeat_until',
      max_iterations: 20,
      until: { classified_as: { step: 'identify', label: 'form_ii' } },
      steps: [
        { id: 'measure', type: 'acquire_spectrum', integration_time_ms: 500 },
        { id: 'identify', type: 'classify', classifier: 'peak_ratio' },
        { id: 'pause', type: 'wait', seconds: 60 },
      ],
    },
    { id: 'done', type: 'human_input', prompt: 'Confirm the end', signature_meaning: 'reviewed' },
  ],
};

describe('compile', () => {
  it('gives one command per step, in the definition order, with parameter references kept', () => {
    const { commands } = compile(definition);
    expect(commands.map((c) => `${c.stepId}:${c.op}`)).toEqual([
      'heat:set_temperature',
      'dissolve:hold',
      'cool:ramp_temperature',
      'watch:loop_begin',
      'measure:acquire_spectrum',
      'identify:classify',
      'pause:wait',
      'watch:loop_until',
      'done:human_input',
    ]);
    expect(commands[0]).toEqual({ stepId: 'heat', op: 'set_temperature', setpointC: { param: 'start_c' } });
    expect(commands[2]).toMatchObject({ rateCPerMin: { param: 'rate' }, targetC: 10 });
    expect(commands[4]).toEqual({
      stepId: 'measure',
      op: 'acquire_spectrum',
      integrationTimeMs: 500,
      averages: 1,
      periodic: null,
    });
    expect(commands[8]).toMatchObject({ signatureMeaning: 'reviewed' });
  });

  it('links a loop’s two ends by index, so the interpreter jumps without searching', () => {
    const { commands } = compile(definition);
    expect(commands[3]).toEqual({ stepId: 'watch', op: 'loop_begin', maxIterations: 20, endIndex: 7 });
    expect(commands[7]).toEqual({
      stepId: 'watch',
      op: 'loop_until',
      beginIndex: 3,
      condition: { kind: 'classified_as', stepId: 'identify', label: 'form_ii', minConfidence: 0 },
    });
  });

  it('keeps the indices right for two loops in a row and translates every condition', () => {
    const twoLoops: WorkflowDefinition = {
      ...definition,
      steps: [
        {
          id: 'a',
          type: 'repeat_until',
          max_iterations: 3,
          until: { peak_above: { shift_cm1: 1000, window_cm1: 8, threshold: { param: 'rate' } } },
          steps: [
            {
              id: 'a1',
              type: 'acquire_spectrum',
              integration_time_ms: 100,
              periodic: { every_s: 5, count: 3 },
            },
          ],
        },
        {
          id: 'b',
          type: 'repeat_until',
          max_iterations: 5,
          until: { slope_below: { signal: 'temperature', per_minute: 0.1, over_s: 120 } },
          steps: [
            { id: 'b1', type: 'wait', seconds: 1 },
            { id: 'b2', type: 'wait', seconds: 2 },
          ],
        },
      ],
    };
    const { commands } = compile(twoLoops);
    expect(commands.map((c) => c.op)).toEqual([
      'loop_begin',
      'acquire_spectrum',
      'loop_until',
      'loop_begin',
      'wait',
      'wait',
      'loop_until',
    ]);
    expect(commands[0]).toMatchObject({ endIndex: 2 });
    expect(commands[2]).toMatchObject({
      beginIndex: 0,
      condition: { kind: 'peak_above', shiftCm1: 1000, windowCm1: 8, threshold: { param: 'rate' } },
    });
    expect(commands[1]).toMatchObject({ periodic: { everyS: 5, count: 3 } });
    expect(commands[3]).toMatchObject({ endIndex: 6 });
    expect(commands[6]).toMatchObject({
      beginIndex: 3,
      condition: { kind: 'slope_below', signal: 'temperature', shiftCm1: null, perMinute: 0.1, overS: 120 },
    });
  });

  it('identifies a definition by the SHA-256 of its canonical JSON: key order does not matter, content does', () => {
    const reversed = Object.fromEntries(Object.entries(definition).reverse());
    const reordered: WorkflowDefinition = JSON.parse(JSON.stringify(reversed));
    expect(Object.keys(reordered)[0]).toBe('steps');
    expect(hashDefinition(reordered)).toBe(hashDefinition(definition));
    expect(compile(definition).definitionHash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashDefinition({ ...definition, title: 'Other' })).not.toBe(hashDefinition(definition));
  });
});
