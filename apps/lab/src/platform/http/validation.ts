// How request schemas are compiled: Fastify's own Ajv compiler, with two differences. Bodies are JSON,
// so their types are taken as sent ("5" is not a number); query strings, paths and headers are text,
// so their numbers and booleans are still read from it. And decimal columns have a format that refuses
// digits the column would silently round away. A text part's number must also be finite (finite-numbers.ts).
import AjvCompiler, { type Ajv, type BuildCompilerFromPool } from '@fastify/ajv-compiler';
import { refuseNonFiniteNumbers } from '@polymorph/http-problem/finite-numbers';
import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js';

/** The `format` of a number stored in a PostgreSQL `numeric(18,6)` column: at most 6 decimal places. */
export const NUMERIC_18_6 = 'numeric(18,6)';

/**
 * Decimal places of a number as JSON wrote it (the shortest text that reads back as the same double):
 * 0.000001 has 6, 1e-7 has 7, 1.5e-7 has 8. Counting digits avoids `multipleOf`, which float division
 * gets wrong (0.3 is not a multiple of 0.1 for IEEE 754).
 */
export function decimalPlaces(n: number): number {
  const [mantissa = '', exponent = '0'] = String(Math.abs(n)).split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}

function decimalFormats(ajv: Ajv): Ajv {
  ajv.addFormat(NUMERIC_18_6, {
    type: 'number',
    validate: (n: number) => Number.isFinite(n) && decimalPlaces(n) <= 6,
  });
  return ajv;
}

type RouteSchema = FastifyRouteSchemaDef<unknown>;
type Compile = (route: RouteSchema) => ReturnType<ReturnType<BuildCompilerFromPool>>;

/**
 * `schemaController.compilersFactory.buildValidator`: the same compiler pool Fastify uses, built
 * twice from the server's `ajv` options, once without type coercion for bodies.
 */
type PoolOptions = NonNullable<Parameters<BuildCompilerFromPool>[1]>;

export const buildLabValidator = (() => {
  const pool = AjvCompiler();
  return ((externalSchemas, options = {}) => {
    const text: PoolOptions = { ...options, plugins: [...(options.plugins ?? []), decimalFormats] };
    const json = { ...text, customOptions: { ...options.customOptions, coerceTypes: false } } as PoolOptions;
    const coercing = pool(externalSchemas, text) as unknown as Compile;
    const exact = pool(externalSchemas, json) as unknown as Compile;
    return ((route: RouteSchema) =>
      route.httpPart === 'body' ? exact(route) : refuseNonFiniteNumbers(coercing(route))) as never;
  }) satisfies BuildCompilerFromPool;
})();
