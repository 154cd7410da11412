import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import type { AppendAudit, AuditContext } from '../../platform/audit/audit-trail.ts';
import { registerSigningKey } from '../../platform/audit/audit-trail.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import type { LabMetrics } from '../../platform/lab-metrics.ts';
import {
  buildSignatureManifest,
  checkSegregationOfDuties,
  formatManifestation,
  isSignatureCurrent,
  type SignatureMeaning,
  type SignedManifest,
  signManifest,
  verifyManifestSignature,
} from '../../platform/signatures/manifest.ts';
import type { ServerKeyPair } from '../../platform/signatures/server-key.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import type { Reauthenticator } from '../auth/port.ts';
import type { RecordSigning, SignableLoader, SignInput, SignOutcome } from './port.ts';
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
export class SignatureService implements RecordSigning {
  private readonly loaders = new Map<string, SignableLoader>();

  constructor(
    private readonly uow: UnitOfWork,
    private readonly auth: Reauthenticator,
    private readonly key: ServerKeyPair,
    private readonly metrics: LabMetrics,
  ) {}

  /** Modules make their records signable here (batches, samples, workflows ...). */
  registerRecordType(recordType: string, loader: SignableLoader): void {
    this.loaders.set(recordType, loader);
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

  /** Signs within an existing unit of work, so a status change and its signature commit together. */
  async signInTransaction(
    tx: LabTx,
    append: AppendAudit,
    signer: string,
    input: SignInput,
    ctx: AuditContext,
  ): Promise<SignOutcome> {
    const loader = this.loaderFor(input.record_type);
    const check = await this.auth.reauthenticate(tx, append, ctx, signer, input);
    if (!check.ok) return { ok: false, problem: check.problem };
    const record = await loader(tx, input.record_id);
    if (!record) {
      return {
        ok: false,
        problem: new HttpProblem(
          404,
          'not-found',
          'Record not found',
          `No ${input.record_type} ${input.record_id}`,
        ),
      };
    }
    const duties = checkSegregationOfDuties({
      meaning: input.meaning,
      signerEmail: signer,
      authorEmails: record.authors,
    });
    if (!duties.ok) {
      append(ctx, {
        action: 'signature.refused',
        entityType: input.record_type,
        entityId: input.record_id,
        after: { meaning: input.meaning, reason: duties.code },
      });
      return {
        ok: false,
        problem: new HttpProblem(403, 'segregation-of-duties', 'Segregation of duties', duties.message),
      };
    }
    const [now] = await queryRows<{ signed_at: string }>(
      tx,
      sql`SELECT to_char(date_trunc('milliseconds', now()) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS signed_at`,
    );
    const manifest = buildSignatureManifest({
      recordType: input.record_type,
      recordId: input.record_id,
      record: record.content,
      signerEmail: signer,
      signerName: check.user.name,
      meaning: input.meaning,
      reason: input.reason ?? null,
      signedAt: new Date(now!.signed_at),
    });
    const signed = signManifest(manifest, this.key.privateKey, this.key.keyId);
    await registerSigningKey(tx, this.key);
    const [row] = await queryRows<{ id: string }>(
      tx,
      sql`INSERT INTO electronic_signatures (record_type, record_id, record_hash, signer_email, signer_name, meaning, reason, signed_at, key_id, server_signature)
          VALUES (${signed.record_type}, ${signed.record_id}, ${signed.record_hash}, ${signed.signer_email}, ${signed.signer_name},
                  ${signed.meaning}, ${signed.reason}, ${signed.signed_at}::timestamptz, ${signed.key_id}, ${signed.server_signature})
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

  async sign(signer: string, input: SignInput, ctx: AuditContext): Promise<SignatureView> {
    const outcome = await this.uow.write((tx, append) =>
      this.signInTransaction(tx, append, signer, input, ctx),
    );
    if (!outcome.ok) {
      this.metrics.esignatureFailures.inc();
      throw outcome.problem;
    }
    this.metrics.esignatures.inc({ meaning: input.meaning });
    return outcome.signature;
  }

  async list(recordType: string, recordId: string): Promise<SignatureView[]> {
    const loader = this.loaderFor(recordType);
    return this.uow.read(async (tx) => {
      const rows = await queryRows<SignatureRow>(
        tx,
        sql`SELECT ${SIGNATURE_COLUMNS} FROM electronic_signatures
             WHERE record_type = ${recordType} AND record_id = ${recordId} ORDER BY signed_at, id`,
      );
      const record = await loader(tx, recordId);
      return rows.map((r) => {
        const { id, ...signed } = r;
        return {
          id,
          ...signed,
          manifestation: formatManifestation(signed),
          current: record !== null && isSignatureCurrent(signed, record.content),
          signature_valid:
            signed.key_id === this.key.keyId && verifyManifestSignature(signed, this.key.publicKey),
        };
      });
    });
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

/** A user account as a signable record: the fields an approval of an account would attest to. */
export const userRecordLoader: SignableLoader = async (tx, email) => {
  const [row] = await queryRows<{ email: string; name: string; is_active: boolean; roles: string[] }>(
    tx,
    sql`SELECT u.email, u.name, u.is_active, array_remove(array_agg(r.name ORDER BY r.name), NULL) AS roles
          FROM users u LEFT JOIN user_roles ur ON ur.user_email = u.email LEFT JOIN roles r ON r.id = ur.role_id
         WHERE u.email = ${email.toLowerCase()} GROUP BY u.email`,
  );
  // A user account is created by an admin; the account holder is treated as its author.
  return row ? { content: row, authors: [row.email] } : null;
};
