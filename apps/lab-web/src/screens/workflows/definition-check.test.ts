// The editor's client-side check against the published schema (the file the API serves, kept equal to
// it by a run-engine test): one mistake gives one issue at the step and field, as the API reports it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { issuesByStep, outline, parseSource, schemaIssues } from './definition-check.ts';

const schema = JSON.parse(
  readFileSync(new URL('../../../../../docs/schemas/workflow-definition.v1.json', import.meta.url), 'utf8'),
);
const source = (wait: string) => `schema_version: 1
name: check
title: Check
parameters: []
steps:
  - { id: heat, type: set_temperature, setpoint_c: 70 }
  - { id: settle, type: wait, ${wait} }
`;
const issuesOf = (text: string) => schemaIssues(schema, parseSource(text).value);

describe('definition check against the served schema', () => {
  it('passes a valid definition and outlines its steps', () => {
    expect(issuesOf(source('seconds: 300'))).toEqual([]);
    expect(outline(parseSource(source('seconds: 300')).value)).toEqual([
      { id: 'heat', type: 'set_temperature' },
      { id: 'settle', type: 'wait' },
    ]);
  });

  it('reports a bad number once, at its step and field, not once per step type', () => {
    const issues = issuesOf(source('seconds: -5'));
    expect(issues).toEqual([{ path: ['steps', '1', 'seconds'], message: '-5 is less than 0.' }]);
    expect(issuesByStep(issues).steps.get(1)).toEqual([{ path: ['seconds'], message: '-5 is less than 0.' }]);
  });

  it('reports an unknown field of the step its type names', () => {
    expect(issuesOf(source('seconds: 5, colour: red'))).toEqual([
      { path: ['steps', '1'], message: 'Property "colour" does not match additional properties schema.' },
    ]);
  });

  it('reports a step of no known type as matching none', () => {
    const issues = issuesOf(source('seconds: 5').replace('type: wait', 'type: snooze'));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toEqual(['steps', '1']);
  });

  it('reports a YAML error at the top', () => {
    const parsed = parseSource('steps: [\n');
    expect(parsed.issue?.path).toEqual([]);
  });
});
