import { createHmac } from 'node:crypto';
import { problemResponses } from '@polymorph/http-problem/schema';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { Type } from 'typebox';
import { canonicalJson } from '../audit/canonical-hash.ts';
import {
  answerFromStored,
  findStoredResponse,
  IDEMPOTENCY_KEY_HOURS,
  IdempotentReplay,
  type IdempotentRequest,
  runIdempotent,
  type StoredResponse,
} from '../idempotency.ts';
import type { UnitOfWork } from '../unit-of-work.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Why this 201 route takes no Idempotency-Key (it is idempotent by itself, or its body is not JSON
     * the key's fingerprint can cover). Every other 201 POST takes one.
     */
    noIdempotencyKey?: string;
  }
  interface FastifyRequest {
    idempotentRequest?: IdempotentRequest;
  }
}

const HEADER = 'idempotency-key';
/** Printable ASCII without quote or backslash; bare (as Stripe sends it) or as a structured-field string. */
const KEY_CHARS = '[!#-\\[\\]-~]{1,255}';
export const IdempotencyKeyHeader = Type.String({
  pattern: `^(?:"${KEY_CHARS}"|${KEY_CHARS})$`,
  description: `A key you choose for this create (1 to 255 printable ASCII characters, e.g. a UUID). Sending the same request with the same key again within ${IDEMPOTENCY_KEY_HOURS} h answers the first response (with \`Idempotent-Replayed: true\`) instead of creating a second record; the same key with a different request answers 422; while the first is still running, 409. Keys are per user. See docs/api/idempotency.md.`,
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** A create: POST answering 201, unless the route says why it takes no key. */
const isCreate = (route: RouteOptions): boolean =>
  route.method === 'POST' &&
  isRecord(route.schema?.response) &&
  route.schema.response['201'] !== undefined &&
  route.config?.noIdempotencyKey === undefined;

/**
 * The same operation, path parameters and JSON body (canonical, so key order does not matter). Keyed
 * with a server secret: bodies can hold passwords (users, signatures), and a plain hash of one would be
 * open to guessing by whoever reads the table.
 */
function fingerprinter(secret: Uint8Array): (request: FastifyRequest) => string {
  const key = createHmac('sha256', secret).update('idempotency-key fingerprint').digest();
  return (request) => {
    const { method, url } = request.routeOptions;
    const { params = null, body = null } = request;
    return createHmac('sha256', key)
      .update(canonicalJson({ method, url: url ?? null, params, body }))
      .digest('hex');
  };
}

const IN_FLIGHT = 'a request with the same Idempotency-Key is still being processed';

/** A create's responses with the key's 409 and 422; a 409 the route declares says both causes. */
function withKeyProblems(declared: unknown): Record<string, unknown> {
  const responses = isRecord(declared) ? declared : {};
  const conflict = responses['409'];
  return {
    ...problemResponses(
      { 409: `Conflict, or ${IN_FLIGHT}` },
      { 422: 'The Idempotency-Key was already used with a different request' },
    ),
    ...responses,
    ...(isRecord(conflict)
      ? { 409: { ...conflict, description: `${String(conflict['description'])}; or ${IN_FLIGHT}` } }
      : {}),
  };
}

function sendStored(reply: FastifyReply, stored: StoredResponse): FastifyReply {
  return reply
    .code(stored.status)
    .header('idempotent-replayed', 'true')
    .type('application/json; charset=utf-8')
    .send(stored.body);
}

/**
 * Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header) on every create: the header and its
 * 409/422 answers join the route's contract, a retry whose response is stored is answered from it, and
 * the handler runs so that its `UnitOfWork.create` stores the key with the response in the record's
 * transaction. `secret` keys the request fingerprints (the token key: stable across restarts). Register
 * before the routes.
 */
export function registerIdempotencyKeys(app: FastifyInstance, uow: UnitOfWork, secret: Uint8Array): void {
  const fingerprintOf = fingerprinter(secret);
  const lookUp = async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = request.headers[HEADER];
    const principal = request.principal;
    if (typeof raw !== 'string' || !principal) return;
    const idempotent: IdempotentRequest = {
      principal: principal.email,
      labId: principal.labId,
      key: raw.replace(/^"(.*)"$/, '$1'),
      fingerprint: fingerprintOf(request),
    };
    const stored = await uow.read((tx) => findStoredResponse(tx, idempotent));
    if (stored) {
      const answer = answerFromStored(idempotent, stored);
      if (answer instanceof IdempotentReplay) return sendStored(reply, answer.response);
      throw answer;
    }
    request.idempotentRequest = idempotent;
  };

  app.addHook('onRoute', (route) => {
    if (!isCreate(route)) return;
    const schema = route.schema ?? {};
    if (schema.headers) throw new Error(`${route.url}: a create's header schema is made here`);
    schema.headers = Type.Object({ [HEADER]: Type.Optional(IdempotencyKeyHeader) });
    schema.response = withKeyProblems(schema.response);
    route.schema = schema;
    const preHandler = route.preHandler;
    route.preHandler = [...(Array.isArray(preHandler) ? preHandler : preHandler ? [preHandler] : []), lookUp];
    const handler = route.handler;
    route.handler = async function (request, reply) {
      const idempotent = request.idempotentRequest;
      if (!idempotent) return handler.call(this, request, reply);
      try {
        return await runIdempotent(idempotent, () => handler.call(this, request, reply));
      } catch (error) {
        if (error instanceof IdempotentReplay) return sendStored(reply, error.response);
        throw error;
      }
    };
  });

  // A create whose response differs from what it stored would replay something else: a bug to see.
  app.addHook('onSend', async (request, reply, payload) => {
    const idempotent = request.idempotentRequest;
    if (!idempotent || reply.statusCode !== 201 || reply.hasHeader('idempotent-replayed')) return payload;
    if (idempotent.stored?.body !== payload) {
      request.log.error(
        { route: request.routeOptions.url },
        idempotent.stored
          ? 'idempotent create stored a response different from the one sent'
          : 'create ran without UnitOfWork.create: its Idempotency-Key was not stored',
      );
    }
    return payload;
  });
}
