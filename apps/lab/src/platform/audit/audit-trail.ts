import { type SQL, sql } from 'drizzle-orm';
import { type Database, type LabDb, type LabTx, queryRows } from '../../db/client.ts';
import type { AuditSealSource, LabMetrics } from '../lab-metrics.ts';
import type { ServerKeyPair } from '../signatures/server-key.ts';
import {
  type AuditEvent,
  type AuditEventContent,
  auditHashTemplate,
  GENESIS_HASH,
  type JsonValue,
  sealAuditEvent,
} from './canonical-hash.ts';
import { type ChainVerification, verifyChain } from './chain-verification.ts';
import { isCheckpointDue, type SignedCheckpoint, signCheckpoint } from './checkpoints.ts';
import {
  KEY_ROTATION_ACTION,
  type RotationEvent,
  type SignedKeyHandover,
  signKeyHandover,
} from './key-handover.ts';

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

/**
 * Records one event in the current unit of work. The event is written when the work is done, in the same
 * transaction, just before COMMIT (see `AuditTrail.transaction`).
 */
export type AppendAudit = (ctx: AuditContext, entry: AuditEntry) => void;

/** An event whose content is fixed; the database gives it seq, ts and prev_hash when it appends it. */
interface PendingEvent {
  content: AuditEventContent;
  template: { prefix: string; middle: string };
}

type AppendedRow = { seq: string; ts: string; prev_hash: string; hash: string };

export interface AuditTrailOptions {
  /**
   * Sign the head when the oldest unsigned event is this many seconds old, even if the event interval is
   * not reached: the tail an attacker could rewrite unnoticed is bounded in time as well as in events.
   * 0 turns the time bound off.
   */
  checkpointSeconds?: number;
  /** Milliseconds since the epoch; tests pass a clock they move. */
  clock?: () => number;
  /**
   * Called after each checkpoint this process signs has committed, e.g. to keep the last signed head
   * outside the database (signed-head.ts). It must not throw: the checkpoint is already committed.
   */
  onCheckpointSigned?: (cp: SignedCheckpoint) => Promise<void>;
}

/** Default of POLYMORPH_AUDIT_CHECKPOINT_SECONDS, also used when the caller passes no options. */
export const DEFAULT_CHECKPOINT_SECONDS = 300;

/**
 * The verdict that `audit verify`, the verify route and the alerts share:
 * - `valid`: the chain is intact and sealed on schedule (a tail younger than two checkpoint periods is
 *   normal: the running server signs it);
 * - `unsealed`: the chain is intact, but events are not sealed as the checkpoint policy requires
 *   (checkpoints the interval calls for are missing, or the tail after the last checkpoint is older than
 *   two checkpoint periods). What a stop between a commit and its checkpoint leaves; a person verifies and
 *   signs late, nothing signs by itself;
 * - `broken`: a hash, link, sequence, signature or hand-over does not verify, or the tail was cut off.
 */
export type SealStatus = 'valid' | 'unsealed' | 'broken';

export interface TrailVerification extends ChainVerification {
  status: SealStatus;
  /** As in `ChainVerification`, with the age of its oldest event by the database's clock. */
  unsealed: (NonNullable<ChainVerification['unsealed']> & { age_seconds: number }) | null;
}

/** The chain no longer verifies: the database hashed an event differently from the verifier. */
export class AuditIntegrityError extends Error {
  override readonly name = 'AuditIntegrityError';
}

/**
 * The one way to write the audit trail: `transaction` gives the unit of work an `audit` function, and the
 * record and its events commit together or not at all.
 */
export class AuditTrail {
  private readonly checkpointMs: number;
  private readonly clock: () => number;
  private readonly onCheckpointSigned: (cp: SignedCheckpoint) => Promise<void>;
  /** When the oldest event not covered by a checkpoint was appended by this process; null when none. */
  private unsignedSince: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly database: Database,
    private readonly signingKey: ServerKeyPair,
    private readonly checkpointInterval: number,
    private readonly metrics?: LabMetrics,
    options: AuditTrailOptions = {},
  ) {
    this.checkpointMs = (options.checkpointSeconds ?? DEFAULT_CHECKPOINT_SECONDS) * 1000;
    this.clock = options.clock ?? Date.now;
    this.onCheckpointSigned = options.onCheckpointSigned ?? (async () => undefined);
  }

  /**
   * Signs the head when the oldest unsigned event is `checkpointSeconds` old. Called after every append
   * and by a timer (so a quiet server signs its last events too); tests call it after moving the clock.
   */
  async tick(): Promise<SignedCheckpoint | null> {
    if (this.unsignedSince === null || this.checkpointMs <= 0) return null;
    if (this.clock() - this.unsignedSince < this.checkpointMs) return null;
    return this.checkpointNow();
  }

  /** Stops the timer; the owner calls it when it closes the database. */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private noteUnsigned(): void {
    if (this.unsignedSince !== null || this.checkpointMs <= 0) return;
    this.unsignedSince = this.clock();
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      // A failure here (database closed, say) leaves the tail for the next append or the next start.
      if (!this.stopped) this.tick().catch(() => undefined);
    }, this.checkpointMs);
    this.timer.unref();
  }

  private noteSigned(seq: number, headSeq: number): void {
    if (seq < headSeq) return;
    this.unsignedSince = null;
    this.clearTimer();
  }

  /**
   * Runs `work` in one transaction. Its events are appended after it, by `audit_append` (migration 0005:
   * the append lock, the chain head, the database's now(), the RFC 8785 hash and the insert in one
   * statement), sent to the server together with COMMIT. The lock that keeps the chain from forking is
   * therefore held only while the server appends and commits, never while this process is busy elsewhere.
   *
   * After the commit, each event's hash is recomputed here from the values the database used; a
   * difference sets the chain-valid gauge to 0 and throws `AuditIntegrityError` (the data is committed, and
   * verification will name the event). When an event reaches the checkpoint interval, the new head is
   * signed in its own transaction; a process that dies in between leaves it missing (`missingCheckpoints`).
   */
  async transaction<T>(work: (tx: LabTx, audit: AppendAudit) => Promise<T>): Promise<T> {
    const pending: PendingEvent[] = [];
    const outcome = await this.database.transaction(
      (tx) => work(tx, (ctx, entry) => pending.push(pendingEvent(ctx, entry))),
      () => pending.map(appendStatement),
    );
    if (pending.length === 0) return outcome.value;
    this.metrics?.auditEvents.inc(pending.length);
    const events = pending.map((event, i) => {
      const row = outcome.finalRows[i]![0] as AppendedRow;
      const sealed = sealAuditEvent({ ...event.content, seq: Number(row.seq), ts: row.ts }, row.prev_hash);
      if (sealed.hash !== row.hash) {
        this.metrics?.auditChainValid.set(0);
        throw new AuditIntegrityError(
          `audit_append hashed event ${sealed.seq} differently from the verifier`,
        );
      }
      return sealed;
    });
    for (const event of events)
      if (isCheckpointDue(event.seq, this.checkpointInterval)) await this.signCheckpointAt(event);
    const last = events[events.length - 1]!;
    if (isCheckpointDue(last.seq, this.checkpointInterval)) this.noteSigned(last.seq, last.seq);
    else this.noteUnsigned();
    await this.tick();
    return outcome.value;
  }

  /**
   * Events at which the interval calls for a checkpoint that does not exist, oldest first: a process that
   * stopped between an event's commit and its checkpoint, or checkpoints deleted by someone with rights
   * over the database. Verification reports them (`missing_checkpoints`) and calls the chain `unsealed`.
   */
  async missingCheckpoints(): Promise<AuditEvent[]> {
    if (this.checkpointInterval <= 0) return [];
    const rows = await queryRows<EventRow>(
      this.database.db,
      sql`SELECT ${EVENT_COLUMNS} FROM audit_events
           WHERE seq IN (SELECT generate_series(${this.checkpointInterval}::bigint,
                                                (SELECT coalesce(max(seq), 0) FROM audit_events),
                                                ${this.checkpointInterval}::bigint))
             AND NOT EXISTS (SELECT 1 FROM audit_checkpoints c WHERE c.seq = audit_events.seq)
           ORDER BY seq`,
    );
    return rows.map(toAuditEvent);
  }

  /**
   * Signs the missing checkpoints, as a decision someone takes and the trail records
   * (`audit.checkpoints_signed_late`). Refused unless the chain verifies against the checkpoints that do
   * exist: signing blindly would bless a chain rewritten after its checkpoints were deleted.
   */
  async signMissingCheckpoints(
    ctx: AuditContext,
  ): Promise<{ signed: number[] } | { refused: ChainVerification }> {
    const missing = await this.missingCheckpoints();
    if (missing.length === 0) return { signed: [] };
    const chain = await verifyChain(this.events(), {
      checkpoints: await this.checkpoints(),
      publicKey: this.signingKey.publicKey,
      rotations: await this.rotations(),
    });
    if (!chain.valid) return { refused: chain };
    for (const event of missing) await this.signCheckpointAt(event);
    const signed = missing.map((e) => e.seq);
    await this.transaction(async (_tx, audit) =>
      audit(ctx, {
        action: 'audit.checkpoints_signed_late',
        entityType: 'audit_trail',
        entityId: null,
        after: { seqs: signed },
      }),
    );
    return { signed };
  }

  private async signCheckpointAt(event: AuditEvent): Promise<void> {
    const cp = await this.database.db.transaction((tx) => this.insertCheckpoint(tx, event));
    await this.onCheckpointSigned(cp);
  }

  /** Signs the current head on demand (e.g. before an export or an inspection). */
  async checkpointNow(): Promise<SignedCheckpoint | null> {
    const cp = await this.database.db.transaction(async (tx) => {
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
      const cp = existing
        ? { ...existing, seq: Number(existing.seq) }
        : await this.insertCheckpoint(tx, toAuditEvent(head));
      this.noteSigned(cp.seq, Number(head.seq));
      return cp;
    });
    if (cp) await this.onCheckpointSigned(cp);
    return cp;
  }

  /**
   * Hands the chain over from the current signing key to `next`, in one transaction under the append lock:
   * both keys sign "next follows the head (seq, hash)", the hand-over is appended as the event
   * `audit.signing_key_rotated`, and `next` signs a checkpoint at that event. The old key signs nothing
   * after it: run this with the server stopped, then start it with `next` as POLYMORPH_SIGNING_KEY_FILE.
   */
  async rotateSigningKey(
    ctx: AuditContext,
    next: ServerKeyPair,
  ): Promise<{ event: AuditEvent; handover: SignedKeyHandover; checkpoint: SignedCheckpoint }> {
    const rotated = await this.database.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${AUDIT_APPEND_LOCK_KEY})`);
      const [head] = await queryRows<EventRow>(
        tx,
        sql`SELECT ${EVENT_COLUMNS} FROM audit_events ORDER BY seq DESC LIMIT 1`,
      );
      const at = head ? { seq: Number(head.seq), hash: head.hash } : { seq: 0, hash: GENESIS_HASH };
      const handover = signKeyHandover(at, this.signingKey, next);
      await registerSigningKey(tx, this.signingKey);
      await registerSigningKey(tx, next);
      const pending = pendingEvent(ctx, {
        action: KEY_ROTATION_ACTION,
        entityType: 'signing_key',
        entityId: next.keyId,
        before: { key_id: this.signingKey.keyId },
        after: handover,
      });
      // audit_append takes the same advisory lock again; a session may hold it more than once.
      const [row] = await queryRows<AppendedRow>(tx, appendStatement(pending));
      const event = sealAuditEvent(
        { ...pending.content, seq: Number(row!.seq), ts: row!.ts },
        row!.prev_hash,
      );
      if (event.hash !== row!.hash)
        throw new AuditIntegrityError(`audit_append hashed event ${event.seq} differently from the verifier`);
      const checkpoint = await this.insertCheckpoint(tx, event, next);
      return { event, handover, checkpoint };
    });
    await this.onCheckpointSigned(rotated.checkpoint);
    return rotated;
  }

  /** The key-rotation events, which the verifier needs before it streams the chain. */
  async rotations(): Promise<RotationEvent[]> {
    const rows = await queryRows<{ seq: string; after: unknown }>(
      this.database.db,
      sql`SELECT seq, after FROM audit_events WHERE action = ${KEY_ROTATION_ACTION} ORDER BY seq`,
    );
    return rows.map((r) => ({ seq: Number(r.seq), after: r.after }));
  }

  private async insertCheckpoint(
    tx: LabTx,
    head: AuditEvent,
    key: ServerKeyPair = this.signingKey,
  ): Promise<SignedCheckpoint> {
    await registerSigningKey(tx, key);
    const cp = signCheckpoint({ seq: head.seq, hash: head.hash, ts: head.ts }, key.privateKey, key.keyId);
    await tx.execute(sql`
      INSERT INTO audit_checkpoints (seq, hash, ts, key_id, signature)
      VALUES (${cp.seq}, ${cp.hash}, ${cp.ts}, ${cp.key_id}, ${cp.signature})
      ON CONFLICT (seq) DO NOTHING`);
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

  /**
   * Verifies the whole chain against the signed checkpoints, streaming, and tells an unsealed tail from a
   * broken chain (`SealStatus`). Sets the chain-valid gauge, which only a broken chain drops.
   */
  async verify(): Promise<TrailVerification> {
    const result = await verifyChain(this.events(), {
      checkpoints: await this.checkpoints(),
      publicKey: this.signingKey.publicKey,
      rotations: await this.rotations(),
      checkpointInterval: this.checkpointInterval,
    });
    this.metrics?.auditChainValid.set(result.valid ? 1 : 0);
    const unsealed = result.unsealed && {
      ...result.unsealed,
      age_seconds: await secondsSince(this.database.db, result.unsealed.oldest_ts),
    };
    const overdue =
      result.missing_checkpoints !== null ||
      (unsealed !== null && this.checkpointMs > 0 && unsealed.age_seconds * 1000 > 2 * this.checkpointMs);
    const status: SealStatus = !result.valid ? 'broken' : overdue ? 'unsealed' : 'valid';
    return { ...result, unsealed, status };
  }
}

/** Seconds from `ts` to the database's now(): the clock the events' timestamps come from. */
async function secondsSince(db: LabDb, ts: string): Promise<number> {
  const [row] = await queryRows<{ s: number }>(
    db,
    sql`SELECT greatest(extract(epoch FROM now() - ${ts}::timestamptz), 0)::float8 AS s`,
  );
  return row?.s ?? 0;
}

/** The events after the last checkpoint, by the database's clock. */
const TAIL = sql.raw('FROM audit_events WHERE seq > (SELECT coalesce(max(seq), 0) FROM audit_checkpoints)');

/** The unsealed-tail gauges' values: small indexed queries per scrape (seq is the primary key of both tables). */
export function auditSealSource(db: LabDb, checkpointInterval: number): AuditSealSource {
  const one = async (query: SQL) => (await queryRows<{ n: number }>(db, query))[0]?.n ?? 0;
  return {
    unsealedEvents: () => one(sql`SELECT count(*)::int AS n ${TAIL}`),
    unsealedAgeSeconds: () =>
      one(
        sql`SELECT coalesce(greatest(extract(epoch FROM now() - (SELECT ts ${TAIL} ORDER BY seq LIMIT 1)), 0), 0)::float8 AS n`,
      ),
    missingCheckpoints: () =>
      checkpointInterval <= 0
        ? Promise.resolve(0)
        : one(sql`SELECT count(*)::int AS n
                    FROM generate_series(${checkpointInterval}::bigint,
                                         (SELECT coalesce(max(seq), 0) FROM audit_events),
                                         ${checkpointInterval}::bigint) AS s(seq)
                   WHERE NOT EXISTS (SELECT 1 FROM audit_checkpoints c WHERE c.seq = s.seq)`),
  };
}

function jsonParam(value: JsonValue | null): string | null {
  return value === null ? null : JSON.stringify(value);
}

/** Fixes an event's content and its canonical text now, while the caller's values are at hand. */
function pendingEvent(ctx: AuditContext, entry: AuditEntry): PendingEvent {
  const content: AuditEventContent = {
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
  return { content, template: auditHashTemplate(content) };
}

function appendStatement({ content, template }: PendingEvent): SQL {
  return sql`SELECT seq, ts, prev_hash, hash FROM audit_append(${template.prefix}, ${template.middle},
    ${content.actor}, ${content.action}, ${content.entity_type}, ${content.entity_id},
    ${jsonParam(content.before)}::jsonb, ${jsonParam(content.after)}::jsonb, ${content.reason},
    ${content.request_id}, ${content.ip})`;
}

/** Keeps the public half of the server key in the database so verifiers can find it by key_id. */
export async function registerSigningKey(db: Executor, key: ServerKeyPair): Promise<void> {
  const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await db.execute(
    sql`INSERT INTO signing_keys (key_id, public_key_pem) VALUES (${key.keyId}, ${pem}) ON CONFLICT (key_id) DO NOTHING`,
  );
}
