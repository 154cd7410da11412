import type { Database, LabTx } from '../db/client.ts';
import type { AppendAudit, AuditTrail } from './audit/audit-trail.ts';

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

  async read<T>(work: (tx: LabTx) => Promise<T>): Promise<T> {
    return (await this.database.transaction(work, undefined, 'read only')).value;
  }
}
