// Ajv's type coercion reads "Infinity", "-Infinity" and "1e400" in a query string, path or header as
// numbers that no range keyword then checks (minimum and maximum compare finite numbers only), so
// they reached SQL (LIMIT, OFFSET) and generators (a seed). The same holds for a body whose strings
// are coerced. A JSON number cannot be one: Ajv refuses the Infinity that JSON.parse makes of 1e400.
import type { AjvError } from './problem.ts';

type Validate = ((data: unknown) => unknown) & { errors?: unknown };

const escapeToken = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');

/** Non-finite numbers anywhere in a validated value (its depth is bounded by the input guard). */
function nonFiniteNumbers(value: unknown, instancePath = '', errors: AjvError[] = []): AjvError[] {
  if (typeof value === 'number' && !Number.isFinite(value))
    errors.push({
      instancePath,
      keyword: 'type',
      params: { type: 'number' },
      message: 'must be a finite number',
    });
  else if (Array.isArray(value))
    for (const [i, item] of value.entries()) nonFiniteNumbers(item, `${instancePath}/${i}`, errors);
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value))
      nonFiniteNumbers(item, `${instancePath}/${escapeToken(key)}`, errors);
  return errors;
}

/** Wraps a compiled validator of a coerced part so that a non-finite number fails as a type error of its field. */
export function refuseNonFiniteNumbers(validate: Validate): Validate {
  const wrapped: Validate = (data: unknown) => {
    const result = validate(data);
    if (result === false) {
      wrapped.errors = validate.errors;
      return false;
    }
    const errors = nonFiniteNumbers(data);
    wrapped.errors = errors.length ? errors : null;
    return errors.length ? false : result;
  };
  return wrapped;
}
