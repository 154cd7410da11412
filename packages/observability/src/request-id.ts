// One request-id mechanism for every Fastify app in the repository: the same header, the same rule for
// a caller's id, the same log field. A gateway can then correlate one request across both apps' logs.
//
//   const app = Fastify({ logger, ...requestIdServerOptions() });
//   await app.register(requestIdHeaderPlugin);
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type FastifyPluginAsync, type FastifyServerOptions, LogController } from 'fastify';
import fp from 'fastify-plugin';

export const REQUEST_ID_HEADER = 'x-request-id';
/** The field that carries the id on every request log line. */
export const REQUEST_ID_LOG_FIELD = 'request_id';

// A caller's id is kept only if it is short and plain, so it cannot inject into logs.
const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's `x-request-id` when it is safe to log, else a new UUID. */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
}

/**
 * The Fastify server options that make request ids: spread them into `Fastify({...})`. The log label is
 * set through a LogController because Fastify 5 deprecates the top-level `requestIdLogLabel` (FSTDEP024).
 */
export function requestIdServerOptions(): Pick<FastifyServerOptions, 'genReqId' | 'logController'> {
  return {
    genReqId: requestIdFor,
    logController: new LogController({ requestIdLogLabel: REQUEST_ID_LOG_FIELD }),
  };
}

/**
 * Echoes the request id in the `x-request-id` response header on every reply, errors and 404s included,
 * so a client can quote it. Registered with fastify-plugin, so the hook applies app-wide.
 */
export const requestIdHeaderPlugin: FastifyPluginAsync = fp(
  async (app) => {
    app.addHook('onRequest', async (request, reply) => {
      reply.header(REQUEST_ID_HEADER, request.id);
    });
  },
  { name: 'request-id-header', fastify: '5.x' },
);
