// Request and response schemas of the generation and service routes.
import { type Static, Type } from 'typebox';

export const FORMATS = ['csv', 'jsonl', 'parquet'] as const;
export type Format = (typeof FORMATS)[number];

export const CONTENT_TYPES: Record<Format, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson',
  parquet: 'application/vnd.apache.parquet',
};

/** The generation request; `count` is capped by the service's maximum. */
export function generateRequest(maxCount: number) {
  return Type.Object(
    {
      count: Type.Integer({ minimum: 1, maximum: maxCount, description: 'Transactions to generate' }),
      seed: Type.Optional(Type.Integer({ minimum: 0, default: 42, description: 'Same seed, same rows' })),
      fraud_rate: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5, default: 0.02 })),
      format: Type.Optional(
        Type.Union([Type.Literal('csv'), Type.Literal('jsonl'), Type.Literal('parquet')], { default: 'csv' }),
      ),
      start: Type.Optional(
        Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', default: '2025-01-01', description: 'First day' }),
      ),
      days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3660, default: 365 })),
    },
    {
      additionalProperties: false,
      examples: [{ count: 10_000, seed: 7, fraud_rate: 0.02, format: 'csv', start: '2025-01-01', days: 90 }],
    },
  );
}
export type GenerateRequest = Static<ReturnType<typeof generateRequest>>;

/** The streamed body: the rows in the requested format, as a download. */
export const GeneratedTransactions = {
  description: 'The transactions, streamed as they are generated (content-disposition: attachment)',
  content: {
    'text/csv': { schema: { type: 'string', description: 'CSV with a header row' } },
    'application/x-ndjson': { schema: { type: 'string', description: 'One JSON object per line' } },
    'application/vnd.apache.parquet': {
      schema: { type: 'string', format: 'binary', description: 'Apache Parquet file' },
    },
  },
} as const;

export const TransactionColumns = Type.Object(
  {
    columns: Type.Array(
      Type.Object(
        {
          name: Type.String(),
          type: Type.Union([
            Type.Literal('string'),
            Type.Literal('category'),
            Type.Literal('json'),
            Type.Literal('int'),
            Type.Literal('float'),
            Type.Literal('bool'),
            Type.Literal('timestamp'),
          ]),
          nullable: Type.Boolean(),
          time: Type.Optional(
            Type.Union([Type.Literal('ist'), Type.Literal('utc')], {
              description:
                'Timestamp columns: their text form in CSV and JSONL, IST wall clock or UTC with Z (Parquet holds UTC instants)',
            }),
          ),
        },
        { title: 'TransactionColumn', additionalProperties: false },
      ),
    ),
  },
  { title: 'TransactionColumns', additionalProperties: false },
);

export const Health = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false });
