// The soak's mixed load on a real lab: reads (lists, gets, audit queries), audited writes (sample creates
// through the fault tests' write load, and updates), logins (with refresh and logout) and e-signatures.
// Every request is recorded with its kind, operation, outcome and latency.
import { type Ledger, startWriteLoad } from '../../apps/lab/src/testing/faults/write-load.ts';

export const KINDS = ['read', 'write', 'login', 'signature'] as const;
export type Kind = (typeof KINDS)[number];

export interface RequestRecord {
  kind: Kind;
  op: string;
  /** `200`, `409 https://.../conflict`, `connection error` ... (the write load's format). */
  outcome: string;
  ms: number;
}

export interface Credentials {
  email: string;
  password: string;
}

export interface MixedLoadOptions {
  baseUrl: string;
  admin: Credentials;
  /** Read and write clients; one login client and one signer run besides. */
  clients: number;
  /** Prefix of the created samples' names, for the post-check. */
  tag: string;
  /** Accounts whose user record the signer signs (their holders are the authors, not the signer). */
  subjects: string[];
}

export interface MixedLoad {
  stop(): Promise<{ records: RequestRecord[]; creates: Ledger }>;
}

/** A hung request is a finding, not a wait: the same limit as the fault tests' write load. */
const REQUEST_LIMIT_MS = 60_000;
/** Login cycles (login, me, refresh, logout) start this often: the default throttle allows 50 logins a minute per address. */
const LOGIN_EVERY_MS = 3_000;
/** Signings start this often: a re-authentication each, as a reviewer clicking through records would. */
const SIGN_EVERY_MS = 1_000;
/** The worker session refreshes its tokens this often, well inside the 15-minute access token. */
const REFRESH_EVERY_MS = 5 * 60_000;
const MEANINGS = ['reviewed', 'approved', 'rejected'] as const;

interface Tokens {
  access_token: string;
  refresh_token: string;
}

export async function startMixedLoad(opts: MixedLoadOptions): Promise<MixedLoad> {
  const records: RequestRecord[] = [];
  const http = httpRecorder(opts.baseUrl, records);
  const first = await login(http, opts.admin, 'login (worker)');
  if (!first) throw new Error('the worker session could not log in');
  let worker = first;
  const token = () => worker.access_token;
  let stopping = false;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const pause = (ms: number) => Promise.race([stopped, new Promise((r) => setTimeout(r, ms))]);
  const ids: string[] = [];

  const reader = async () => {
    for (let i = 0; !stopping; i++) await readOnce(http, token(), ids, opts.subjects, i);
  };
  const updater = async () => {
    for (let i = 0; !stopping; i++) {
      const id = ids[i % Math.max(ids.length, 1)];
      if (!id) await listSamples(http, token(), ids);
      else
        await http('write', 'update sample', 'PATCH', `/api/samples/${encodeURIComponent(id)}`, token(), {
          quantity: (i % 100) + 1,
          reason: 'soak: re-weighed',
        });
    }
  };
  const refresher = async () => {
    while (!stopping) {
      await pause(REFRESH_EVERY_MS);
      if (stopping) return;
      const next = await refresh(http, worker, 'refresh (worker)');
      if (next) worker = next;
    }
  };
  const loginCycles = async () => {
    while (!stopping) {
      const started = performance.now();
      const s = await login(http, opts.admin, 'login');
      if (s) {
        await http('login', 'me', 'GET', '/auth/me', s.access_token);
        const next = await refresh(http, s, 'refresh');
        await http('login', 'logout', 'POST', '/auth/logout', (next ?? s).access_token);
      }
      await pause(LOGIN_EVERY_MS - (performance.now() - started));
    }
  };
  const signer = async () => {
    while (!stopping) await signingSession(http, opts, () => stopping, pause);
  };

  const readers = Math.max(1, opts.clients - 2 * Math.max(1, Math.floor(opts.clients / 4)));
  const writers = Math.max(1, Math.floor(opts.clients / 4));
  const creates = startWriteLoad({ baseUrl: opts.baseUrl, token, clients: writers, tag: opts.tag });
  const running = Promise.all([
    ...Array.from({ length: readers }, reader),
    ...Array.from({ length: writers }, updater),
    refresher(),
    loginCycles(),
    signer(),
  ]);
  return {
    stop: async () => {
      stopping = true;
      wake();
      const ledger = await creates.stop();
      await running;
      for (const a of ledger.attempts)
        records.push({ kind: 'write', op: 'create sample', outcome: a.outcome, ms: a.doneAt - a.sentAt });
      return { records, creates: ledger };
    },
  };
}

type Http = ReturnType<typeof httpRecorder>;

/** fetch that records the request; resolves with the JSON body of a 2xx answer, else undefined. */
function httpRecorder(baseUrl: string, records: RequestRecord[]) {
  return async (
    kind: Kind,
    op: string,
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
  ): Promise<unknown> => {
    const started = performance.now();
    let outcome: string;
    let json: unknown;
    try {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_LIMIT_MS),
      });
      const text = await res.text();
      const parsed: unknown = text ? JSON.parse(text) : null;
      const ok = res.status >= 200 && res.status < 300;
      if (ok) json = parsed;
      outcome = ok ? `${res.status}` : `${res.status} ${problemType(parsed) ?? '(not a problem)'}`;
    } catch (err) {
      outcome =
        err instanceof Error && err.name === 'TimeoutError' ? 'no answer in 60 s' : 'connection error';
    }
    records.push({ kind, op, outcome, ms: performance.now() - started });
    return json;
  };
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function problemType(body: unknown): string | undefined {
  return isObject(body) && typeof body['type'] === 'string' ? body['type'] : undefined;
}

function asTokens(body: unknown): Tokens | undefined {
  if (!isObject(body)) return undefined;
  const { access_token, refresh_token } = body;
  return typeof access_token === 'string' && typeof refresh_token === 'string'
    ? { access_token, refresh_token }
    : undefined;
}

const login = async (http: Http, who: Credentials, op: string) =>
  asTokens(await http('login', op, 'POST', '/auth/login', undefined, who));

const refresh = async (http: Http, s: Tokens, op: string) =>
  asTokens(await http('login', op, 'POST', '/auth/refresh', undefined, { refresh_token: s.refresh_token }));

/** Lists the newest samples and keeps their ids for gets, audit queries and updates. */
async function listSamples(http: Http, token: string, ids: string[]): Promise<void> {
  const page = await http('read', 'list samples', 'GET', '/api/samples?limit=20', token);
  const items = isObject(page) && Array.isArray(page['items']) ? page['items'] : [];
  const found = items.flatMap((s) =>
    isObject(s) && typeof s['sample_id'] === 'string' ? [s['sample_id']] : [],
  );
  if (found.length) ids.splice(0, ids.length, ...found);
}

async function readOnce(http: Http, token: string, ids: string[], subjects: string[], i: number) {
  const id = ids[i % Math.max(ids.length, 1)];
  const subject = subjects[i % subjects.length]!;
  const op = id ? i % 4 : 0;
  if (op === 0) return listSamples(http, token, ids);
  const sample = encodeURIComponent(id!);
  if (op === 1) return http('read', 'get sample', 'GET', `/api/samples/${sample}`, token);
  if (op === 2)
    return http(
      'read',
      'audit query',
      'GET',
      `/api/compliance/audit?entity_type=sample&entity_id=${sample}`,
      token,
    );
  return http(
    'read',
    'list signatures',
    'GET',
    `/api/signatures?record_type=user&record_id=${encodeURIComponent(subject)}`,
    token,
  );
}

/**
 * One login session of signings: each subject once per meaning (the same signature twice in a session
 * is refused as a duplicate), `user_id` on the first signing only, then logout.
 */
async function signingSession(
  http: Http,
  opts: MixedLoadOptions,
  stopping: () => boolean,
  pause: (ms: number) => Promise<unknown>,
): Promise<void> {
  const s = await login(http, opts.admin, 'login (signer)');
  if (!s) return void (await pause(SIGN_EVERY_MS));
  let firstOfSession = true;
  for (const meaning of MEANINGS)
    for (const subject of opts.subjects) {
      if (stopping()) break;
      const started = performance.now();
      await http('signature', `sign ${meaning}`, 'POST', '/api/signatures', s.access_token, {
        record_type: 'user',
        record_id: subject,
        meaning,
        reason: 'soak: periodic access review',
        password: opts.admin.password,
        ...(firstOfSession ? { user_id: opts.admin.email } : {}),
      });
      firstOfSession = false;
      await pause(SIGN_EVERY_MS - (performance.now() - started));
    }
  await http('login', 'logout (signer)', 'POST', '/auth/logout', s.access_token);
}
