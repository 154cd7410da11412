import { type SQL, sql } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import type { AuditContext } from '../audit/audit-trail.ts';
import { HttpProblem } from '../http/problem.ts';
import { auditContext } from '../http/request-context.ts';

/**
 * Who calls a LIMS service and which labs they may see. Admins see every lab; everyone else sees
 * only their own lab's records, and a record of another lab is answered with 404, never 403.
 */
export interface Caller {
  ctx: AuditContext;
  email: string;
  /** The caller's lab (labs.id), used for new records and for scoping. */
  labId: string | null;
  allLabs: boolean;
  /** The caller's roles (what an e-signature's authority is checked against). */
  roles: readonly string[];
  /** The login session, null for a service acting on its own: a signing's components depend on it. */
  sessionId: string | null;
}

export function callerOf(request: FastifyRequest): Caller {
  const p = request.principal;
  if (!p) throw new Error('callerOf on an unauthenticated request');
  return {
    ctx: auditContext(request),
    email: p.email,
    labId: p.labId,
    allLabs: p.roles.includes('admin'),
    roles: p.roles,
    sessionId: p.sessionId,
  };
}

/** A service acting on its own (seed-demo, sweeps): every lab, audited as `actor`. */
export function systemCaller(actor: string, labId: string | null): Caller {
  return {
    ctx: { actor, requestId: null, ip: null },
    email: actor,
    labId,
    allLabs: true,
    roles: [],
    sessionId: null,
  };
}

/** SQL predicate: the row's lab column is visible to the caller. */
export function visibleTo(caller: Caller, labColumn: SQL): SQL {
  if (caller.allLabs) return sql`TRUE`;
  return sql`${labColumn} = ${caller.labId}`;
}

/** 404 whether the record is missing or in another lab: nothing leaks that it exists. */
export const notFound = (what: string, id: string) =>
  new HttpProblem(404, 'not-found', `${what} not found`, `No ${what.toLowerCase()} ${id}`);

/** Resolves the lab a new record goes to: an admin may name one (lab code); others get their own. */
export async function labForNewRecord(
  tx: { execute: (q: SQL) => Promise<unknown> },
  caller: Caller,
  labCode: string | undefined,
): Promise<string | null> {
  if (labCode === undefined) return caller.labId;
  const result = (await tx.execute(sql`SELECT id FROM labs WHERE lab_id = ${labCode}`)) as {
    rows: { id: string }[];
  };
  const id = result.rows[0]?.id;
  if (!id || (!caller.allLabs && id !== caller.labId)) {
    throw new HttpProblem(400, 'validation-error', 'Invalid request', `Unknown lab ${labCode}`, [
      { field: 'body.lab_id', message: 'is not a lab you can write to' },
    ]);
  }
  return id;
}
