// The run's live event stream. EventSource cannot send the Authorization header the API requires, and
// a token in the URL would end up in logs and history, so the stream is read with fetch (through the
// typed client, which adds the bearer token) and the SSE frames are parsed here. A dropped connection
// reconnects with Last-Event-ID, so no event is lost or repeated; the API ends the stream after
// `finished`.
import { useEffect, useState } from 'react';
import { api, failure } from '../../api/client.ts';
import { parseFrames, type RunEvent } from './sse.ts';

export type { RunEvent };

async function readStream(
  runId: string,
  after: number,
  signal: AbortSignal,
  onEvents: (events: RunEvent[]) => void,
) {
  const { data, error, response } = await api.GET('/api/runs/{runId}/events', {
    params: { path: { runId }, query: { limit: 200 }, header: { 'last-event-id': String(after) } },
    headers: { accept: 'text/event-stream' },
    parseAs: 'stream',
    signal,
  });
  if (!response.ok || !(data instanceof ReadableStream)) throw failure(error, response);
  const reader = data.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let finished = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return finished;
    const parsed = parseFrames(buffer + value);
    buffer = parsed.rest;
    onEvents(parsed.events);
    if (parsed.events.some((event) => event.type === 'finished')) finished = true;
  }
}

const RECONNECT_MS = 2000;

/** Every event of the run, in seq order, growing as the run goes; `error` while reconnecting. */
export function useRunEvents(runId: string): { events: RunEvent[]; finished: boolean; error: Error | null } {
  const [events, setEvents] = useState<RunEvent[]>([]);
  const [finished, setFinished] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    let last = 0;
    // One state update per chunk read, not per event: a burst of readings renders once.
    const append = (batch: RunEvent[]) => {
      const fresh = batch.filter((event) => event.seq > last);
      if (fresh.length === 0) return;
      last = fresh[fresh.length - 1]?.seq ?? last;
      setEvents((old) => [...old, ...fresh]);
    };
    void (async () => {
      while (!abort.signal.aborted) {
        try {
          if (await readStream(runId, last, abort.signal, append)) {
            setFinished(true);
            return;
          }
          setError(null);
        } catch (e) {
          if (abort.signal.aborted) return;
          setError(e instanceof Error ? e : new Error(String(e)));
        }
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
      }
    })();
    return () => abort.abort();
  }, [runId]);
  return { events, finished, error };
}
