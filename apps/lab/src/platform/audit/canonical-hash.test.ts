import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type AuditEventFields,
  auditHashTemplate,
  canonicalJson,
  GENESIS_HASH,
  hashAuditEvent,
  sealAuditEvent,
  sha256Hex,
} from './canonical-hash.ts';

/** Completes a template exactly as `audit_append` (migration 0005) does in SQL. */
function completeAuditHashTemplate(
  template: { prefix: string; middle: string },
  prevHash: string,
  seq: number,
  ts: string,
): string {
  return sha256Hex(`${template.prefix}${prevHash}${template.middle}${seq},"ts":"${ts}"}`);
}

const golden = JSON.parse(
  readFileSync(new URL('./audit-hash-golden-vectors.json', import.meta.url), 'utf8'),
) as {
  genesis_prev_hash: string;
  vectors: { event: AuditEventFields; prev_hash: string; canonical_json: string; hash: string }[];
};

const base: AuditEventFields = {
  seq: 1,
  ts: '2026-01-01T00:00:00.000000Z',
  actor: 'a@example.org',
  action: 'sample.create',
  entity_type: 'sample',
  entity_id: 'S-1',
  before: null,
  after: { x: 1 },
  reason: null,
  request_id: null,
  ip: null,
};

describe('RFC 8785 canonical JSON', () => {
  it('matches the RFC 8785 §3.2.2 example (numbers, strings, literals)', () => {
    // The input of RFC 8785 §3.2.2, parsed as any JSON parser would.
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units, as RFC 8785 §3.2.3 requires', () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh",' +
        '"1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
    );
    // Compared as text: Object.keys would list the integer-like key "1" first whatever the JSON order.
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson(undefined)).toThrow();
    expect(() => canonicalJson({ a: Number.NaN })).toThrow();
    expect(() => canonicalJson({ a: Number.POSITIVE_INFINITY })).toThrow();
  });

  it('refuses lone surrogates (RFC 8785 §3.2.2.2) in values and keys, and accepts pairs and look-alike text', () => {
    expect(() => canonicalJson({ a: 'x\ud800' })).toThrow(/lone surrogate/);
    expect(() => canonicalJson({ a: ['\udfff y'] })).toThrow(/lone surrogate/);
    expect(() => canonicalJson({ '\udc00': 1 })).toThrow(/lone surrogate/);
    expect(canonicalJson({ a: '\ud83d\ude00' })).toBe('{"a":"\ud83d\ude00"}');
    // A backslash followed by the letters "ud800" is ordinary text.
    expect(canonicalJson({ a: '\\ud800' })).toBe('{"a":"\\\\ud800"}');
    expect(() => canonicalJson({ a: '\\\ud800' })).toThrow(/lone surrogate/);
  });

  it('names the problem when a value nests deeper than the canonicaliser can recurse', () => {
    let deep: unknown = null;
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    expect(() => canonicalJson(deep)).toThrow(/nested too deeply/);
    let fine: unknown = null;
    for (let i = 0; i < 500; i++) fine = [fine];
    expect(canonicalJson(fine)).toBe(`${'['.repeat(500)}null${']'.repeat(500)}`);
  });
});

describe('audit event hash', () => {
  it('reproduces the committed golden vectors (hashes must stay stable across versions)', () => {
    expect(golden.genesis_prev_hash).toBe(GENESIS_HASH);
    expect(golden.vectors.length).toBeGreaterThanOrEqual(3);
    let prev = GENESIS_HASH;
    for (const vector of golden.vectors) {
      expect(vector.prev_hash).toBe(prev);
      expect(canonicalJson({ ...vector.event, prev_hash: vector.prev_hash })).toBe(vector.canonical_json);
      expect(createHash('sha256').update(vector.canonical_json).digest('hex')).toBe(vector.hash);
      expect(hashAuditEvent(vector.event, vector.prev_hash)).toBe(vector.hash);
      prev = vector.hash;
    }
  });

  it('does not depend on key order, and covers every field and prev_hash', () => {
    const h = hashAuditEvent(base, GENESIS_HASH);
    const reordered = Object.fromEntries(Object.entries(base).reverse()) as unknown as AuditEventFields;
    expect(hashAuditEvent(reordered, GENESIS_HASH)).toBe(h);
    const changes: Partial<AuditEventFields>[] = [
      { seq: 2 },
      { ts: '2026-01-01T00:00:00.000001Z' },
      { actor: 'b@example.org' },
      { action: 'sample.update' },
      { entity_type: 'lot' },
      { entity_id: 'S-2' },
      { before: {} },
      { after: { x: 2 } },
      { reason: 'typo' },
      { request_id: 'r' },
      { ip: '127.0.0.1' },
    ];
    for (const change of changes) expect(hashAuditEvent({ ...base, ...change }, GENESIS_HASH)).not.toBe(h);
    expect(hashAuditEvent(base, 'f'.repeat(64))).not.toBe(h);
  });

  it('is unambiguous where plain concatenation was not', () => {
    // The original concatenated fields: ("ab","c") and ("a","bc") collided.
    const a = hashAuditEvent({ ...base, actor: 'ab', action: 'c' }, GENESIS_HASH);
    const b = hashAuditEvent({ ...base, actor: 'a', action: 'bc' }, GENESIS_HASH);
    expect(a).not.toBe(b);
    // null and the string "null" differ too.
    expect(hashAuditEvent({ ...base, reason: null }, GENESIS_HASH)).not.toBe(
      hashAuditEvent({ ...base, reason: 'null' }, GENESIS_HASH),
    );
  });

  it('refuses a missing field, a bad prev_hash, a Date as ts or a non-integer seq', () => {
    const { reason: _dropped, ...missing } = base;
    expect(() => hashAuditEvent(missing as AuditEventFields, GENESIS_HASH)).toThrow(/reason is missing/);
    expect(() => hashAuditEvent(base, 'pending')).toThrow(/prev_hash/);
    expect(() => hashAuditEvent({ ...base, ts: new Date() as unknown as string }, GENESIS_HASH)).toThrow(
      /ts/,
    );
    expect(() => hashAuditEvent({ ...base, seq: 1.5 }, GENESIS_HASH)).toThrow(/seq/);
  });

  it('ignores columns outside the hashed set and seals exactly those fields', () => {
    const withId = { ...base, id: 99, created_by_driver: 'x' } as AuditEventFields;
    expect(hashAuditEvent(withId, GENESIS_HASH)).toBe(hashAuditEvent(base, GENESIS_HASH));
    const sealed = sealAuditEvent(withId, GENESIS_HASH);
    expect(Object.keys(sealed).sort()).toEqual([...Object.keys(base), 'hash', 'prev_hash'].sort());
  });

  it("the split template that audit_append completes in SQL gives the verifier's hash, golden vectors included", () => {
    const events = [
      ...golden.vectors.map((v) => ({ event: v.event, prev: v.prev_hash })),
      {
        event: {
          ...base,
          seq: 123_456_789,
          actor: 'ü@例え.jp',
          before: { z: [1, 2.5, null], a: 'é"\\\n' },
          reason: 'tab\there',
          request_id: 'req-1',
          ip: '::1',
        },
        prev: 'a'.repeat(64),
      },
    ];
    for (const { event, prev } of events) {
      const { seq, ts, ...content } = event;
      expect(completeAuditHashTemplate(auditHashTemplate(content), prev, seq, ts)).toBe(
        hashAuditEvent(event, prev),
      );
    }
  });
});
