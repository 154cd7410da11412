import { AsyncLocalStorage } from 'node:async_hooks';
import { HttpProblem } from '@polymorph/http-problem/problem';
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../db/client.ts';

/** How long a stored response is replayed; an expired key may be used again (docs/api/idempotency.md). */
export const IDEMPOTENCY_KEY_HOURS = 24;
/** Expired rows one keyed create deletes, so the table stays bounded without a job. */
const PURGE_BATCH = 100;

/** A create sent with an `Idempotency-Key`, as the unit of work sees it. */
export interface IdempotentRequest {
  /** The caller's email: keys are per caller, so another user's key never reaches this response. */
  principal: string;
  labId: string | null;
  key: string;
  fingerprint: string;
  /** Set once the response is stored (the work committed). */
  stored?: StoredResponse;
}

export interface StoredResponse {
  fingerprint: string;
  status: number;
  /** The body as sent: JSON text. */
  body: string;
}

/** The key was used before for this request: answer what was answered then. */
export class IdempotentReplay extends Error {
  override readonly name = 'IdempotentReplay';
  constructor(readonly response: StoredResponse) {
    super('idempotent replay');
  }
}

const current = new AsyncLocalStorage<IdempotentRequest>();

/** Runs a route handler so that its create (`UnitOfWork.create`) records the key with the response. */
export function runIdempotent<T>(request: IdempotentRequest, handler: () => T): T {
  return current.run(request, handler);
}

/** The keyed request whose create has not been stored yet, if this code runs inside one. */
export function pendingIdempotentRequest(): IdempotentRequest | undefined {
  const request = current.getStore();
  return request && !request.stored ? request : undefined;
}

/** The live response stored under this caller's key, if any. */
export async function findStoredResponse(
  tx: LabTx,
  request: IdempotentRequest,
): Promise<StoredResponse | null> {
  const [row] = await queryRows<StoredResponse>(
    tx,
    sql`SELECT fingerprint, status, body FROM idempotency_keys
         WHERE principal = ${request.principal} AND key = ${request.key} AND expires_at > now()`,
  );
  return row ?? null;
}

/** 422 per the draft: the key already names a different request. */
export function keyReused(): HttpProblem {
  return new HttpProblem(
    422,
    'idempotency-key-reused',
    'Idempotency key reused',
    'This Idempotency-Key was used with a different request; use a new key for a new request',
  );
}

/** What a request whose key is stored gets: the stored response, or 422 when it is a different request. */
export function answerFromStored(
  request: IdempotentRequest,
  stored: StoredResponse,
): IdempotentReplay | HttpProblem {
  return stored.fingerprint === request.fingerprint ? new IdempotentReplay(stored) : keyReused();
}

/**
 * First step of a keyed create's transaction. A transaction-scoped advisory lock on the key makes a
 * concurrent request with the same key answer 409 instead of creating a second record; once holding
 * it, a response committed meanwhile is replayed (thrown as `IdempotentReplay`).
 */
export async function claimKey(tx: LabTx, request: IdempotentRequest): Promise<void> {
  const [lock] = await queryRows<{ locked: boolean }>(
    tx,
    sql`SELECT pg_try_advisory_xact_lock(hashtextextended(${`${request.principal}\n${request.key}`}, 16))
          AS locked`,
  );
  if (!lock?.locked) {
    throw new HttpProblem(
      409,
      'idempotency-key-in-use',
      'Idempotency key in use',
      'A request with this Idempotency-Key is still being processed; retry after it completes',
    );
  }
  const stored = await findStoredResponse(tx, request);
  if (stored) throw answerFromStored(request, stored);
}

/** Last step of a keyed create's transaction: the response, committed with the record or not at all. */
export async function storeResponse(
  tx: LabTx,
  request: IdempotentRequest,
  status: number,
  body: string,
): Promise<void> {
  // This caller's expired use of the key must go before the insert; other expired rows go a batch at a time.
  await tx.execute(
    // One IN over a UNION: an OR of the two conditions makes PostgreSQL scan the whole table on every create.
    sql`DELETE FROM idempotency_keys
         WHERE id IN (SELECT id FROM idempotency_keys
                       WHERE principal = ${request.principal} AND key = ${request.key} AND expires_at <= now()
                      UNION ALL
                      (SELECT id FROM idempotency_keys WHERE expires_at <= now() LIMIT ${PURGE_BATCH}))`,
  );
  await tx.execute(
    sql`INSERT INTO idempotency_keys (principal, lab_id, key, fingerprint, status, body, expires_at)
        VALUES (${request.principal}, ${request.labId}, ${request.key}, ${request.fingerprint}, ${status},
                ${body}, now() + make_interval(hours => ${IDEMPOTENCY_KEY_HOURS}))`,
  );
}
