import { type SQL, sql } from 'drizzle-orm';

/**
 * Generated sample ids follow a pattern such as `S-{YYYY}-{SEQ:6}` -> `S-2026-000123`. Tokens: {YYYY},
 * {YY}, {MM}, {DD} (database date, UTC) and {SEQ:n} (the sample_id_seq value, zero-padded to n digits).
 */
export const DEFAULT_SAMPLE_ID_PATTERN = 'S-{YYYY}-{SEQ:6}';

const TOKEN = /\{(YYYY|YY|MM|DD|SEQ(?::(\d{1,2}))?)\}/g;

export class SampleIdPatternError extends Error {}

/** Rejects a pattern without exactly one {SEQ} or with characters a sample id may not hold. */
export function validateSampleIdPattern(pattern: string): string {
  const seqs = pattern.match(/\{SEQ(?::\d{1,2})?\}/g) ?? [];
  if (seqs.length !== 1) throw new SampleIdPatternError('must contain exactly one {SEQ} or {SEQ:n} token');
  const literal = pattern.replace(TOKEN, '');
  if (/[{}]/.test(literal)) throw new SampleIdPatternError('has an unknown {token}');
  if (!/^[A-Za-z0-9._:-]*$/.test(literal))
    throw new SampleIdPatternError('may only hold letters, digits and . _ : -');
  if (!/^[A-Za-z0-9{]/.test(pattern))
    throw new SampleIdPatternError('must start with a letter, digit or token');
  return pattern;
}

/**
 * The pattern as one SQL expression, evaluated in the INSERT itself: no extra round trip, the date is
 * the database's, and the number comes from sample_id_seq.
 */
export function sampleIdSql(pattern: string): SQL {
  const parts: SQL[] = [];
  let last = 0;
  for (const m of pattern.matchAll(TOKEN)) {
    if (m.index > last) parts.push(sql`${pattern.slice(last, m.index)}::text`);
    const token = m[1]!;
    if (token === 'YYYY') parts.push(sql.raw(`to_char(now() AT TIME ZONE 'UTC', 'YYYY')`));
    else if (token === 'YY') parts.push(sql.raw(`to_char(now() AT TIME ZONE 'UTC', 'YY')`));
    else if (token === 'MM') parts.push(sql.raw(`to_char(now() AT TIME ZONE 'UTC', 'MM')`));
    else if (token === 'DD') parts.push(sql.raw(`to_char(now() AT TIME ZONE 'UTC', 'DD')`));
    else {
      const width = Number(m[2] ?? 1);
      // lpad truncates longer values; keep every digit once the sequence outgrows the width.
      parts.push(sql.raw(`(CASE WHEN length(n.v) >= ${width} THEN n.v ELSE lpad(n.v, ${width}, '0') END)`));
    }
    last = m.index + m[0].length;
  }
  if (last < pattern.length) parts.push(sql`${pattern.slice(last)}::text`);
  return sql`(SELECT ${sql.join(parts, sql` || `)} FROM (SELECT nextval('sample_id_seq')::text AS v) n)`;
}

export function formatSampleId(
  pattern: string,
  seq: number,
  date: { y: string; m: string; d: string },
): string {
  return pattern.replace(TOKEN, (_all, token: string, width?: string) => {
    if (token === 'YYYY') return date.y;
    if (token === 'YY') return date.y.slice(2);
    if (token === 'MM') return date.m;
    if (token === 'DD') return date.d;
    return String(seq).padStart(Number(width ?? 1), '0');
  });
}
