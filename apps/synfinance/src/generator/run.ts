// Orchestration: plan shards, fan tasks out to worker threads (or run inline), write results back
// strictly in shard order (bytes never depend on scheduling), then commit the files atomically.
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { planShards } from './plan.ts';
import { CUSTOMER_COLUMNS, MERCHANT_COLUMNS, TXN_COLUMNS } from './schema.ts';
import { merchantValues } from './serialize.ts';
import { type Format, mergeStats, type TaskResult, TaskRunner } from './task.ts';
import type { GenParams, ShardSpec, ShardStats } from './types.ts';
import { buildWorld } from './world.ts';
import { openSink, sidecarPath, type TableSink } from './writers.ts';

/** Part `index` of a dataset cut into `count` parts (see dataset.ts for the folder layout). */
/** Parquet chunks waiting for the encoder before no more work is sent (bounds memory). */
const MAX_BACKLOG = 4;

export interface PartRef {
  index: number;
  count: number;
}

/**
 * Consecutive shards of the plan for one part: part boundaries fall between shards, so the parts'
 * rows, concatenated in order, are the single-process rows.
 */
export function partShards(specs: ShardSpec[], part: PartRef): ShardSpec[] {
  const from = Math.floor((part.index * specs.length) / part.count);
  const to = Math.floor(((part.index + 1) * specs.length) / part.count);
  return specs.slice(from, to);
}

/** Output files of a run: one file per table; merchants null when this part does not write them. */
export interface RunTargets {
  transactions: string;
  customers: string;
  merchants: string | null;
  /** CSV: write the header line (only the first part of a dataset does) */
  header: boolean;
}

export interface RunOptions {
  params: GenParams;
  count: number;
  format: Format;
  out: string;
  /** one part of a sharded dataset; `targets` then names its files */
  part?: PartRef;
  targets?: RunTargets;
  /** 0 = generate inline in this thread */
  workers: number;
  /** shards per task message */
  chunkShards: number;
  onProgress?: (rowsDone: number, total: number) => void;
  signal?: AbortSignal;
}

export interface RunSummary {
  rows: number;
  customers: number;
  merchants: number;
  fraudRows: number;
  fraudRate: number;
  fraudByType: Record<string, number>;
  anomalyByType: Record<string, number>;
  seconds: number;
  rowsPerSec: number;
  bytes: number;
  files: { transactions: string; customers: string; merchants: string | null };
}

export async function generateDataset(opts: RunOptions): Promise<RunSummary> {
  const t0 = performance.now();
  const { params, format } = opts;
  const planned = planShards(opts.count, params.days, params.shardRows);
  const specs = opts.part ? partShards(planned, opts.part) : planned;
  const targets: RunTargets = opts.targets ?? {
    transactions: opts.out,
    customers: sidecarPath(opts.out, 'customers'),
    merchants: sidecarPath(opts.out, 'merchants'),
    header: true,
  };
  const partRows = specs.reduce((s, x) => s + x.rows, 0);
  const tasks: ShardSpec[][] = [];
  const chunk = Math.max(1, Math.floor(opts.chunkShards));
  for (let i = 0; i < specs.length; i += chunk) tasks.push(specs.slice(i, i + chunk));
  const totalCustomers = specs.reduce((s, x) => s + x.customers, 0);

  const sinks: TableSink[] = [];
  const cleanup = () => {
    for (const s of sinks) s.abort();
  };
  const stats: ShardStats = {
    rows: 0,
    fraudRows: 0,
    fraudByType: {},
    fraudByTypeSeverity: {},
    anomalyByType: {},
  };
  const workers: Worker[] = [];
  // failures of a worker before the scheduler below listens to it
  let earlyFailure: Error | null = null;
  try {
    // start the workers first: loading tsx and building the world in each takes about half a second,
    // which overlaps with the main thread's own world and merchant table
    const nWorkers = opts.workers > 0 ? Math.min(opts.workers, tasks.length) : 0;
    for (let i = 0; i < nWorkers; i++) {
      // worker-entry.mjs registers tsx itself: workers do not inherit the loader on Node 20
      const w = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
        workerData: { params, format },
        // a larger young generation halves GC time for this allocation-heavy loop
        resourceLimits: { maxYoungGenerationSizeMb: 96 },
      });
      w.on('error', (e) => {
        earlyFailure ??= e;
      });
      w.on('exit', (code) => {
        if (code !== 0) earlyFailure ??= new Error(`worker exited with code ${code}`);
      });
      workers.push(w);
    }
    const txnSink = openSink(targets.transactions, TXN_COLUMNS, format, targets.header);
    sinks.push(txnSink);
    const custSink = openSink(targets.customers, CUSTOMER_COLUMNS, format, targets.header);
    sinks.push(custSink);
    const merchSink = targets.merchants ? openSink(targets.merchants, MERCHANT_COLUMNS, format) : null;
    if (merchSink) sinks.push(merchSink);
    const world = buildWorld(params.seed, params.startDay, params.days);
    merchSink?.writeRows(merchantValues(world));

    const write = (res: TaskResult, shared?: SharedArrayBuffer) => {
      if (res.txnInTarget !== undefined) txnSink.writeText(new Uint8Array(shared!, 0, res.txnInTarget));
      if (res.txnText) txnSink.writeText(res.txnText);
      if (res.custText) custSink.writeText(res.custText);
      for (const b of res.txnBatches ?? []) txnSink.writeIpc(b);
      for (const b of res.custBatches ?? []) custSink.writeIpc(b);
      mergeStats(stats, res.stats);
      opts.onProgress?.(stats.rows, partRows);
    };

    if (opts.workers <= 0) {
      const runner = new TaskRunner(params, format);
      for (let i = 0; i < tasks.length; i++) {
        if (opts.signal?.aborted) throw new Error('aborted');
        write(runner.run(i, tasks[i]!));
        // yield so progress timers, signals and the Parquet encoder run
        if (i % 4 === 3 || txnSink.backlog() > 0) await new Promise((r) => setImmediate(r));
        while (txnSink.backlog() > MAX_BACKLOG) await new Promise((r) => setTimeout(r, 1));
      }
    } else {
      await new Promise<void>((resolve, reject) => {
        const n = workers.length;
        const pending = new Map<number, TaskResult>();
        let nextToSend = 0;
        let nextToWrite = 0;
        let failed = false;
        const maxAhead = n * 2;
        const fail = (e: unknown) => {
          if (failed) return;
          failed = true;
          reject(e instanceof Error ? e : new Error(String(e)));
        };
        opts.signal?.addEventListener('abort', () => fail(new Error('aborted')), { once: true });
        // up to two tasks queued per worker: a worker starts its next task while the main thread
        // writes the previous result, instead of waiting for that write and a new message
        const inFlight = new Map<Worker, number>(workers.map((w) => [w, 0]));
        // CSV: workers write each task's text into a shared buffer that the main thread writes to
        // the file and then reuses (no per-shard copy, transfer or garbage). At most maxAhead tasks
        // are between send and write, so maxAhead buffers suffice; a task that outgrows its buffer
        // returns its text the ordinary way.
        const sharedFree: SharedArrayBuffer[] = [];
        const sharedOf = new Map<number, SharedArrayBuffer>();
        const maxTaskRows = Math.max(...tasks.map((t) => t.reduce((s, x) => s + x.rows, 0)));
        const sharedBytes = maxTaskRows * 400 + (1 << 16);
        const pump = () => {
          while (
            !failed &&
            nextToSend < tasks.length &&
            nextToSend - nextToWrite < maxAhead &&
            txnSink.backlog() <= MAX_BACKLOG
          ) {
            // the least busy worker (fewer than two tasks: the window above holds at most 2 per worker)
            let w = workers[0]!;
            for (const x of workers) if (inFlight.get(x)! < inFlight.get(w)!) w = x;
            inFlight.set(w, inFlight.get(w)! + 1);
            let target: SharedArrayBuffer | undefined;
            if (format === 'csv') {
              target = sharedFree.pop() ?? new SharedArrayBuffer(sharedBytes);
              sharedOf.set(nextToSend, target);
            }
            w.postMessage({ task: nextToSend, specs: tasks[nextToSend], target });
            nextToSend++;
          }
          if (!failed && nextToWrite === tasks.length) resolve();
        };
        if (tasks.length === 0) {
          resolve();
          return;
        }
        // Parquet: the encoder takes chunks at its own pace; send more work as it catches up
        txnSink.onDrain = pump;
        if (earlyFailure) {
          fail(earlyFailure);
          return;
        }
        for (const w of workers) {
          w.on('error', fail);
          w.on('exit', (code) => {
            if (code !== 0 && nextToWrite < tasks.length) fail(new Error(`worker exited with code ${code}`));
          });
          w.on('message', (msg: { ok: boolean; res?: TaskResult; error?: string }) => {
            if (!msg.ok) return fail(new Error(msg.error));
            const res = msg.res!;
            pending.set(res.task, res);
            inFlight.set(w, inFlight.get(w)! - 1);
            pump(); // keep the worker busy before writing
            try {
              while (pending.has(nextToWrite)) {
                const r = pending.get(nextToWrite)!;
                pending.delete(nextToWrite);
                const shared = sharedOf.get(nextToWrite);
                write(r, shared);
                if (shared) {
                  sharedOf.delete(nextToWrite);
                  sharedFree.push(shared);
                }
                nextToWrite++;
              }
            } catch (e) {
              return fail(e);
            }
            pump();
          });
        }
        pump();
      });
    }
    for (const s of sinks) await s.finish();
    // sidecars first, the main file last: the transaction file appears only when all is written
    await custSink.commit();
    await merchSink?.commit();
    await txnSink.commit();
    const seconds = (performance.now() - t0) / 1000;
    return {
      rows: stats.rows,
      customers: totalCustomers,
      merchants: world.merchants.length,
      fraudRows: stats.fraudRows,
      fraudRate: stats.rows ? stats.fraudRows / stats.rows : 0,
      fraudByType: stats.fraudByType,
      anomalyByType: stats.anomalyByType,
      seconds,
      rowsPerSec: stats.rows / Math.max(seconds, 1e-9),
      bytes: fs.statSync(targets.transactions).size,
      files: {
        transactions: targets.transactions,
        customers: custSink.finalPath,
        merchants: merchSink?.finalPath ?? null,
      },
    };
  } catch (e) {
    cleanup();
    throw e;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
