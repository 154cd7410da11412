// Concurrent sample-creating clients that keep a ledger: every request, what it got, and which writes
// were acknowledged (201), so a post-check can look for each one after the fault.

/** One request's outcome: `201`, `503 database-unavailable`, `connection error` ... */
export interface Attempt {
  name: string;
  sentAt: number;
  doneAt: number;
  outcome: string;
  acknowledged: boolean;
}

export interface Ledger {
  attempts: Attempt[];
  /** Names of the samples whose create was answered 201. */
  acknowledged: Set<string>;
  /** Request outcomes counted by status and problem type. */
  outcomes: Record<string, number>;
}

export interface WriteLoad {
  /** Resolves with the first acknowledged write sent at or after `since` (performance.now()). */
  acknowledgedAfter(since: number): Attempt | undefined;
  ledger: Ledger;
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<Ledger>;
}

/** A client gives up on one request after this long (a hung request would be a finding, not a wait). */
const REQUEST_LIMIT_MS = 60_000;
/** A client that got no answer or a 503 waits this long before its next request, as a polite client would. */
const BACKOFF_MS = 50;

/** A bearer token, or a function that gives the current one (a long run refreshes its session). */
export type TokenSource = string | (() => string);

export function startWriteLoad(opts: {
  baseUrl: string;
  token: TokenSource;
  clients: number;
  tag: string;
}): WriteLoad {
  const ledger: Ledger = { attempts: [], acknowledged: new Set(), outcomes: {} };
  let stopping = false;
  const client = async (c: number) => {
    for (let i = 0; !stopping; i++) {
      const name = `${opts.tag}-${c}-${i}`;
      const sentAt = performance.now();
      const outcome = await createSample(opts, name);
      const acknowledged = outcome === '201';
      ledger.attempts.push({ name, sentAt, doneAt: performance.now(), outcome, acknowledged });
      ledger.outcomes[outcome] = (ledger.outcomes[outcome] ?? 0) + 1;
      if (acknowledged) ledger.acknowledged.add(name);
      else await new Promise((r) => setTimeout(r, BACKOFF_MS));
    }
  };
  const running = Promise.all(Array.from({ length: opts.clients }, (_, c) => client(c)));
  return {
    ledger,
    acknowledgedAfter: (since) => ledger.attempts.find((a) => a.acknowledged && a.sentAt >= since),
    stop: async () => {
      stopping = true;
      await running;
      return ledger;
    },
  };
}

async function createSample(opts: { baseUrl: string; token: TokenSource }, name: string): Promise<string> {
  const token = typeof opts.token === 'string' ? opts.token : opts.token();
  try {
    const res = await fetch(`${opts.baseUrl}/api/samples`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name, quantity: 1, unit: 'mg' }),
      signal: AbortSignal.timeout(REQUEST_LIMIT_MS),
    });
    const text = await res.text();
    if (res.status === 201) return '201';
    const type = res.headers.get('content-type')?.startsWith('application/problem+json')
      ? (JSON.parse(text) as { type?: string }).type
      : undefined;
    const retryAfter = res.status === 503 && res.headers.get('retry-after') ? '' : ' (no retry-after)';
    return `${res.status} ${type ?? '(not a problem)'}${res.status === 503 ? retryAfter : ''}`;
  } catch (err) {
    return err instanceof Error && err.name === 'TimeoutError' ? 'no answer in 60 s' : 'connection error';
  }
}

/** Seconds from `faultAt` until writes succeed steadily: the first acknowledged write sent after the last failure. */
export function recoverySeconds(ledger: Ledger, faultAt: number): number {
  const failures = ledger.attempts.filter((a) => !a.acknowledged && a.sentAt >= faultAt);
  const lastFailure = Math.max(faultAt, ...failures.map((a) => a.doneAt));
  const recovered = ledger.attempts
    .filter((a) => a.acknowledged && a.sentAt >= lastFailure)
    .reduce((first, a) => Math.min(first, a.doneAt), Number.POSITIVE_INFINITY);
  return (recovered - faultAt) / 1000;
}
