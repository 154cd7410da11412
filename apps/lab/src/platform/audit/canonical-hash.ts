import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** `prev_hash` of the first event of the chain. */
export const GENESIS_HASH = '0'.repeat(64);

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The fields of an audit event that its hash covers: every column except `hash` itself (`prev_hash` is
 * added by `hashAuditEvent`). Extra properties on the object (a row id, say) are ignored.
 */
export interface AuditEventFields {
  /** 1, 2, 3, ... without gaps. */
  seq: number;
  /**
   * The event time exactly as stored and read back, as text (ISO 8601, UTC). The hash covers this string,
   * so the writer must hash the same text the reader will get: take it from the database in a fixed
   * format rather than through a JS Date, which drops PostgreSQL's microseconds.
   */
  ts: string;
  actor: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: JsonValue | null;
  after: JsonValue | null;
  reason: string | null;
  request_id: string | null;
  ip: string | null;
}

export interface AuditEvent extends AuditEventFields {
  prev_hash: string;
  hash: string;
}

/** The hashed columns, in table order; exports and the CSV reuse this list. */
export const HASHED_FIELDS = [
  'seq',
  'ts',
  'actor',
  'action',
  'entity_type',
  'entity_id',
  'before',
  'after',
  'reason',
  'request_id',
  'ip',
] as const satisfies readonly (keyof AuditEventFields)[];

/**
 * A JSON escape of a lone UTF-16 surrogate that is not itself escaped (JSON.stringify writes a well-formed
 * pair literally and escapes only lone surrogates).
 */
const ESCAPED_LONE_SURROGATE = /(?<!\\)(?:\\\\)*\\ud[89a-f][0-9a-f]{2}/;

/**
 * RFC 8785 (JCS) canonical JSON. Throws on values JSON cannot represent (undefined, NaN, Infinity, BigInt)
 * and on strings that are not valid Unicode (a lone surrogate), which RFC 8785 §3.2.2.2 forbids.
 * canonicalize@2 recurses, so nesting beyond about 1,500 levels throws too; callers bound their depth.
 */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (error) {
    if (error instanceof RangeError) throw new TypeError('value is nested too deeply to canonicalise');
    throw error;
  }
  if (text === undefined) throw new TypeError('value has no JSON representation');
  if (ESCAPED_LONE_SURROGATE.test(text)) throw new TypeError('lone surrogate is not allowed');
  return text;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const HEX64 = /^[0-9a-f]{64}$/;

export function isHashHex(value: unknown): value is string {
  return typeof value === 'string' && HEX64.test(value);
}

/**
 * The object whose canonical JSON is hashed. Built field by field, so a missing field is an error instead
 * of silently dropping out of the JSON (and a later `null` would then give the same hash).
 */
export function auditHashInput(event: AuditEventFields, prevHash: string): Record<string, JsonValue> {
  if (!isHashHex(prevHash)) throw new TypeError('prev_hash must be 64 lower-case hex digits');
  if (!Number.isSafeInteger(event.seq) || event.seq < 1)
    throw new TypeError('seq must be a positive integer');
  if (typeof event.ts !== 'string') throw new TypeError('ts must be the stored timestamp text');
  const input: Record<string, JsonValue> = { prev_hash: prevHash };
  for (const field of HASHED_FIELDS) {
    const value = event[field];
    if (value === undefined) throw new TypeError(`audit event field ${field} is missing`);
    input[field] = value;
  }
  return input;
}

/** SHA-256 hex over the RFC 8785 canonical JSON of every field except `hash`, `prev_hash` included. */
export function hashAuditEvent(event: AuditEventFields, prevHash: string): string {
  return sha256Hex(canonicalJson(auditHashInput(event, prevHash)));
}

/** The event as it is appended after `prevHash`: its fields, prev_hash and hash. */
export function sealAuditEvent(event: AuditEventFields, prevHash: string): AuditEvent {
  const fields = Object.fromEntries(HASHED_FIELDS.map((f) => [f, event[f]])) as unknown as AuditEventFields;
  return { ...fields, prev_hash: prevHash, hash: hashAuditEvent(event, prevHash) };
}

/** The fields of an event that the writer knows before it holds the append lock. */
export type AuditEventContent = Omit<AuditEventFields, 'seq' | 'ts'>;

/**
 * The canonical JSON that `hashAuditEvent` hashes, split around the three values only the database knows
 * when it appends: `prefix + prev_hash + middle + seq + ',"ts":"' + ts + '"}'`. RFC 8785 sorts the keys,
 * and prev_hash, seq and ts fall after "ip", after "request_id" and last. The database function
 * `audit_append` (migration 0005) completes and hashes the text in one round trip.
 */
export function auditHashTemplate(content: AuditEventContent): { prefix: string; middle: string } {
  const entry = (key: keyof AuditEventContent) => {
    const value = content[key];
    if (value === undefined) throw new TypeError(`audit event field ${key} is missing`);
    return `"${key}":${canonicalJson(value)}`;
  };
  const beforePrev = ['action', 'actor', 'after', 'before', 'entity_id', 'entity_type', 'ip'] as const;
  return {
    prefix: `{${beforePrev.map(entry).join(',')},"prev_hash":"`,
    middle: `",${entry('reason')},${entry('request_id')},"seq":`,
  };
}
