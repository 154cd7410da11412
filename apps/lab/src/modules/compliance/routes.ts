import { Readable } from 'node:stream';
import { csvCell } from '@polymorph/csv/cell';
import { sql } from 'drizzle-orm';
import { Type } from 'typebox';
import { queryRows } from '../../db/client.ts';
import { type AuditTrail, TS_TEXT, toAuditEvent } from '../../platform/audit/audit-trail.ts';
import { type AuditEvent, HASHED_FIELDS } from '../../platform/audit/canonical-hash.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import { auditContext } from '../../platform/http/request-context.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import {
  AuditCheckpoint,
  AuditCheckpointList,
  AuditEventPage,
  AuditExportQuery,
  AuditQuery,
  ChainVerificationView,
  SignedMissingCheckpoints,
} from './schemas.ts';

const tags = ['compliance'];

/** A text body the route streams (the reply is a Readable, not a string in memory). */
const TextStream = (options: { description: string }) =>
  Type.Unsafe<Readable>({ type: 'string', ...options });

const CSV_COLUMNS = [...HASHED_FIELDS, 'prev_hash', 'hash'] as const;

/** The audit trail for inspectors: query, verify, checkpoints and export (21 CFR 11.10(e)). */
export const complianceRoutes: LabRoutes<{ audit: AuditTrail; uow: UnitOfWork }> = async (
  app,
  { audit, uow },
) => {
  app.get(
    '/api/compliance/audit',
    {
      config: { permission: 'audit:read' },
      schema: {
        operationId: 'listAuditEvents',
        tags,
        summary:
          'Query the audit trail, oldest or newest first; page with limit and cursor (the last seq seen)',
        querystring: AuditQuery,
        response: { 200: AuditEventPage },
      },
    },
    async (request) => {
      const q = request.query;
      const desc = q.order === 'desc';
      // Newest first pages downwards from the cursor; without one it starts at the head.
      const pageStart = desc
        ? sql`(${q.cursor ?? null}::bigint IS NULL OR seq < ${q.cursor ?? null})`
        : sql`seq > ${q.cursor ?? 0}`;
      const rows = await uow.read((tx) =>
        queryRows<Parameters<typeof toAuditEvent>[0]>(
          tx,
          sql`SELECT seq, ${TS_TEXT} AS ts, actor, action, entity_type, entity_id, before, after, reason, request_id, ip, prev_hash, hash
                FROM audit_events
               WHERE ${pageStart}
                 AND (${q.entity_type ?? null}::text IS NULL OR entity_type = ${q.entity_type ?? null})
                 AND (${q.entity_id ?? null}::text IS NULL OR entity_id = ${q.entity_id ?? null})
                 AND (${q.actor ?? null}::text IS NULL OR actor = ${q.actor ?? null})
                 AND (${q.action ?? null}::text IS NULL OR action = ${q.action ?? null})
                 AND (${q.from ?? null}::timestamptz IS NULL OR ts >= ${q.from ?? null}::timestamptz)
                 AND (${q.to ?? null}::timestamptz IS NULL OR ts < ${q.to ?? null}::timestamptz)
               ORDER BY ${desc ? sql`seq DESC` : sql`seq`} LIMIT ${q.limit + 1}`,
        ),
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
        operationId: 'verifyAuditChain',
        tags,
        summary:
          'Verify the whole chain against the signed checkpoints (streamed in batches, constant memory)',
        response: { 200: ChainVerificationView },
      },
    },
    async () => {
      const r = await audit.verify();
      return {
        valid: r.valid,
        checked: r.checked,
        first_invalid_seq: r.first_invalid_seq,
        reason: r.reason,
        status: r.status,
        unsealed: r.unsealed,
        missing_checkpoints: r.missing_checkpoints,
      };
    },
  );

  app.get(
    '/api/compliance/audit/checkpoints',
    {
      config: { permission: 'audit:read' },
      schema: {
        operationId: 'listAuditCheckpoints',
        tags,
        summary: 'Signed chain heads (Ed25519)',
        response: { 200: AuditCheckpointList },
      },
    },
    async () => ({ items: await audit.checkpoints() }),
  );

  app.post(
    '/api/compliance/audit/checkpoints',
    {
      config: {
        permission: 'audit:verify',
        noIdempotencyKey: 'signing a head that already has a checkpoint answers that checkpoint',
      },
      schema: {
        operationId: 'createAuditCheckpoint',
        tags,
        summary: 'Sign the current chain head now (204 when the trail is empty)',
        description: 'Signing a head that already has a checkpoint answers that checkpoint.',
        response: {
          201: AuditCheckpoint,
          204: Type.Null({ description: 'The audit trail is empty: there is no head to sign' }),
        },
      },
    },
    async (_request, reply) => {
      const cp = await audit.checkpointNow();
      if (!cp) return reply.code(204).send(null);
      return reply.code(201).send(cp);
    },
  );

  app.post(
    '/api/compliance/audit/checkpoints/missing',
    {
      config: { permission: 'audit:verify' },
      schema: {
        operationId: 'signMissingAuditCheckpoints',
        tags,
        summary:
          'Sign the checkpoints the interval calls for that are missing (after a stop between an event and its checkpoint)',
        description:
          'Audited. Refused with 409 `audit-chain-invalid` (with `first_invalid_seq` and `reason`) unless the chain verifies against the checkpoints that exist.',
        response: { 200: SignedMissingCheckpoints, ...problemResponses(409) },
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
        operationId: 'exportAuditTrail',
        tags,
        summary: 'Stream the whole audit trail as CSV or JSON lines',
        description:
          'An attachment: `format=jsonl` (the default) is one audit event per line; `format=csv` has a header row, and cells a spreadsheet would run as a formula get a leading apostrophe.',
        querystring: AuditExportQuery,
        response: {
          200: {
            description:
              'The audit trail in seq order, as an attachment (audit-trail.jsonl or audit-trail.csv)',
            content: {
              'application/x-ndjson': {
                schema: TextStream({ description: 'One AuditEvent as JSON per line' }),
              },
              'text/csv': { schema: TextStream({ description: 'A header row, then one event per row' }) },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { format } = request.query;
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
};
