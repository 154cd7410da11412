import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';

/**
 * A module's routes: a Fastify plugin whose schemas are TypeBox, so `body`, `params`, `query` and the
 * reply are typed from the same schemas that validate requests and make the OpenAPI document.
 */
export type LabRoutes<Options extends Record<string, unknown>> = FastifyPluginAsyncTypebox<Options>;

/** The app as a module's routes see it (TypeBox type provider). */
export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;
