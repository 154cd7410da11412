import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { type Caller, notFound } from '../../platform/access/lab-scope.ts';
import { mayReadRecordType } from '../../platform/access/signing-authority.ts';
import { type AuditTrail, TS_TEXT, toAuditEvent } from '../../platform/audit/audit-trail.ts';
import { type AuditEvent, canonicalJson, hashAuditEvent } from '../../platform/audit/canonical-hash.ts';
import { recordHash } from '../../platform/signatures/manifest.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import type { SignatureView, SignedRecordReader } from '../signatures/port.ts';
import type { RecordReports, ReportedRecord, ReportSource } from './port.ts';
import type { RecordReport, ReportVerification } from './schemas.ts';

/** What every report says about itself (printed on every page of the PDF). */
export const COPY_NOTICE =
  'Copy generated from the system of record (POLYMORPH-LITE); the database is the original.';

type TrailEvent = RecordReport['audit_trail'][number];
type ChainStatus = ReportVerification['audit_chain'];

/**
 * Human-readable copies of records (21 CFR 11.10(b)): the record, its whole audit trail, its signature
 * manifestations (11.50) and what verifies about them. Record types plug in with `registerRecordType`.
 */
export class ReportService implements RecordReports {
  private readonly sources = new Map<string, ReportSource>();

  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditTrail,
    private readonly signatures: SignedRecordReader,
  ) {}

  registerRecordType(recordType: string, source: ReportSource): void {
    this.sources.set(recordType, source);
  }

  recordTypes(): string[] {
    return [...this.sources.keys()].sort();
  }

  /** The report of a record the caller may read; any other answers 404, like an unknown record. */
  async report(recordType: string, recordId: string, caller: Caller): Promise<RecordReport> {
    const source = this.sources.get(recordType);
    const missing = notFound('Record', `${recordType} ${recordId}`);
    if (!source || !mayReadRecordType(caller.roles, recordType)) throw missing;
    // The whole chain, as the verify route checks it; streamed, so it is read outside the snapshot below.
    const chain = await this.audit.verify();
    const read = await this.uow.read(async (tx) => {
      const record = await source(tx, recordId, caller);
      if (!record) throw missing;
      const signed = await this.signatures.signedRecordInTransaction(tx, recordType, recordId, caller);
      return { record, signed, trail: await trailOf(tx, record), generatedAt: await dbNow(tx) };
    });
    const { record, signed, trail } = read;
    const signatures = signed?.signatures ?? [];
    const chainStatus: ChainStatus = {
      status: chain.status,
      checked: chain.checked,
      first_invalid_seq: chain.first_invalid_seq,
      reason: chain.reason,
    };
    return {
      record_type: recordType,
      record_id: recordId,
      generated_at: read.generatedAt,
      notice: COPY_NOTICE,
      values: record.values,
      audit_trail: trail,
      signatures,
      verification: verify(record, trail, signatures, chainStatus, signed?.record_hash),
      sections: record.sections ?? [],
    };
  }
}

/** Every audit event of the record's entities, in seq order, each with its own hash recomputed. */
async function trailOf(tx: LabTx, record: ReportedRecord): Promise<TrailEvent[]> {
  if (record.auditEntities.length === 0) return [];
  const entities = sql.join(
    record.auditEntities.map((e) => sql`(entity_type = ${e.entityType} AND entity_id = ${e.entityId})`),
    sql` OR `,
  );
  const rows = await queryRows<Parameters<typeof toAuditEvent>[0]>(
    tx,
    sql`SELECT seq, ${TS_TEXT} AS ts, actor, action, entity_type, entity_id, before, after, reason, request_id, ip, prev_hash, hash
          FROM audit_events WHERE ${entities} ORDER BY seq`,
  );
  return rows.map(toAuditEvent).map((e) => ({
    seq: e.seq,
    ts: e.ts,
    actor: e.actor,
    action: e.action,
    entity_type: e.entity_type,
    before: e.before,
    after: e.after,
    reason: e.reason,
    hash: e.hash,
    hash_valid: hashMatches(e),
  }));
}

function hashMatches(event: AuditEvent): boolean {
  try {
    return hashAuditEvent(event, event.prev_hash) === event.hash;
  } catch {
    return false;
  }
}

async function dbNow(tx: LabTx): Promise<string> {
  const [row] = await queryRows<{ now: string }>(
    tx,
    sql`SELECT to_char(date_trunc('seconds', now()) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS now`,
  );
  return row!.now;
}

/** The verification block: what holds, and each finding that a reader of the copy must see. */
function verify(
  record: ReportedRecord,
  trail: TrailEvent[],
  signatures: SignatureView[],
  chain: ChainStatus,
  signedHash: string | undefined,
): ReportVerification {
  const findings: string[] = [];
  if (chain.status === 'broken') {
    findings.push(
      `The audit chain does not verify: it breaks at seq ${chain.first_invalid_seq} (${chain.reason}).`,
    );
  }
  for (const e of trail.filter((x) => !x.hash_valid)) {
    findings.push(`Audit event ${e.seq} (${e.action}) of this record was altered: its hash does not match.`);
  }
  const state = auditedState(record, trail);
  if (state.checked && state.last_seq === null) {
    findings.push('No audit event records this record’s values: it was written outside the audit trail.');
  } else if (state.differing_fields.length > 0) {
    findings.push(
      `The record no longer matches its audit trail (event ${state.last_seq}): ${state.differing_fields.join(', ')} changed without an audited change.`,
    );
  }
  findings.push(...signatureFindings(signatures, trail));
  return {
    intact: findings.length === 0,
    findings,
    audit_chain: chain,
    record_hash: signedHash ?? recordHash(record.values),
    audited_state: state,
    signatures: {
      count: signatures.length,
      current: signatures.filter((s) => s.current).length,
      earlier_version: signatures.filter((s) => !s.current).length,
      invalid: signatures.filter((s) => !s.signature_valid).length,
    },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The current values against the latest audit event that recorded them (field by field, canonical JSON). */
function auditedState(record: ReportedRecord, trail: TrailEvent[]): ReportVerification['audited_state'] {
  const rule = record.auditedState;
  if (!rule) return { checked: false, last_seq: null, differing_fields: [] };
  const last = trail.findLast((e) => rule.actions.includes(e.action) && isObject(e.after));
  if (!last || !isObject(last.after)) return { checked: true, last_seq: null, differing_fields: [] };
  const after = last.after;
  const fields = rule.fields ?? Object.keys(after).filter((k) => k in record.values);
  const same = (f: string) => canonicalJson(after[f] ?? null) === canonicalJson(record.values[f] ?? null);
  return { checked: true, last_seq: last.seq, differing_fields: fields.filter((f) => !same(f)) };
}

/**
 * A signature over an earlier version is normal when the record changed afterwards through the audit
 * trail; without such a change the content moved behind the trail's back. A manifest whose server
 * signature fails was altered.
 */
function signatureFindings(signatures: SignatureView[], trail: TrailEvent[]): string[] {
  const findings: string[] = [];
  for (const s of signatures) {
    if (!s.signature_valid) {
      findings.push(`Signature ${s.id} (${s.meaning}): its manifest does not verify with the server key.`);
    }
    const changedSince = trail.some(
      (e) => !e.action.startsWith('signature.') && Date.parse(e.ts) >= Date.parse(s.signed_at),
    );
    if (!s.current && !changedSince) {
      findings.push(
        `Signature ${s.id} (${s.meaning}) was made over other content, and no audited change followed it.`,
      );
    }
  }
  return findings;
}
