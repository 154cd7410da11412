// For test suites: every response an app sends is checked against the OpenAPI document the same app
// serves. Violations are collected, and the suite fails on them (see each app's test helper).
import type { FastifyInstance } from 'fastify';
import type { OpenApiDocument } from './named-schemas.ts';
import { ResponseContract } from './response-contract.ts';

export interface ContractCheck {
  /** Everything found so far, one line each. */
  readonly violations: string[];
  /** Throws an Error listing the violations, if there are any. */
  assertClean(): void;
}

/**
 * Installs an onSend hook that checks each routed response. Call it before any route is registered: a
 * hook only reaches the routes added after it. The document is read from the app (`app.swagger()`) at
 * the first response, when every route is known.
 */
export function checkResponsesAgainstContract(app: FastifyInstance): ContractCheck {
  const violations: string[] = [];
  let contract: ResponseContract | undefined;
  app.addHook('onSend', async (request, reply, payload) => {
    const route = request.routeOptions.url;
    if (route === undefined) return payload;
    const contentType = reply.getHeader('content-type');
    try {
      contract ??= new ResponseContract(app.swagger() as OpenApiDocument);
      const found = contract.check({
        method: request.method,
        route,
        status: reply.statusCode,
        contentType: typeof contentType === 'string' ? contentType : undefined,
        body: bodyText(payload),
      });
      violations.push(...found);
    } catch (err) {
      // A document or schema that cannot even be compiled is a violation too, not a failed response.
      violations.push(`${request.method} ${route}: contract could not be checked: ${(err as Error).message}`);
    }
    return payload;
  });
  return {
    violations,
    assertClean() {
      if (violations.length === 0) return;
      const unique = [...new Set(violations)];
      throw new Error(
        `responses that break the OpenAPI contract (${unique.length}):\n  ${unique.join('\n  ')}`,
      );
    },
  };
}

function bodyText(payload: unknown): string | undefined {
  if (payload === null || payload === undefined) return '';
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  return undefined; // a stream: status and content type are still checked
}
