// How request schemas are compiled: Fastify's own Ajv compiler, with one addition: a number coerced
// from text must be finite (a seed of "-Infinity" cut a generation stream short).
import AjvCompiler, { type BuildCompilerFromPool } from '@fastify/ajv-compiler';
import { refuseNonFiniteNumbers } from '@polymorph/http-problem/finite-numbers';
import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js';

type Compile = (route: FastifyRouteSchemaDef<unknown>) => ReturnType<ReturnType<BuildCompilerFromPool>>;

/** `schemaController.compilersFactory.buildValidator` for the SynFinance API. */
export const buildApiValidator = (() => {
  const pool = AjvCompiler();
  return ((externalSchemas, options) => {
    const compile = pool(externalSchemas, options) as unknown as Compile;
    // Every part: this API coerces bodies too.
    return ((route: FastifyRouteSchemaDef<unknown>) => refuseNonFiniteNumbers(compile(route))) as never;
  }) satisfies BuildCompilerFromPool;
})();
