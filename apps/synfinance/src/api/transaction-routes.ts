// Transaction generation over HTTP: the column list, and generation streamed back as CSV, JSONL or
// Parquet. A client that disconnects stops its generation.
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { validationProblem } from '@polymorph/http-problem/problem';
import type { FastifyReply } from 'fastify';
import type { GenerationMetrics } from '../fraud/api/metrics.ts';
import { TXN_COLUMNS } from '../generator/schema.ts';
import { generateStream, type StreamChunk } from '../generator/stream.ts';
import { defaultGenParams, type GenParams } from '../generator/types.ts';
import { dateRangeError, parseDay } from '../generator/world/calendar.ts';
import {
  CONTENT_TYPES,
  type Format,
  GeneratedTransactions,
  type GenerateRequest,
  generateRequest,
  TransactionColumns,
} from './schemas.ts';

/** Generations currently streaming (tests watch it drop to 0 after a client hangs up). */
export interface ApiState {
  activeGenerations: number;
}

export interface TransactionRoutesOptions {
  maxCount: number;
  metrics: GenerationMetrics;
  state: ApiState;
  /** Called after a generation streamed completely (the data-quality check, off the request path). */
  onComplete(params: GenParams, count: number): void;
}

const tags = ['transactions'];

export const transactionRoutes: FastifyPluginAsyncTypebox<TransactionRoutesOptions> = async (app, opts) => {
  app.get(
    '/api/transactions/schema',
    {
      schema: {
        operationId: 'getTransactionSchema',
        summary: 'Columns of the transaction table',
        description: 'Names, types and nullability, as in docs/synfinance/schema.md.',
        tags,
        response: { 200: TransactionColumns },
      },
    },
    async () => ({ columns: [...TXN_COLUMNS] }),
  );

  app.post(
    '/api/transactions/generate',
    {
      schema: {
        operationId: 'generateTransactions',
        summary: 'Generate transactions and stream them back (CSV, JSONL or Parquet)',
        description:
          'The same parameters give the same bytes as the CLI. A client that disconnects stops it.',
        tags,
        body: generateRequest(opts.maxCount),
        response: { 200: GeneratedTransactions },
      },
    },
    async (req, reply) => {
      const params = generationParams(req.body);
      await streamGeneration(reply, params, req.body.count, req.body.format ?? 'csv', opts);
    },
  );
};

function generationParams(body: GenerateRequest): GenParams {
  const startDay = parseDay(body.start ?? '2025-01-01');
  if (startDay === null)
    throw validationProblem([{ field: 'body.start', message: `is not a real date (${body.start})` }]);
  const pastLastDay = dateRangeError(startDay, body.days ?? 365);
  if (pastLastDay) throw validationProblem([{ field: 'body.start', message: pastLastDay }]);
  return defaultGenParams({
    startDay,
    ...(body.seed !== undefined && { seed: body.seed }),
    ...(body.days !== undefined && { days: body.days }),
    ...(body.fraud_rate !== undefined && { fraudRate: body.fraud_rate }),
  });
}

/** Writes the rows as they are generated, honouring backpressure; stops when the client goes away. */
async function streamGeneration(
  reply: FastifyReply,
  params: GenParams,
  count: number,
  format: Format,
  opts: TransactionRoutesOptions,
): Promise<void> {
  const res = reply.raw;
  const ac = new AbortController();
  // the response's 'close' before it finished = the client went away (the request's own 'close'
  // fires as soon as its body has been read, so it cannot be used for this)
  const onClose = () => {
    if (!res.writableFinished) ac.abort();
  };
  res.on('close', onClose);
  reply.hijack();
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[format],
    'content-disposition': `attachment; filename="transactions.${format}"`,
  });
  const { metrics, state } = opts;
  state.activeGenerations++;
  metrics.activeGenerations.inc();
  const counter = chunkCounter(metrics);
  try {
    for await (const chunk of generateStream(params, count, format, ac.signal)) {
      if (ac.signal.aborted) break;
      counter(chunk);
      if (!res.write(chunk.bytes)) await drained(res, ac.signal);
    }
    if (ac.signal.aborted) res.destroy();
    else {
      res.end();
      setImmediate(() => opts.onComplete(params, count));
    }
  } catch (err) {
    reply.log.error({ err }, 'generation stream failed');
    res.destroy();
  } finally {
    state.activeGenerations--;
    metrics.activeGenerations.dec();
    res.off('close', onClose);
  }
}

/** Counts each chunk's rows, fraud and anomalies, and updates the generation rate. */
function chunkCounter(metrics: GenerationMetrics): (chunk: StreamChunk) => void {
  const t0 = performance.now();
  let rows = 0;
  return ({ stats }) => {
    if (!stats) return;
    rows += stats.rows;
    metrics.generated.inc(stats.rows);
    for (const [key, n] of Object.entries(stats.fraudByTypeSeverity)) {
      const [fraud_type = '', severity = ''] = key.split('|');
      metrics.fraudInjected.inc({ fraud_type, severity }, n);
    }
    for (const [anomaly_type, n] of Object.entries(stats.anomalyByType))
      metrics.anomaliesInjected.inc({ anomaly_type }, n);
    metrics.rate.set(rows / Math.max((performance.now() - t0) / 1000, 1e-6));
  };
}

/** Resolves when the socket drains or the generation is aborted. */
function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
