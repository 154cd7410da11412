import type { Database, LabTx } from '../db/client.ts';
import type { AppendAudit, AuditTrail } from './audit/audit-trail.ts';
import { claimKey, pendingIdempotentRequest, storeResponse } from './idempotency.ts';

/** What a create answers: 201 with this body; undefined when the work did not create (nothing is kept). */
type ResponseOf<T> = (value: T) => unknown;

/**
 * How a service reaches the database, one transaction per unit of work. `write` gives the work an
 * `audit` function: the change and its audit events commit together or not at all. `read` runs in a
 * read-only transaction, so a read can never change a record behind the audit trail's back.
 */
export class UnitOfWork {
  constructor(
    private readonly database: Database,
    private readonly trail: AuditTrail,
  ) {}

  write<T>(work: (tx: LabTx, audit: AppendAudit) => Promise<T>): Promise<T> {
    return this.trail.transaction(work);
  }

  /**
   * A `write` that creates what the request's 201 response shows. When the request carries an
   * Idempotency-Key (platform/http/idempotency-key.ts), the key and that response are stored in the
   * same transaction as the record, so a retry gets the response instead of a second record. By
   * default the response body is the work's value.
   */
  async create<T>(
    work: (tx: LabTx, audit: AppendAudit) => Promise<T>,
    responseOf: ResponseOf<T> = (value) => value,
  ): Promise<T> {
    const request = pendingIdempotentRequest();
    if (!request) return this.write(work);
    let stored: { status: number; body: string } | undefined;
    const value = await this.write(async (tx, audit) => {
      await claimKey(tx, request);
      const value = await work(tx, audit);
      const response = responseOf(value);
      if (response !== undefined) {
        stored = { status: 201, body: JSON.stringify(response) };
        await storeResponse(tx, request, stored.status, stored.body);
      }
      return value;
    });
    if (stored) request.stored = { ...stored, fingerprint: request.fingerprint };
    return value;
  }

  async read<T>(work: (tx: LabTx) => Promise<T>): Promise<T> {
    return (await this.database.transaction(work, undefined, 'read only')).value;
  }
}
