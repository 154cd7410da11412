import { describe, expect, it } from 'vitest';
import { fieldErrors, HttpProblem, problemType, validationProblem } from './problem.ts';

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
      { field: 'querystring.items[0].name', message: 'must be string' },
      { field: 'querystring.count', message: 'x' },
      { field: 'querystring.meta.colour', message: 'is not an allowed property' },
      { field: 'querystring.limit', message: 'is invalid' },
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
