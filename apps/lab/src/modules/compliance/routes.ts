import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { type LabDb, queryRows } from '../../db/client.ts';
import { type AuditTrail, TS_TEXT, toAuditEvent } from '../../platform/audit/audit-trail.ts';
import { type AuditEvent, HASHED_FIELDS } from '../../platform/audit/canonical-hash.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import { auditContext } from '../../platform/http/request-context.ts';

const AuditEventSchema = Type.Object({
  seq: Type.Integer(),
  ts: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  entity_type: Type.String(),
  entity_id: Type.Union([Type.String(), Type.Null()]),
  before: Type.Unknown(),
  after: Type.Unknown(),
  reason: Type.Union([Type.String(), Type.Null()]),
  request_id: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  prev_hash: Type.String(),
  hash: Type.String(),
});
const Checkpoint = Type.Object({
  seq: Type.Integer(),
  hash: Type.String(),
  ts: Type.String(),
  key_id: Type.String(),
  signature: Type.String(),
});
const tags = ['compliance'];

const CSV_COLUMNS = [...HASHED_FIELDS, 'prev_hash', 'hash'] as const;

/** RFC 4180 quoting; cells that a spreadsheet would run as a formula get a leading apostrophe. */
function csvCell(value: unknown): string {
  let text =
    value === null || value === undefined
      ? ''
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export async function complianceRoutes(app: FastifyInstance, opts: { audit: AuditTrail; db: LabDb }) {
  const { audit, db } = opts;

  app.get(
    '/api/compliance/audit',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags,
        summary: 'Query the audit trail; page with limit and cursor (the last seq seen)',
        querystring: Type.Object({
          entity_type: Type.Optional(Type.String({ maxLength: 64 })),
          entity_id: Type.Optional(Type.String({ maxLength: 256 })),
          actor: Type.Optional(Type.String({ maxLength: 254 })),
          action: Type.Optional(Type.String({ maxLength: 128 })),
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          cursor: Type.Optional(Type.Integer({ minimum: 0 })),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(AuditEventSchema),
            next_cursor: Type.Union([Type.Integer(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const q = request.query as {
        entity_type?: string;
        entity_id?: string;
        actor?: string;
        action?: string;
        from?: string;
        to?: string;
        limit: number;
        cursor?: number;
      };
      const rows = await queryRows<Parameters<typeof toAuditEvent>[0]>(
        db,
        sql`SELECT seq, ${TS_TEXT} AS ts, actor, action, entity_type, entity_id, before, after, reason, request_id, ip, prev_hash, hash
              FROM audit_events
             WHERE seq > ${q.cursor ?? 0}
               AND (${q.entity_type ?? null}::text IS NULL OR entity_type = ${q.entity_type ?? null})
               AND (${q.entity_id ?? null}::text IS NULL OR entity_id = ${q.entity_id ?? null})
               AND (${q.actor ?? null}::text IS NULL OR actor = ${q.actor ?? null})
               AND (${q.action ?? null}::text IS NULL OR action = ${q.action ?? null})
               AND (${q.from ?? null}::timestamptz IS NULL OR ts >= ${q.from ?? null}::timestamptz)
               AND (${q.to ?? null}::timestamptz IS NULL OR ts < ${q.to ?? null}::timestamptz)
             ORDER BY seq LIMIT ${q.limit + 1}`,
      );
      const items = rows.slice(0, q.limit).map(toAuditEvent);
      return { items, next_cursor: rows.length > q.limit ? (items[items.length - 1]?.seq ?? null) : null };
    },
  );

  app.get(
    '/api/compliance/audit/verify',
    {
      config: { permission: 'audit:verify' },
      schema: {
        tags,
        summary:
          'Verify the whole chain against the signed checkpoints (streamed in batches, constant memory)',
        response: {
          200: Type.Object({
            valid: Type.Boolean(),
            checked: Type.Integer(),
            first_invalid_seq: Type.Union([Type.Integer(), Type.Null()]),
            reason: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async () => {
      const r = await audit.verify();
      return { valid: r.valid, checked: r.checked, first_invalid_seq: r.first_invalid_seq, reason: r.reason };
    },
  );

  app.get(
    '/api/compliance/audit/checkpoints',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags,
        summary: 'Signed chain heads (Ed25519)',
        response: { 200: Type.Object({ items: Type.Array(Checkpoint) }) },
      },
    },
    async () => ({ items: await audit.checkpoints() }),
  );

  app.post(
    '/api/compliance/audit/checkpoints',
    {
      config: { permission: 'audit:verify' },
      schema: {
        tags,
        summary: 'Sign the current chain head now (204 when the trail is empty)',
        response: { 201: Checkpoint, 204: Type.Null() },
      },
    },
    async (_request, reply) => {
      const cp = await audit.checkpointNow();
      if (!cp) return reply.code(204).send();
      return reply.code(201).send(cp);
    },
  );

  app.post(
    '/api/compliance/audit/checkpoints/missing',
    {
      config: { permission: 'audit:verify' },
      schema: {
        tags,
        summary:
          'Sign the checkpoints the interval calls for that are missing (after a stop between an event and its checkpoint); audited, and refused with 409 unless the chain verifies against the checkpoints that exist',
        response: { 200: Type.Object({ signed: Type.Array(Type.Integer()) }) },
      },
    },
    async (request) => {
      const outcome = await audit.signMissingCheckpoints(auditContext(request));
      if ('refused' in outcome) {
        const r = outcome.refused;
        throw new HttpProblem(
          409,
          'audit-chain-invalid',
          'Audit chain does not verify',
          `Not signing: the chain fails verification at seq ${r.first_invalid_seq} (${r.reason})`,
          undefined,
          { first_invalid_seq: r.first_invalid_seq, reason: r.reason },
        );
      }
      return outcome;
    },
  );

  app.get(
    '/api/compliance/audit/export',
    {
      config: { permission: 'audit:export' },
      schema: {
        tags,
        summary: 'Stream the whole audit trail as CSV or JSON lines',
        querystring: Type.Object({
          format: Type.Union([Type.Literal('csv'), Type.Literal('jsonl')], { default: 'jsonl' }),
        }),
      },
    },
    async (request, reply) => {
      const { format } = request.query as { format: 'csv' | 'jsonl' };
      async function* lines(events: AsyncIterable<AuditEvent>) {
        if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\n`;
        for await (const e of events) {
          yield format === 'csv'
            ? `${CSV_COLUMNS.map((c) => csvCell(e[c])).join(',')}\n`
            : `${JSON.stringify(e)}\n`;
        }
      }
      reply
        .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
        .header('content-disposition', `attachment; filename="audit-trail.${format}"`);
      return reply.send(Readable.from(lines(audit.events())));
    },
  );
}
