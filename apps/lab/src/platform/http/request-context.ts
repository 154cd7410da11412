import type { FastifyRequest } from 'fastify';
import type { AuditContext } from '../audit/audit-trail.ts';

/** Who is acting and from where, for the audit trail. Anonymous callers are named by what they claimed. */
export function auditContext(request: FastifyRequest, actor?: string): AuditContext {
  return {
    actor: actor ?? request.principal?.email ?? 'anonymous',
    requestId: request.id,
    ip: request.ip ?? null,
  };
}
