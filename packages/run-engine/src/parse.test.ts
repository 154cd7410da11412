import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { compile } from './compile.ts';
import type { WorkflowDefinition } from './definition.ts';
import { definitionHash } from './definition-hash.ts';
import { diffDefinitions } from './diff.ts';
import { definitionJsonSchemaText, JSON_SCHEMA_FILE } from './json-schema.ts';
import { MAX_SOURCE_BYTES, type ParseResult, parseDefinition } from './parse.ts';

const EXAMPLE = readFileSync(
  new URL('../../../docs/examples/cooling-crystallization.yaml', import.meta.url),
  'utf8',
);

function parsed(result: ParseResult): WorkflowDefinition {
  if (!result.ok) throw new Error(JSON.stringify(result.faults));
  return result.definition;
}
const faultsOf = (result: ParseResult) => (result.ok ? [] : result.faults);
const example = () => parsed(parseDefinition(EXAMPLE, 'yaml'));
/** The example with one change, as YAML. */
const edited = (change: (d: Record<string, unknown> & WorkflowDefinition) => void) => {
  const d = structuredClone(example());
  change(d);
  return stringify(d);
};

describe('parseDefinition', () => {
  it('reads the cooling-crystallization example, in YAML and as JSON, to the same definition and hash', () => {
    const fromYaml = example();
    expect(fromYaml.steps.map((s) => s.type)).toContain('repeat_until');
    const fromJson = parsed(parseDefinition(JSON.stringify(fromYaml, null, 2), 'json'));
    expect(fromJson).toEqual(fromYaml);
    expect(definitionHash(fromJson)).toBe(definitionHash(fromYaml));
    expect(definitionHash(fromYaml)).toMatch(/^[0-9a-f]{64}$/);
    // The engine compiles it, and stamps the same identity on the command list.
    const compiled = compile(fromYaml);
    expect(compiled.definitionHash).toBe(definitionHash(fromYaml));
    expect(compiled.commands.map((c) => c.op)).toContain('loop_until');
  });

  it('the hash ignores key order and changes with any content', () => {
    const d = example();
    const reordered = Object.fromEntries(Object.entries(d).reverse());
    expect(definitionHash(parsed(parseDefinition(JSON.stringify(reordered), 'json')))).toBe(
      definitionHash(d),
    );
    expect(definitionHash({ ...d, title: `${d.title}.` })).not.toBe(definitionHash(d));
  });

  it('a bad field is reported at its pointer, once, in the branch the step type names', () => {
    const source = edited((d) => {
      const step = d.steps[1];
      if (step?.type === 'set_temperature') step.setpoint_c = 400;
    });
    expect(faultsOf(parseDefinition(source, 'yaml'))).toEqual([
      { pointer: '/steps/1/setpoint_c', message: 'must be <= 300' },
    ]);
  });

  it('unknown properties, missing ones and unknown step types are named', () => {
    const source = EXAMPLE.replace('    setpoint_c: { param: dissolve_temp_c }', '    setpoint: 20').replace(
      'type: hold',
      'type: sleep',
    );
    expect(faultsOf(parseDefinition(source, 'yaml'))).toEqual([
      { pointer: '/steps/1/setpoint', message: 'is not a property this object has' },
      { pointer: '/steps/1/setpoint_c', message: 'is required' },
      {
        pointer: '/steps/2/type',
        message: expect.stringMatching(/^must be one of: set_temperature, .*repeat_until$/),
      },
    ]);
  });

  it('takes up to 1,000 top-level steps and names the array when there are more', () => {
    const withSteps = (n: number) =>
      stringify({
        schema_version: 1,
        name: 'many',
        title: 'Many waits',
        parameters: [],
        steps: Array.from({ length: n }, (_, i) => ({ id: `w${i}`, type: 'wait', seconds: 0 })),
      });
    expect(parseDefinition(withSteps(1000), 'yaml').ok).toBe(true);
    expect(faultsOf(parseDefinition(withSteps(1001), 'yaml'))).toEqual([
      { pointer: '/steps', message: expect.stringMatching(/1000/) },
    ]);
  });

  it('refuses YAML syntax errors, duplicate keys (YAML and JSON), alias bombs and oversized sources', () => {
    expect(faultsOf(parseDefinition('name: [unclosed', 'yaml'))[0]?.message).toMatch(/^line 1, column/);
    expect(faultsOf(parseDefinition(`${EXAMPLE}\ntitle: again\n`, 'yaml'))[0]?.message).toMatch(/unique/i);
    const json = JSON.stringify(example());
    expect(faultsOf(parseDefinition(`${json.slice(0, -1)},"title":"twice"}`, 'json'))[0]?.message).toMatch(
      /unique/i,
    );
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 8; i++) {
      const prev = String.fromCharCode(97 + i);
      const next = String.fromCharCode(98 + i);
      bomb.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    expect(faultsOf(parseDefinition(bomb.join('\n'), 'yaml'))[0]?.message).toMatch(/alias/i);
    const big = `${EXAMPLE}\n#${'x'.repeat(MAX_SOURCE_BYTES)}`;
    expect(faultsOf(parseDefinition(big, 'yaml'))).toEqual([
      { pointer: '', message: expect.stringContaining(`limit is ${MAX_SOURCE_BYTES}`) },
    ]);
    expect(faultsOf(parseDefinition('{"schema_version": 1,', 'json'))[0]?.message).toMatch(/^invalid JSON/);
    expect(faultsOf(parseDefinition('steps: [{seconds: .inf}]', 'yaml'))).toEqual([
      { pointer: '/steps/0/seconds', message: 'must be a finite number' },
    ]);
  });
});

describe('validateDefinition (through parseDefinition)', () => {
  it('an unknown parameter reference', () => {
    const source = EXAMPLE.replace('{ param: end_temp_c }', '{ param: end_temperature }');
    expect(faultsOf(parseDefinition(source, 'yaml'))).toEqual([
      { pointer: '/steps/4/target_c/param', message: 'names no parameter (end_temperature)' },
    ]);
  });

  it('duplicate step ids, inside loops too', () => {
    const source = EXAMPLE.replace('- id: pass_wait', '- id: cool');
    expect(faultsOf(parseDefinition(source, 'yaml'))).toEqual([
      { pointer: '/steps/5/steps/2/id', message: 'duplicates step id cool (/steps/4)' },
    ]);
  });

  it('parameter ranges: minimum <= maximum, default within, fitting the field and its unit', () => {
    const source = edited((d) => {
      const [dissolve, end, rate] = d.parameters;
      if (!dissolve || !end || !rate) throw new Error('example changed');
      dissolve.minimum = 95;
      end.maximum = 400;
      rate.unit = 'degC/s';
    });
    expect(faultsOf(parseDefinition(source, 'yaml'))).toEqual([
      { pointer: '/parameters/0/minimum', message: 'must not exceed maximum (90)' },
      { pointer: '/parameters/0/default', message: 'must lie within [95, 90]' },
      {
        pointer: '/steps/4/target_c/param',
        message: expect.stringContaining('this field accepts [-100, 300]'),
      },
      {
        pointer: '/steps/4/rate_c_per_min/param',
        message: 'parameter cooling_rate is in degC/s; this field takes degC/min',
      },
    ]);
  });

  it('classified_as names a classify step in the loop or before it', () => {
    const wrong = EXAMPLE.replace('step: identify_form', 'step: monitor_spectrum');
    expect(faultsOf(parseDefinition(wrong, 'yaml'))).toEqual([
      {
        pointer: '/steps/5/until/classified_as/step',
        message: 'must name a classify step in this loop or before it',
      },
    ]);
    const later = EXAMPLE.replace('step: identify_form', 'step: nothing_here');
    expect(faultsOf(parseDefinition(later, 'yaml'))).toHaveLength(1);
  });

  it('reads the published polymorph example: classify steps pin their references, the loop stops on a fraction', () => {
    const source = readFileSync(
      new URL('../../../docs/examples/cooling-crystallization-polymorph.yaml', import.meta.url),
      'utf8',
    );
    const commands = compile(parsed(parseDefinition(source, 'yaml'))).commands;
    const classify = commands.filter((c) => c.op === 'classify');
    expect(classify.map((c) => c.classifier)).toEqual(['polymorph', 'polymorph']);
    expect(classify[0]?.options['references']).toMatch(/^(SIM-[A-Z-]+@1,?)+$/);
    expect(commands.filter((c) => c.op === 'loop_until').map((c) => c.condition.kind)).toEqual([
      'slope_below',
      'fraction_at_least',
    ]);
  });

  it('fraction_at_least names a classify step, takes a fraction 0..1, and compiles to its condition', () => {
    const until = (u: object) =>
      edited((d) => {
        const loop = d.steps.find((s) => s.type === 'repeat_until');
        if (loop?.type !== 'repeat_until') throw new Error('example changed');
        Object.assign(loop, { until: u });
      });
    const ok = parseDefinition(
      until({ fraction_at_least: { step: 'identify_form', form: 'form_ii', value: 0.6 } }),
      'yaml',
    );
    expect(faultsOf(ok)).toEqual([]);
    expect(compile(parsed(ok)).commands.find((c) => c.op === 'loop_until')).toMatchObject({
      condition: { kind: 'fraction_at_least', stepId: 'identify_form', form: 'form_ii', value: 0.6 },
    });
    expect(
      faultsOf(
        parseDefinition(
          until({ fraction_at_least: { step: 'monitor_spectrum', form: 'form_ii', value: 0.6 } }),
          'yaml',
        ),
      ),
    ).toEqual([
      {
        pointer: '/steps/5/until/fraction_at_least/step',
        message: 'must name a classify step in this loop or before it',
      },
    ]);
    expect(
      faultsOf(
        parseDefinition(
          until({ fraction_at_least: { step: 'identify_form', form: 'form_ii', value: 1.5 } }),
          'yaml',
        ),
      ),
    ).not.toEqual([]);
    // a parameter of the run may give the value, when its range fits 0..1
    const byParam = edited((d) => {
      d.parameters.push({ name: 'stop_fraction', type: 'number', unit: 'fraction', minimum: 0, maximum: 2 });
      const loop = d.steps.find((s) => s.type === 'repeat_until');
      if (loop?.type !== 'repeat_until') throw new Error('example changed');
      loop.until = {
        fraction_at_least: { step: 'identify_form', form: 'form_ii', value: { param: 'stop_fraction' } },
      };
    });
    expect(faultsOf(parseDefinition(byParam, 'yaml'))).toEqual([
      {
        pointer: '/steps/5/until/fraction_at_least/value/param',
        message: 'parameter stop_fraction ranges over [0, 2]; this field accepts [0, 1]',
      },
    ]);
  });

  it('a digital output takes a boolean', () => {
    const source = EXAMPLE.replace('value: true', 'value: 5');
    expect(faultsOf(parseDefinition(source, 'yaml'))).toEqual([
      { pointer: '/steps/0/value', message: 'a digital output takes true or false' },
    ]);
  });
});

describe('diffDefinitions', () => {
  it('matches steps by id: an inserted step is one addition; edits and removals point at the value', () => {
    const a = example();
    const b = structuredClone(a);
    b.steps.splice(2, 0, { id: 'settle', type: 'wait', seconds: 60 });
    const hold = b.steps[3];
    if (hold?.type !== 'hold') throw new Error('example changed');
    hold.seconds = 600;
    b.parameters.pop();
    expect(diffDefinitions(a, b)).toEqual([
      { op: 'removed', pointer: '/parameters/4', old: a.parameters[4] },
      { op: 'added', pointer: '/steps/2', new: { id: 'settle', type: 'wait', seconds: 60 } },
      { op: 'changed', pointer: '/steps/3/seconds', old: 300, new: 600 },
    ]);
    expect(diffDefinitions(a, a)).toEqual([]);
  });

  it('reports a reordered step as moved', () => {
    const a = example();
    const b = structuredClone(a);
    const [first, second] = b.steps;
    if (!first || !second) throw new Error('example changed');
    b.steps[0] = second;
    b.steps[1] = first;
    expect(diffDefinitions(a, b).map((c) => c.op)).toEqual(['moved', 'moved']);
  });
});

describe('the published JSON Schema', () => {
  it('docs/schemas/workflow-definition.v1.json is the TypeBox schema (rewrite: npx tsx packages/run-engine/src/json-schema.ts)', () => {
    expect(JSON.parse(readFileSync(JSON_SCHEMA_FILE, 'utf8'))).toEqual(
      JSON.parse(definitionJsonSchemaText()),
    );
  });
});
