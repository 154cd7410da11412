import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { iso } from '../../db/sql-values.ts';
import { type Caller, notFound } from '../../platform/access/lab-scope.ts';
import type { TrailVerification } from '../../platform/audit/audit-trail.ts';
import { offsetPage } from '../../platform/http/offset-page.ts';
import { HttpProblem, validationProblem } from '../../platform/http/problem.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import type { RecordSigning, SignableRecord } from '../signatures/port.ts';
import type {
  AuditTrailReviewCreate,
  AuditTrailReviewList,
  AuditTrailReviewQuery,
  AuditTrailReviewSign,
  AuditTrailReviewView,
} from './schemas.ts';

type Tx = Pick<LabTx, 'execute'>;

// The audit trail is one hash chain for every lab, read by whoever holds audit:read; its reviews are
// read the same way, so no query here filters by lab (the reviewer's lab is kept for provenance).
const VIEW = sql`SELECT r.id, l.lab_id, r.from_seq, r.to_seq, r.from_hash, r.to_hash, r.range_valid,
    r.first_invalid_seq, r.failure_reason, r.chain_status, r.events_checked, r.comment, r.created_by,
    r.created_at, r.status, r.signed_by, r.signed_at, r.signature_id
  FROM audit_trail_reviews r LEFT JOIN labs l ON l.id = r.lab_id`;

interface Row {
  id: string;
  lab_id: string | null;
  from_seq: number | string;
  to_seq: number | string;
  from_hash: string;
  to_hash: string;
  range_valid: boolean;
  first_invalid_seq: number | string | null;
  failure_reason: string | null;
  chain_status: 'valid' | 'unsealed' | 'broken';
  events_checked: number;
  comment: string;
  created_by: string;
  created_at: unknown;
  status: 'open' | 'signed';
  signed_by: string | null;
  signed_at: unknown;
  signature_id: string | null;
}

const toView = (r: Row): AuditTrailReviewView => ({
  id: r.id,
  lab_id: r.lab_id,
  from_seq: Number(r.from_seq),
  to_seq: Number(r.to_seq),
  events: Number(r.to_seq) - Number(r.from_seq) + 1,
  from_hash: r.from_hash,
  to_hash: r.to_hash,
  verification: {
    range_valid: r.range_valid,
    first_invalid_seq: r.first_invalid_seq === null ? null : Number(r.first_invalid_seq),
    reason: r.failure_reason,
    chain_status: r.chain_status,
    events_checked: r.events_checked,
  },
  comment: r.comment,
  created_by: r.created_by,
  created_at: iso(r.created_at)!,
  status: r.status,
  signed_by: r.signed_by,
  signed_at: iso(r.signed_at),
  signature_id: r.signature_id,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function reviewRow(tx: Tx, id: string, lock = false): Promise<Row | undefined> {
  if (!UUID.test(id)) return undefined;
  const [row] = await queryRows<Row>(
    tx,
    sql`${VIEW} WHERE r.id = ${id} ${lock ? sql`FOR UPDATE OF r` : sql``}`,
  );
  return row;
}

/**
 * What an `audit_trail_reviewed` signature binds to: the range, the hashes at its ends, the verification
 * and the comment, never the signing fields. Its creator is its author, so another person signs it.
 */
export async function auditTrailReviewSignableContent(tx: Tx, id: string): Promise<SignableRecord | null> {
  const row = await reviewRow(tx, id);
  if (!row) return null;
  const { status: _s, signed_by: _b, signed_at: _a, signature_id: _i, ...content } = toView(row);
  return { content, authors: [row.created_by] };
}

/** A review as its API shows it, or null; the trail is one chain for every lab, so is every review. */
export async function auditTrailReviewById(tx: Tx, id: string): Promise<AuditTrailReviewView | null> {
  const row = await reviewRow(tx, id);
  return row ? toView(row) : null;
}

/** Signing a review closes it, so it is signed only through its own route. */
export const AUDIT_TRAIL_REVIEW_SIGNED_THROUGH = {
  audit_trail_reviewed: 'POST /api/audit-trail-reviews/{reviewId}/sign',
} as const;

/** Whether the range verified: the chain broke nowhere at or before to_seq. */
function rangeVerdict(v: TrailVerification, toSeq: number) {
  const brokenAfter = !v.valid && v.first_invalid_seq !== null && v.first_invalid_seq > toSeq;
  const valid = v.valid || brokenAfter;
  return {
    range_valid: valid,
    first_invalid_seq: valid ? null : v.first_invalid_seq,
    reason: valid ? null : v.reason,
  };
}

/**
 * Periodic audit-trail reviews (21 CFR 11.10(e), reviewed by QA): a range of the chain, verified when the
 * review is created, then signed `audit_trail_reviewed` by someone other than its creator.
 */
export class AuditTrailReviewService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly verifyTrail: () => Promise<TrailVerification>,
    private readonly signing: RecordSigning,
  ) {}

  async create(input: AuditTrailReviewCreate, caller: Caller): Promise<AuditTrailReviewView> {
    await this.uow.read((tx) => checkRange(tx, input));
    // Events are never changed or removed, so the range checked above is still there; the whole chain
    // is verified (streamed, as GET /api/compliance/audit/verify does) before the review is written.
    const verdict = await this.verifyTrail();
    const range = rangeVerdict(verdict, input.to_seq);
    return this.uow.create(async (tx, append) => {
      const ends = await checkRange(tx, input);
      const [row] = await queryRows<{ id: string }>(
        tx,
        sql`INSERT INTO audit_trail_reviews (lab_id, from_seq, to_seq, from_hash, to_hash, range_valid, first_invalid_seq,
              failure_reason, chain_status, events_checked, comment, created_by)
            VALUES (${caller.labId}, ${input.from_seq}, ${input.to_seq}, ${ends.fromHash}, ${ends.toHash}, ${range.range_valid},
                    ${range.first_invalid_seq}, ${range.reason}, ${verdict.status}, ${verdict.checked}, ${input.comment},
                    ${caller.email})
            RETURNING id`,
      );
      const view = toView((await reviewRow(tx, row!.id))!);
      append(caller.ctx, {
        action: 'audit_trail_review.created',
        entityType: 'audit_trail_review',
        entityId: view.id,
        after: view,
      });
      return view;
    });
  }

  async get(id: string): Promise<AuditTrailReviewView> {
    const row = await this.uow.read((tx) => reviewRow(tx, id));
    if (!row) throw notFound('Audit trail review', id);
    return toView(row);
  }

  async list(q: AuditTrailReviewQuery): Promise<AuditTrailReviewList> {
    const rows = await this.uow.read((tx) =>
      queryRows<Row>(
        tx,
        sql`${VIEW} ORDER BY r.created_at DESC, r.id LIMIT ${q.limit + 1} OFFSET ${q.offset}`,
      ),
    );
    return offsetPage(rows, q, toView);
  }

  /** open -> signed: the e-signature and the status change commit together. */
  async sign(id: string, input: AuditTrailReviewSign, caller: Caller): Promise<AuditTrailReviewView> {
    let refused: HttpProblem | undefined;
    const view = await this.uow.write(async (tx, append) => {
      const before = await reviewRow(tx, id, true);
      if (!before) throw notFound('Audit trail review', id);
      if (before.status === 'signed') {
        throw new HttpProblem(409, 'conflict', 'Conflict', `Audit trail review ${id} is already signed`);
      }
      const signed = await this.signing.signInTransaction(tx, append, caller, {
        record_type: 'audit_trail_review',
        record_id: id,
        meaning: 'audit_trail_reviewed',
        password: input.password,
        ...(input.reason === undefined ? {} : { reason: input.reason }),
        ...(input.user_id === undefined ? {} : { user_id: input.user_id }),
        ...(input.mfa_code === undefined ? {} : { mfa_code: input.mfa_code }),
      });
      if (!signed.ok) {
        refused = signed.problem;
        return null;
      }
      await tx.execute(sql`UPDATE audit_trail_reviews SET status = 'signed', signed_by = ${caller.email},
          signed_at = now(), signature_id = ${signed.signature.id} WHERE id = ${id}`);
      const after = toView((await reviewRow(tx, id))!);
      append(caller.ctx, {
        action: 'audit_trail_review.signed',
        entityType: 'audit_trail_review',
        entityId: id,
        before: toView(before),
        after,
        reason: input.reason ?? null,
      });
      return after;
    });
    if (refused) throw refused;
    return view!;
  }
}

/** The range names existing events, in order: 400 naming the field otherwise. Returns the end hashes. */
async function checkRange(tx: Tx, input: AuditTrailReviewCreate) {
  if (input.to_seq < input.from_seq) {
    throw validationProblem([{ field: 'body.to_seq', message: 'must be at or after from_seq' }]);
  }
  const [last] = await queryRows<{ seq: number | string | null }>(
    tx,
    sql`SELECT max(seq) AS seq FROM audit_events`,
  );
  const lastSeq = Number(last?.seq ?? 0);
  if (input.to_seq > lastSeq) {
    throw validationProblem([
      { field: 'body.to_seq', message: `is beyond the last audit event (seq ${lastSeq})` },
    ]);
  }
  const ends = await queryRows<{ seq: number | string; hash: string }>(
    tx,
    sql`SELECT seq, hash FROM audit_events WHERE seq IN (${input.from_seq}, ${input.to_seq})`,
  );
  const hashAt = (seq: number) => ends.find((e) => Number(e.seq) === seq)?.hash;
  const fromHash = hashAt(input.from_seq);
  const toHash = hashAt(input.to_seq);
  // A seq can be missing only from a damaged chain (seq has no gaps otherwise).
  if (fromHash === undefined) {
    throw validationProblem([{ field: 'body.from_seq', message: 'names no audit event' }]);
  }
  if (toHash === undefined) {
    throw validationProblem([{ field: 'body.to_seq', message: 'names no audit event' }]);
  }
  return { fromHash, toHash };
}
