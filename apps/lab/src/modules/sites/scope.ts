import { type SQL, sql } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import type { AuditContext } from '../../platform/audit/audit-trail.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import { auditContext } from '../../platform/http/request-context.ts';

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
}

export function callerOf(request: FastifyRequest): Caller {
  const p = request.principal;
  if (!p) throw new Error('callerOf on an unauthenticated request');
  return {
    ctx: auditContext(request),
    email: p.email,
    labId: p.labId,
    allLabs: p.roles.includes('admin'),
  };
}

/** A service acting on its own (seed-demo, sweeps): every lab, audited as `actor`. */
export function systemCaller(actor: string, labId: string | null): Caller {
  return { ctx: { actor, requestId: null, ip: null }, email: actor, labId, allLabs: true };
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

/** Escapes LIKE wildcards so user text matches literally. */
export const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Dates from either driver as ISO text. */
export const iso = (v: unknown): string | null =>
  v === null || v === undefined ? null : new Date(v as string).toISOString();
/** `date` columns as YYYY-MM-DD. */
export const day = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v.slice(0, 10);
  const d = v as Date;
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};
