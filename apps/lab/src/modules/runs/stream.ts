// The live stream of a run: Server-Sent Events over the run's event log. Each event carries its
// per-run seq as `id`, so a client that reconnects with Last-Event-ID reads on from exactly there.
// The stream wakes on an in-process signal (an append in this process) or at the next poll (an engine
// in another process), and ends after the run's final event ('finished').
import { Readable } from 'node:stream';
import type { RunEventRow } from './events.ts';

export interface RunStreamSource {
  /** Events after `after`, in seq order, at most `limit`. */
  eventsAfter(after: number, limit: number): Promise<RunEventRow[]>;
  /** Resolves on an append to the run, after `timeoutMs`, or when `signal` aborts. */
  wait(timeoutMs: number, signal: AbortSignal): Promise<void>;
}

export interface RunStreamOptions {
  /** Longest wait between two reads of the log when no signal comes (other processes append too). */
  pollMs: number;
  /** A comment line after this much silence keeps proxies from closing an idle connection. */
  heartbeatMs: number;
  /** Events read per query. */
  batch: number;
  /** Suggested reconnect delay sent to the client (the `retry:` field). */
  retryMs: number;
}

export const DEFAULT_STREAM_OPTIONS: RunStreamOptions = {
  pollMs: 1000,
  heartbeatMs: 15_000,
  batch: 200,
  retryMs: 2000,
};

/** One event in SSE framing; JSON has no raw newline, so `data:` is one line. */
export function sseFrame(e: RunEventRow): string {
  const data = JSON.stringify({
    seq: e.seq,
    type: e.type,
    pc: e.pc,
    step_id: e.step_id,
    payload: e.payload,
    created_at: e.created_at,
  });
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${data}\n\n`;
}

async function* frames(
  source: RunStreamSource,
  after: number,
  options: RunStreamOptions,
  signal: AbortSignal,
): AsyncGenerator<string> {
  // Sent at once, so the client has the response headers before the first event exists.
  yield `retry: ${options.retryMs}\n: run events after ${after}\n\n`;
  let last = after;
  let quietSince = Date.now();
  while (!signal.aborted) {
    const events = await source.eventsAfter(last, options.batch);
    for (const e of events) {
      yield sseFrame(e);
      last = e.seq;
      if (e.type === 'finished') return;
    }
    if (events.length > 0) quietSince = Date.now();
    if (events.length === options.batch) continue;
    if (Date.now() - quietSince >= options.heartbeatMs) {
      yield `: heartbeat ${new Date().toISOString()}\n\n`;
      quietSince = Date.now();
    }
    await source.wait(Math.min(options.pollMs, options.heartbeatMs), signal);
  }
}

/**
 * The stream as a Readable for `reply.send`: Fastify destroys it when the client goes away, which
 * aborts the wait it is in, so no query runs for a closed connection. A stream that ends by itself
 * (after 'finished') is destroyed by autoDestroy. `closeAll` ends every open stream
 * (the app is closing).
 */
export class RunStreams {
  private readonly open = new Set<AbortController>();

  constructor(private readonly options: RunStreamOptions = DEFAULT_STREAM_OPTIONS) {}

  stream(source: RunStreamSource, after: number): Readable {
    const abort = new AbortController();
    this.open.add(abort);
    const iterator = frames(source, after, this.options, abort.signal);
    // Not Readable.from: its destroy waits for the generator's next yield, which for an idle run is the
    // next heartbeat. Aborting first ends the wait at once.
    return new Readable({
      read() {
        iterator.next().then(
          (r) => this.push(r.done ? null : r.value),
          (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
        );
      },
      destroy: (error, callback) => {
        abort.abort();
        this.open.delete(abort);
        iterator.return(undefined).then(
          () => callback(error),
          () => callback(error),
        );
      },
    });
  }

  get size(): number {
    return this.open.size;
  }

  closeAll(): void {
    for (const abort of this.open) abort.abort();
  }
}
