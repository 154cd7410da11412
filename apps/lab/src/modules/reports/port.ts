// What sibling modules give the record reports: how to read one of their records for a report. A module
// registers its record type once (modules.ts); the report adds the audit trail, the signatures and the
// verification block, which are the same for every record type.
import type { LabTx } from '../../db/client.ts';
import type { Caller } from '../../platform/access/lab-scope.ts';
import type { ReportSection } from './schemas.ts';

export type { ReportSection } from './schemas.ts';

/** A record as a report shows it. */
export interface ReportedRecord {
  /** The record's current values, as the API shows them. */
  values: Record<string, unknown>;
  /** The (entity_type, entity_id) pairs whose audit events make up the record's trail. */
  auditEntities: { entityType: string; entityId: string }[];
  /**
   * The audit actions whose `after` holds the record as `values` shows it, and which of its fields to
   * compare (all of that `after`'s fields when omitted): the latest such event must match the record.
   */
  auditedState?: { actions: readonly string[]; fields?: readonly string[] };
  /** What the record type adds (a run's workflow, devices, steps, charts). */
  sections?: ReportSection[];
}

/**
 * Reads a record for its report, in the report's read transaction, as `scope` may see it: null when
 * there is no such record or it belongs to a lab the caller cannot see (both answer the same 404).
 */
export type ReportSource = (tx: LabTx, recordId: string, scope: Caller) => Promise<ReportedRecord | null>;

/** Makes a record type reportable; who may read it is the signing-authority table's `read`. */
export interface RecordReports {
  registerRecordType(recordType: string, source: ReportSource): void;
}
