import { type Static, Type } from 'typebox';
import { literalUnion, NullableString, Timestamp } from '../../platform/http/common-schemas.ts';
import { SignatureView } from '../signatures/port.ts';

/** The route's parameters; `type` is one of the record types registered when the routes are built. */
export const reportParams = (recordTypes: readonly string[]) =>
  Type.Object(
    {
      type: literalUnion(recordTypes, { description: 'The record type' }),
      id: Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$',
        description: 'The record id as the API shows it (sample id, batch id, run id ...)',
      }),
    },
    { additionalProperties: false },
  );

/** A table cell as printed: text, a number, or empty. */
const Cell = Type.Union([Type.String(), Type.Number(), Type.Null()]);

/** The parts a record type adds to its report (a run's workflow, devices, steps, charts ...). */
export const ReportSection = Type.Union(
  [
    Type.Object(
      {
        kind: Type.Literal('fields'),
        title: Type.String(),
        fields: Type.Array(
          Type.Object({ label: Type.String(), value: Type.String() }, { additionalProperties: false }),
        ),
      },
      { additionalProperties: false, description: 'Label and value pairs' },
    ),
    Type.Object(
      {
        kind: Type.Literal('table'),
        title: Type.String(),
        columns: Type.Array(
          Type.Object({ key: Type.String(), label: Type.String() }, { additionalProperties: false }),
        ),
        rows: Type.Array(Type.Record(Type.String(), Cell)),
        note: Type.Optional(Type.String()),
      },
      { additionalProperties: false, description: 'Rows keyed by the columns’ keys' },
    ),
    Type.Object(
      {
        kind: Type.Literal('chart'),
        title: Type.String(),
        x_label: Type.String(),
        y_label: Type.String(),
        series: Type.Array(
          Type.Object(
            {
              name: Type.String(),
              points: Type.Array(Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }), {
                description: '[x, y] pairs',
              }),
            },
            { additionalProperties: false },
          ),
        ),
        note: Type.Optional(Type.String()),
      },
      { additionalProperties: false, description: 'Line series, drawn in the PDF with vega' },
    ),
  ],
  { title: 'ReportSection' },
);
export type ReportSection = Static<typeof ReportSection>;

const ReportAuditEvent = Type.Object(
  {
    seq: Type.Integer({ minimum: 1 }),
    ts: Timestamp,
    actor: Type.String(),
    action: Type.String(),
    entity_type: Type.String(),
    before: Type.Unknown(),
    after: Type.Unknown(),
    reason: NullableString(),
    hash: Type.String(),
    hash_valid: Type.Boolean({ description: 'The stored hash is the hash of the stored event' }),
  },
  { additionalProperties: false },
);

export const ReportVerification = Type.Object(
  {
    intact: Type.Boolean({
      description:
        'False when the audit chain does not verify, an event of this record was altered, the record no longer matches its audit trail, or it changed since a signature without an audited change',
    }),
    findings: Type.Array(Type.String(), { description: 'Each problem found, in words; empty when intact' }),
    audit_chain: Type.Object(
      {
        status: Type.Union([Type.Literal('valid'), Type.Literal('unsealed'), Type.Literal('broken')]),
        checked: Type.Integer({ minimum: 0 }),
        first_invalid_seq: Type.Union([Type.Integer(), Type.Null()]),
        reason: NullableString(),
      },
      {
        additionalProperties: false,
        description: 'The whole chain, verified as /api/compliance/audit/verify does',
      },
    ),
    record_hash: Type.String({
      description: 'SHA-256 of the record’s canonical JSON (RFC 8785): what a signature binds to',
    }),
    audited_state: Type.Object(
      {
        checked: Type.Boolean(),
        last_seq: Type.Union([Type.Integer(), Type.Null()]),
        differing_fields: Type.Array(Type.String()),
      },
      {
        additionalProperties: false,
        description: 'The current values against the last audit event that recorded them',
      },
    ),
    signatures: Type.Object(
      {
        count: Type.Integer({ minimum: 0 }),
        current: Type.Integer({ minimum: 0 }),
        earlier_version: Type.Integer({ minimum: 0 }),
        invalid: Type.Integer({ minimum: 0, description: 'Server signature does not verify' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type ReportVerification = Static<typeof ReportVerification>;

export const RecordReport = Type.Object(
  {
    record_type: Type.String(),
    record_id: Type.String(),
    generated_at: Timestamp,
    notice: Type.String({ description: 'That this is a copy generated from the system of record' }),
    values: Type.Record(Type.String(), Type.Unknown(), { description: 'The record as it is now' }),
    audit_trail: Type.Array(ReportAuditEvent, {
      description: 'Every audit event of the record, in seq order',
    }),
    signatures: Type.Array(SignatureView, { description: 'Every signature, in signing order (11.50)' }),
    verification: ReportVerification,
    sections: Type.Array(ReportSection, { description: 'What the record type adds' }),
  },
  { title: 'RecordReport', additionalProperties: false },
);
export type RecordReport = Static<typeof RecordReport>;
