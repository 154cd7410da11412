import { createPublicKey, type KeyObject } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { type Caller, visibleTo } from '../../platform/access/lab-scope.ts';
import { mayReadRecordType, signingAuthority } from '../../platform/access/signing-authority.ts';
import type { AppendAudit } from '../../platform/audit/audit-trail.ts';
import { registerSigningKey } from '../../platform/audit/audit-trail.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import type { LabMetrics } from '../../platform/lab-metrics.ts';
import {
  buildSignatureManifest,
  checkSegregationOfDuties,
  formatManifestation,
  isSignatureCurrent,
  recordHash,
  type SignatureMeaning,
  type SignedManifest,
  signManifest,
  verifyManifestSignature,
} from '../../platform/signatures/manifest.ts';
import type { ServerKeyPair } from '../../platform/signatures/server-key.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import { normalizeEmail, type Reauthenticator } from '../auth/port.ts';
import { DEFAULT_LAB_CODE } from '../sites/port.ts';
import type {
  RecordSigning,
  SignableLoader,
  SignedRecord,
  SignedRecordReader,
  SignedThrough,
  Signer,
  SignInput,
  SignOutcome,
} from './port.ts';
import type { SignatureView } from './schemas.ts';

interface SignatureRow {
  id: string;
  record_type: string;
  record_id: string;
  record_hash: string;
  signer_email: string;
  signer_name: string;
  meaning: SignatureMeaning;
  reason: string | null;
  signed_at: string;
  key_id: string;
  server_signature: string;
}

const SIGNATURE_COLUMNS =
  sql.raw(`id, record_type, record_id, record_hash, signer_email, signer_name, meaning, reason,
  to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS signed_at, key_id, server_signature`);

/**
 * Electronic signatures (21 CFR 11.50, 11.70, 11.200): every signing re-authenticates with both
 * components, binds to the record's content hash, is countersigned by the server key, stored immutably
 * and audited in the same transaction.
 */
export class SignatureService implements RecordSigning, SignedRecordReader {
  private readonly loaders = new Map<string, SignableLoader>();
  private readonly routedMeanings = new Map<string, SignedThrough>();

  constructor(
    private readonly uow: UnitOfWork,
    private readonly auth: Reauthenticator,
    private readonly key: ServerKeyPair,
    private readonly metrics: LabMetrics,
  ) {}

  /** Modules make their records signable here (batches, samples, workflows ...). */
  registerRecordType(recordType: string, loader: SignableLoader, signedThrough: SignedThrough = {}): void {
    this.loaders.set(recordType, loader);
    this.routedMeanings.set(recordType, signedThrough);
  }

  recordTypes(): string[] {
    return [...this.loaders.keys()].sort();
  }

  private loaderFor(recordType: string): SignableLoader {
    const loader = this.loaders.get(recordType);
    if (!loader) {
      throw new HttpProblem(
        400,
        'validation-error',
        'Invalid request',
        `record_type ${recordType} cannot be signed`,
        [{ field: 'body.record_type', message: `must be one of ${this.recordTypes().join(', ')}` }],
      );
    }
    return loader;
  }

  /**
   * Signs within an existing unit of work, so a status change and its signature commit together.
   * Order of the checks: what the roles allow (type-level, so it tells nothing about one record), the
   * session's identification rule, re-authentication, then the record in the signer's lab scope. An
   * unknown record and one of another lab take the same path to the same 404.
   */
  async signInTransaction(
    tx: LabTx,
    append: AppendAudit,
    signer: Signer,
    input: SignInput,
  ): Promise<SignOutcome> {
    const loader = this.loaderFor(input.record_type);
    const ctx = signer.ctx;
    const refuse = (reason: string, problem: HttpProblem): SignOutcome => {
      append(ctx, {
        action: 'signature.refused',
        entityType: input.record_type,
        entityId: input.record_id,
        after: { meaning: input.meaning, reason },
      });
      return { ok: false, problem };
    };
    const authority = signingAuthority(signer.roles, input.record_type, input.meaning);
    if (authority === 'unreadable') return { ok: false, problem: recordNotFound(input) };
    if (authority === 'forbidden') {
      return refuse(
        'no_signing_authority',
        new HttpProblem(
          403,
          'forbidden',
          'Forbidden',
          `Your roles may not sign a ${input.record_type} with meaning ${input.meaning}`,
        ),
      );
    }
    const identification = await this.checkIdentification(tx, signer, input);
    if (identification) return refuse(identification.reason, identification.problem);
    const check = await this.auth.reauthenticate(tx, append, ctx, signer.email, input);
    if (!check.ok) return { ok: false, problem: check.problem };
    const record = await loader(tx, input.record_id, signer);
    if (!record) return { ok: false, problem: recordNotFound(input) };
    const duties = checkSegregationOfDuties({
      meaning: input.meaning,
      signerEmail: signer.email,
      authorEmails: record.authors,
    });
    if (!duties.ok) {
      return refuse(
        duties.code,
        new HttpProblem(403, 'segregation-of-duties', 'Segregation of duties', duties.message),
      );
    }
    // Re-authentication locked the signer's row, so a concurrent twin of this request waits until this
    // one commits and then finds its signature here (the unique index is the last guard).
    if (signer.sessionId !== null) {
      const [twin] = await queryRows<{ id: string }>(
        tx,
        sql`SELECT id FROM electronic_signatures
             WHERE session_id = ${signer.sessionId} AND signer_email = ${signer.email}
               AND record_type = ${input.record_type} AND record_id = ${input.record_id}
               AND record_hash = ${recordHash(record.content)} AND meaning = ${input.meaning}`,
      );
      if (twin) return refuse('duplicate', duplicateSignature(input, twin.id));
    }
    const [now] = await queryRows<{ signed_at: string }>(
      tx,
      sql`SELECT to_char(date_trunc('milliseconds', now()) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS signed_at`,
    );
    const manifest = buildSignatureManifest({
      recordType: input.record_type,
      recordId: input.record_id,
      record: record.content,
      signerEmail: signer.email,
      signerName: check.user.name,
      meaning: input.meaning,
      reason: input.reason ?? null,
      signedAt: new Date(now!.signed_at),
    });
    const signed = signManifest(manifest, this.key.privateKey, this.key.keyId);
    await registerSigningKey(tx, this.key);
    const [row] = await queryRows<{ id: string }>(
      tx,
      sql`INSERT INTO electronic_signatures (record_type, record_id, record_hash, signer_email, signer_name, meaning, reason, signed_at, key_id, server_signature, session_id)
          VALUES (${signed.record_type}, ${signed.record_id}, ${signed.record_hash}, ${signed.signer_email}, ${signed.signer_name},
                  ${signed.meaning}, ${signed.reason}, ${signed.signed_at}::timestamptz, ${signed.key_id}, ${signed.server_signature},
                  ${signer.sessionId}::uuid)
          RETURNING id`,
    );
    append(ctx, {
      action: 'signature.applied',
      entityType: input.record_type,
      entityId: input.record_id,
      after: { signature_id: row!.id, ...signed },
      reason: input.reason ?? null,
    });
    return {
      ok: true,
      signature: {
        id: row!.id,
        ...signed,
        manifestation: formatManifestation(signed),
        current: true,
        signature_valid: true,
      },
    };
  }

  /**
   * 21 CFR 11.200(a)(1): the first signing of a login session takes the user id and the password; later
   * ones in the same session the password (the user id, when sent, must still be the signer's).
   */
  private async checkIdentification(
    tx: LabTx,
    signer: Signer,
    input: SignInput,
  ): Promise<{ reason: string; problem: HttpProblem } | null> {
    if (input.user_id === undefined) {
      if (signer.sessionId === null) return null;
      const [earlier] = await queryRows<{ id: string }>(
        tx,
        sql`SELECT id FROM electronic_signatures WHERE session_id = ${signer.sessionId} LIMIT 1`,
      );
      if (earlier) return null;
      return {
        reason: 'user_id_required',
        problem: new HttpProblem(
          400,
          'validation-error',
          'Invalid request',
          'The first signing of a session takes your user id and your password',
          [{ field: 'body.user_id', message: 'is required on the first signing of a session' }],
        ),
      };
    }
    if (normalizeEmail(input.user_id) === signer.email) return null;
    // The same answer as a wrong password: the user id is a credential, not a lookup.
    return {
      reason: 'user_id_mismatch',
      problem: new HttpProblem(
        401,
        'invalid-credentials',
        'Invalid credentials',
        'The email or password is incorrect',
      ),
    };
  }

  async sign(signer: Signer, input: SignInput): Promise<SignatureView> {
    const route = this.routedMeanings.get(input.record_type)?.[input.meaning];
    if (route !== undefined) {
      // Type-level, like an unknown record type: it tells nothing about one record.
      throw new HttpProblem(
        400,
        'validation-error',
        'Invalid request',
        `A ${input.record_type} is signed ${input.meaning} through ${route}, which records the decision with it`,
        [{ field: 'body.meaning', message: `is signed on a ${input.record_type} through ${route}` }],
      );
    }
    let outcome: SignOutcome;
    try {
      // A refused signing commits its failed attempt but keeps no response: a retry is judged again.
      outcome = await this.uow.create(
        (tx, append) => this.signInTransaction(tx, append, signer, input),
        (signed) => (signed.ok ? signed.signature : undefined),
      );
    } catch (err) {
      // A twin request that got past the check at the same instant: the unique index refused it.
      if (!isUniqueViolation(err)) throw err;
      outcome = { ok: false, problem: duplicateSignature(input, null) };
    }
    if (!outcome.ok) {
      this.metrics.esignatureFailures.inc();
      throw outcome.problem;
    }
    this.metrics.esignatures.inc({ meaning: input.meaning });
    return outcome.signature;
  }

  /** The signatures of a record the caller may read; any other record answers 404 like an unknown one. */
  async list(recordType: string, recordId: string, caller: Caller & { roles: readonly string[] }) {
    const notFound = recordNotFound({ record_type: recordType, record_id: recordId });
    this.loaderFor(recordType);
    if (!mayReadRecordType(caller.roles, recordType)) throw notFound;
    return this.uow.read(async (tx): Promise<SignatureView[]> => {
      const signed = await this.signedRecordInTransaction(tx, recordType, recordId, caller);
      if (!signed) throw notFound;
      return signed.signatures;
    });
  }

  /**
   * A signable record as `scope` may see it (null otherwise, or for a type that cannot be signed), its
   * content hash, and its signatures in signing order, each checked against the content as it is now.
   */
  async signedRecordInTransaction(
    tx: LabTx,
    recordType: string,
    recordId: string,
    scope: Caller,
  ): Promise<SignedRecord | null> {
    const loader = this.loaders.get(recordType);
    const record = loader ? await loader(tx, recordId, scope) : null;
    if (!record) return null;
    const rows = await queryRows<SignatureRow>(
      tx,
      sql`SELECT ${SIGNATURE_COLUMNS} FROM electronic_signatures
           WHERE record_type = ${recordType} AND record_id = ${recordId} ORDER BY signed_at, id`,
    );
    const keys = await this.publicKeys(
      tx,
      rows.map((r) => r.key_id),
    );
    const signatures = rows.map((r) => {
      const { id, ...signed } = r;
      return {
        id,
        ...signed,
        manifestation: formatManifestation(signed),
        current: isSignatureCurrent(signed, record.content),
        signature_valid: verifyWith(keys.get(signed.key_id), signed),
      };
    });
    return { content: record.content, record_hash: recordHash(record.content), signatures };
  }

  /**
   * The server keys that signed these signatures: the current one, and earlier ones as registered in
   * signing_keys when they signed (a key rotation keeps older signatures verifiable).
   */
  private async publicKeys(tx: LabTx, keyIds: string[]): Promise<Map<string, KeyObject>> {
    const keys = new Map<string, KeyObject>([[this.key.keyId, this.key.publicKey]]);
    const others = [...new Set(keyIds)].filter((id) => !keys.has(id));
    if (others.length === 0) return keys;
    const rows = await queryRows<{ key_id: string; public_key_pem: string }>(
      tx,
      sql`SELECT key_id, public_key_pem FROM signing_keys WHERE key_id IN (${sql.join(
        others.map((id) => sql`${id}`),
        sql`, `,
      )})`,
    );
    for (const row of rows) keys.set(row.key_id, createPublicKey(row.public_key_pem));
    return keys;
  }

  /** Every signature, for the offline export. */
  async all(): Promise<SignedManifest[]> {
    const rows = await this.uow.read((tx) =>
      queryRows<SignatureRow>(
        tx,
        sql`SELECT ${SIGNATURE_COLUMNS} FROM electronic_signatures ORDER BY signed_at, id`,
      ),
    );
    return rows.map(({ id: _id, ...signed }) => signed);
  }
}

/** A user's lab: their assignment, or the default lab when none (as the authenticator resolves it). */
const USER_LAB = sql`coalesce(u.lab_id, (SELECT d.id FROM labs d WHERE d.lab_id = ${DEFAULT_LAB_CODE}))`;

/**
 * A user account as a signable record: the fields an approval of an account would attest to. Accounts
 * belong to their lab like any record, so an account of another lab is not found.
 */
export const userRecordLoader: SignableLoader = async (tx, email, scope) => {
  const [row] = await queryRows<{ email: string; name: string; is_active: boolean; roles: string[] }>(
    tx,
    sql`SELECT u.email, u.name, u.is_active, array_remove(array_agg(r.name ORDER BY r.name), NULL) AS roles
          FROM users u LEFT JOIN user_roles ur ON ur.user_email = u.email LEFT JOIN roles r ON r.id = ur.role_id
         WHERE u.email = ${email.toLowerCase()} AND ${visibleTo(scope, USER_LAB)} GROUP BY u.email`,
  );
  // A user account is created by an admin; the account holder is treated as its author.
  return row ? { content: row, authors: [row.email] } : null;
};

/** The one 404 of a signing or a listing: the same for an unknown record and one the caller may not see. */
function recordNotFound(input: { record_type: string; record_id: string }): HttpProblem {
  return new HttpProblem(404, 'not-found', 'Record not found', `No ${input.record_type} ${input.record_id}`);
}

function duplicateSignature(input: SignInput, existingId: string | null): HttpProblem {
  return new HttpProblem(
    409,
    'conflict',
    'Duplicate signature',
    `You already signed this ${input.record_type}, as it is now, with meaning ${input.meaning} in this session${existingId ? ` (signature ${existingId})` : ''}`,
  );
}

/** A manifest's server signature checked with the key named by its key id; false for an unknown key. */
function verifyWith(key: KeyObject | undefined, signed: SignedManifest): boolean {
  return key !== undefined && verifyManifestSignature(signed, key);
}
