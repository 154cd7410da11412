// What sibling modules may use of e-signatures: make their records signable, and sign inside their
// own unit of work (a batch release and its signature commit together). SignatureService implements it.
import type { LabTx } from '../../db/client.ts';
import type { Caller } from '../../platform/access/lab-scope.ts';
import type { AppendAudit } from '../../platform/audit/audit-trail.ts';
import type { HttpProblem } from '../../platform/http/problem.ts';
import type { SignatureMeaning } from '../../platform/signatures/manifest.ts';
import type { SignatureCreate, SignatureView } from './schemas.ts';

export { SignatureView } from './schemas.ts';

/** What a record type gives the signature service: its regulated content and who authored it. */
export interface SignableRecord {
  /** Every regulated field, as stored; its canonical JSON hash is what a signature binds to. */
  content: unknown;
  /** Creator(s): they may sign it `authored`, never as reviewer or approver. */
  authors: string[];
}

/**
 * Loads a record for signing, in the signing transaction, as `scope` may see it: null when there is
 * no such record or it belongs to a lab the caller cannot see (both answer the same 404).
 */
export type SignableLoader = (tx: LabTx, recordId: string, scope: Caller) => Promise<SignableRecord | null>;

/**
 * Who signs: the caller, with their lab scope, their roles (signing authority) and the login session
 * they sign in (the session's first signing asks for user id and password, later ones the password;
 * null for a service acting on its own: every signing then re-authenticates with the password).
 */
export type Signer = Caller;

/** A signing: the record, the meaning, and the signer's credentials (re-authenticated every time). */
export type SignInput = SignatureCreate;

export type SignOutcome = { ok: true; signature: SignatureView } | { ok: false; problem: HttpProblem };

/**
 * Meanings a record type signs only through its own route, because that signing also moves the
 * record's state (a run's review and release): the meaning and the route that signs it, e.g.
 * `{ approved: 'POST /api/runs/{runId}/approve' }`. POST /api/signatures refuses them (400).
 */
export type SignedThrough = Partial<Record<SignatureMeaning, string>>;

export interface RecordSigning {
  /** Makes a record type signable (batches, samples, workflows ...). */
  registerRecordType(recordType: string, loader: SignableLoader, signedThrough?: SignedThrough): void;
  /**
   * Signs within the caller's unit of work. A refused signing (no authority, wrong credentials, no
   * such record, segregation of duties, the same signature twice in a session) returns the problem
   * instead of throwing, so the caller decides whether its transaction still commits (failed attempts
   * are audited and count towards the lockout).
   */
  signInTransaction(tx: LabTx, append: AppendAudit, signer: Signer, input: SignInput): Promise<SignOutcome>;
}

/** A signable record as it is now, and every signature made on it. */
export interface SignedRecord {
  /** The content signatures bind to, as loaded now. */
  content: unknown;
  /** Its canonical JSON hash: what a signature made now would bind to. */
  record_hash: string;
  /** In signing order; `current` is false for one made over an earlier content. */
  signatures: SignatureView[];
}

/** Reads a record's signatures inside the caller's unit of work (the record reports use it). */
export interface SignedRecordReader {
  /** Null when the type cannot be signed, or there is no such record in the scope's labs. */
  signedRecordInTransaction(
    tx: LabTx,
    recordType: string,
    recordId: string,
    scope: Caller,
  ): Promise<SignedRecord | null>;
}
