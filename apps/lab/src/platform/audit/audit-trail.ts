import { sql } from 'drizzle-orm';
import { type Database, type LabDb, type LabTx, queryRows } from '../../db/client.ts';
import type { LabMetrics } from '../lab-metrics.ts';
import type { ServerKeyPair } from '../signatures/server-key.ts';
import { type AuditEvent, auditHashTemplate, type JsonValue, sealAuditEvent } from './canonical-hash.ts';
import { type ChainVerification, verifyChain } from './chain-verification.ts';
import { isCheckpointDue, type SignedCheckpoint, signCheckpoint } from './checkpoints.ts';

type Executor = Pick<LabDb, 'execute'>;

/** Who acts and from where; built once per request. */
export interface AuditContext {
  actor: string;
  requestId: string | null;
  ip: string | null;
}

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

// Serialises appends across every connection and process, so the chain never forks. Also hard-coded in
// the SQL function audit_append (migration 0005).
const AUDIT_APPEND_LOCK_KEY = 7_245_190_113;
/** The stored timestamp as fixed text (microseconds, UTC): what the hash covers and what readers get back. */
export const TS_TEXT = sql.raw(`to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

/** Dates become ISO strings and undefined disappears, exactly as jsonb will give the value back. */
function asJson(value: unknown): JsonValue | null {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as JsonValue);
}

/** As the driver returns it: bigint `seq` may come back as a string. */
type EventRow = Omit<AuditEvent, 'seq'> & { seq: string | number };

const EVENT_COLUMNS = sql.raw(
  `seq, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts, actor, action, entity_type,
   entity_id, before, after, reason, request_id, ip, prev_hash, hash`,
);

export function toAuditEvent(row: EventRow): AuditEvent {
  return { ...row, seq: Number(row.seq) };
}

type CheckpointRow = { seq: string; hash: string; ts: string; key_id: string; signature: string };

/** Appends one event within the current unit of work. */
export type AppendAudit = (ctx: AuditContext, entry: AuditEntry) => Promise<AuditEvent>;

/**
 * The one way to write the audit trail. `append` must be called with the transaction that makes the
 * change, so the record and its event commit together or not at all.
 */
export class AuditTrail {
  constructor(
    private readonly database: Database,
    private readonly signingKey: ServerKeyPair,
    private readonly checkpointInterval: number,
    private readonly metrics?: LabMetrics,
  ) {}

  /** Runs `work` in one transaction and counts the audit events it committed. */
  async transaction<T>(
    work: (tx: LabTx, audit: (ctx: AuditContext, entry: AuditEntry) => Promise<AuditEvent>) => Promise<T>,
  ): Promise<T> {
    let appended = 0;
    const result = await this.database.db.transaction(async (tx) =>
      work(tx, async (ctx, entry) => {
        const event = await this.append(tx, ctx, entry);
        appended++;
        return event;
      }),
    );
    this.metrics?.auditEvents.inc(appended);
    return result;
  }

  /**
   * Appends one event inside `tx` in one round trip (`audit_append`, migration 0005): the lock, the chain
   * head, the time (the database's now(), never the client's), the hash and the insert. The hash is
   * recomputed here from what the database used; a difference fails the transaction rather than writing
   * an event the verifier would reject.
   */
  async append(tx: LabTx, ctx: AuditContext, entry: AuditEntry): Promise<AuditEvent> {
    const content = {
      actor: ctx.actor,
      action: entry.action,
      entity_type: entry.entityType,
      entity_id: entry.entityId,
      before: asJson(entry.before),
      after: asJson(entry.after),
      reason: entry.reason ?? null,
      request_id: ctx.requestId,
      ip: ctx.ip,
    };
    const template = auditHashTemplate(content);
    const [row] = await queryRows<{ seq: string; ts: string; prev_hash: string; hash: string }>(
      tx,
      sql`SELECT seq, ts, prev_hash, hash FROM audit_append(${template.prefix}, ${template.middle},
            ${content.actor}, ${content.action}, ${content.entity_type}, ${content.entity_id},
            ${jsonParam(content.before)}::jsonb, ${jsonParam(content.after)}::jsonb, ${content.reason},
            ${content.request_id}, ${content.ip})`,
    );
    const event = sealAuditEvent({ ...content, seq: Number(row!.seq), ts: row!.ts }, row!.prev_hash);
    if (event.hash !== row!.hash)
      throw new Error(`audit_append hashed event ${event.seq} differently from the verifier`);
    if (isCheckpointDue(event.seq, this.checkpointInterval)) await this.insertCheckpoint(tx, event);
    return event;
  }

  /** Signs the current head on demand (e.g. before an export or an inspection). */
  async checkpointNow(): Promise<SignedCheckpoint | null> {
    return this.database.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${AUDIT_APPEND_LOCK_KEY})`);
      const [head] = await queryRows<EventRow>(
        tx,
        sql`SELECT ${EVENT_COLUMNS} FROM audit_events ORDER BY seq DESC LIMIT 1`,
      );
      if (!head) return null;
      // Read through `tx`: on PGlite a second connection would wait for this transaction forever.
      const [existing] = await queryRows<CheckpointRow>(
        tx,
        sql`SELECT seq, hash, ts, key_id, signature FROM audit_checkpoints WHERE seq = ${head.seq}`,
      );
      if (existing) return { ...existing, seq: Number(existing.seq) };
      return this.insertCheckpoint(tx, toAuditEvent(head));
    });
  }

  private async insertCheckpoint(tx: LabTx, head: AuditEvent): Promise<SignedCheckpoint> {
    await registerSigningKey(tx, this.signingKey);
    const cp = signCheckpoint(
      { seq: head.seq, hash: head.hash, ts: head.ts },
      this.signingKey.privateKey,
      this.signingKey.keyId,
    );
    await tx.execute(sql`
      INSERT INTO audit_checkpoints (seq, hash, ts, key_id, signature)
      VALUES (${cp.seq}, ${cp.hash}, ${cp.ts}, ${cp.key_id}, ${cp.signature})`);
    return cp;
  }

  async checkpoints(): Promise<SignedCheckpoint[]> {
    const list = await queryRows<CheckpointRow>(
      this.database.db,
      sql`SELECT seq, hash, ts, key_id, signature FROM audit_checkpoints ORDER BY seq`,
    );
    return list.map((c) => ({ ...c, seq: Number(c.seq) }));
  }

  /** Every event in seq order, read in pages of `pageSize` so memory stays constant. */
  async *events(pageSize = 1000): AsyncGenerator<AuditEvent> {
    let after = 0;
    for (;;) {
      const page = await queryRows<EventRow>(
        this.database.db,
        sql`SELECT ${EVENT_COLUMNS} FROM audit_events WHERE seq > ${after} ORDER BY seq LIMIT ${pageSize}`,
      );
      for (const row of page) yield toAuditEvent(row);
      if (page.length < pageSize) return;
      after = Number(page[page.length - 1]!.seq);
    }
  }

  /** Verifies the whole chain against the signed checkpoints, streaming; sets the chain-valid gauge. */
  async verify(): Promise<ChainVerification> {
    const result = await verifyChain(this.events(), {
      checkpoints: await this.checkpoints(),
      publicKey: this.signingKey.publicKey,
      checkpointInterval: this.checkpointInterval,
    });
    this.metrics?.auditChainValid.set(result.valid ? 1 : 0);
    return result;
  }
}

function jsonParam(value: JsonValue | null): string | null {
  return value === null ? null : JSON.stringify(value);
}

/** Keeps the public half of the server key in the database so verifiers can find it by key_id. */
export async function registerSigningKey(db: Executor, key: ServerKeyPair): Promise<void> {
  const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await db.execute(
    sql`INSERT INTO signing_keys (key_id, public_key_pem) VALUES (${key.keyId}, ${pem}) ON CONFLICT (key_id) DO NOTHING`,
  );
}
