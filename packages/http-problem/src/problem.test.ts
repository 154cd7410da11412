import { describe, expect, it } from 'vitest';
import { fieldErrors, HttpProblem, pointerOfField, problemType, validationProblem } from './problem.ts';

describe('fieldErrors', () => {
  it('names nested, indexed, missing and extra fields as <part>.<path>', () => {
    expect(
      fieldErrors(
        [
          { instancePath: '/items/0/name', message: 'must be string' },
          { instancePath: '', message: 'x', params: { missingProperty: 'count' } },
          { instancePath: '/meta', message: 'x', params: { additionalProperty: 'colour' } },
          { instancePath: '/limit' },
        ],
        'querystring',
      ),
    ).toEqual([
      {
        field: 'querystring.items[0].name',
        in: 'query',
        pointer: '/items/0/name',
        message: 'must be string',
      },
      { field: 'querystring.count', in: 'query', pointer: '/count', message: 'x' },
      {
        field: 'querystring.meta.colour',
        in: 'query',
        pointer: '/meta/colour',
        message: 'is not an allowed property',
      },
      { field: 'querystring.limit', in: 'query', pointer: '/limit', message: 'is invalid' },
    ]);
  });

  it('defaults the part to body', () => {
    expect(fieldErrors([{ instancePath: '/a' }], undefined)[0]!.field).toBe('body.a');
  });
});

describe('problem values', () => {
  it('types are stable paths under /problems/', () => {
    expect(problemType('rate-limited')).toBe('/problems/rate-limited');
  });

  it('validationProblem is a 400 validation-error naming its fields', () => {
    const p = validationProblem([{ field: 'body.start', message: 'is not a real date' }]);
    expect(p).toBeInstanceOf(HttpProblem);
    expect([p.status, p.slug, p.message]).toEqual([
      400,
      'validation-error',
      '1 field(s) failed validation: body.start',
    ]);
  });
});

describe('JSON Pointers', () => {
  it('escape ~ and / in property names (RFC 6901) and keep the field readable', () => {
    const [e] = fieldErrors([{ instancePath: '/metadata/a~1b/c~0d', message: 'must be string' }], 'body');
    expect(e).toEqual({
      field: 'body.metadata.a/b.c~d',
      in: 'body',
      pointer: '/metadata/a~1b/c~0d',
      message: 'must be string',
    });
    const [missing] = fieldErrors([{ instancePath: '/x', params: { missingProperty: 'a/b' } }], 'body');
    expect(missing!.pointer).toBe('/x/a~1b');
  });

  it('point at the whole part when the part itself is wrong', () => {
    expect(fieldErrors([{ instancePath: '', message: 'must be object' }], 'body')[0]).toMatchObject({
      field: 'body',
      pointer: '',
    });
  });

  it('name the part as in: body, query, params, headers', () => {
    const at = (context: string) => fieldErrors([{ instancePath: '/a' }], context)[0]!.in;
    expect(['body', 'querystring', 'params', 'headers'].map(at)).toEqual([
      'body',
      'query',
      'params',
      'headers',
    ]);
  });

  it('pointerOfField reads a hand-built field', () => {
    expect(pointerOfField('body.samples[3].sample_id')).toEqual({
      in: 'body',
      pointer: '/samples/3/sample_id',
    });
    expect(pointerOfField('querystring.cursor')).toEqual({ in: 'query', pointer: '/cursor' });
    expect(pointerOfField('body.roles')).toEqual({ in: 'body', pointer: '/roles' });
    expect(pointerOfField('transaction.amount')).toBeUndefined();
    expect(pointerOfField('')).toBeUndefined();
  });
});

describe('allowed values', () => {
  const union = (path: string, values: string[], base = '#/properties/status') => [
    ...values.map((v, i) => ({
      instancePath: path,
      schemaPath: `${base}/anyOf/${i}/const`,
      keyword: 'const',
      params: { allowedValue: v },
      message: 'must be equal to constant',
    })),
    { instancePath: path, schemaPath: `${base}/anyOf`, keyword: 'anyOf', params: {}, message: 'x' },
  ];

  it('a union of literals is one error listing the allowed values', () => {
    expect(fieldErrors(union('/status', ['active', 'archived']), 'body')).toEqual([
      {
        field: 'body.status',
        in: 'body',
        pointer: '/status',
        message: 'must be one of: active, archived',
        allowed: ['active', 'archived'],
      },
    ]);
  });

  it('an enum lists its values', () => {
    const [e] = fieldErrors(
      [
        {
          instancePath: '/format',
          keyword: 'enum',
          params: { allowedValues: ['csv', 'jsonl'] },
          message: 'x',
        },
      ],
      'body',
    );
    expect(e).toMatchObject({ message: 'must be one of: csv, jsonl', allowed: ['csv', 'jsonl'] });
  });

  it('a union with a branch that is not a literal stays as Ajv reported it', () => {
    const errors = [
      ...union('/m', ['none'], '#/properties/m').slice(0, 1),
      {
        instancePath: '/m',
        schemaPath: '#/properties/m/anyOf/1/required',
        keyword: 'required',
        params: { missingProperty: 'k' },
        message: "must have required property 'k'",
      },
      { instancePath: '/m', schemaPath: '#/properties/m/anyOf', keyword: 'anyOf', params: {}, message: 'x' },
    ];
    expect(fieldErrors(errors, 'body').map((e) => e.message)).toEqual([
      'must be one of: none',
      "must have required property 'k'",
      'x',
    ]);
  });
});
