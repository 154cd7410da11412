// One soak run: a real lab process on a fresh data directory (PGlite, or PostgreSQL: a fresh database on
// the TEST_DATABASE_URL server or a throw-away cluster), the mixed load for a while with samples taken
// from outside the process, then the checks: the audit chain over the verify route and, with the server
// stopped, `audit verify` and the fault tests' post-check (every acknowledged create stored with exactly
// one audit event).
import { startThrowawayCluster } from '../../apps/lab/src/testing/faults/cluster.ts';
import { type LabUnderTest, startLabUnderTest } from '../../apps/lab/src/testing/faults/lab-under-test.ts';
import { checkAfterFault, type PostCheck } from '../../apps/lab/src/testing/faults/post-check.ts';
import { freshDatabase, TEST_DATABASE_URL } from '../../apps/lab/src/testing/test-database.ts';
import { isObject, type RequestRecord, startMixedLoad } from './mixed-load.ts';
import { type Sample, startSampler, takeSample } from './sampler.ts';

export type SoakDatabase = 'pglite' | 'postgres';

export interface SoakOptions {
  seconds: number;
  clients: number;
  database: SoakDatabase;
  /** How often the process is sampled. */
  sampleEveryMs: number;
  /** Told once a minute how far the run is (the CLI prints it). */
  progress?: (line: string) => void;
}

export interface SoakResult {
  options: { seconds: number; clients: number; database: SoakDatabase; sampleEveryMs: number };
  /** Where PostgreSQL came from, for the record. */
  databaseSource: string;
  startedAt: string;
  durationSeconds: number;
  records: RequestRecord[];
  samples: Sample[];
  /** The verify route while the lab ran, after signing the head (status `valid` expected). */
  liveVerify: { status: string; valid: boolean; checked: number; reason: string | null } | null;
  postCheck: PostCheck;
  /** How the lab ended after SIGTERM (code 0 expected). */
  exit: { code: number | null; signal: string | null };
}

/** Signers need records to sign: user accounts whose holders are their authors, not the signer. */
const SUBJECTS = 10;
const SUBJECT_PASSWORD = 'Soak-Subject-Heron-83';

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const onServer = opts.database === 'postgres' && TEST_DATABASE_URL !== undefined;
  // A database of its own on the TEST_DATABASE_URL server: other tests there must not mix into the chain.
  const fresh = onServer ? await freshDatabase() : undefined;
  const cluster = opts.database === 'postgres' && !onServer ? await startThrowawayCluster() : undefined;
  const databaseSource =
    opts.database === 'pglite'
      ? 'PGlite (fresh data directory)'
      : onServer
        ? 'PostgreSQL (a fresh database on the TEST_DATABASE_URL server)'
        : 'PostgreSQL (throw-away cluster, fsync on)';
  try {
    const lab = await startLabUnderTest(fresh?.url ?? cluster?.url);
    try {
      return { ...(await soak(lab, opts)), databaseSource };
    } finally {
      await lab.dispose();
    }
  } finally {
    await cluster?.destroy();
    await fresh?.drop();
  }
}

async function soak(lab: LabUnderTest, opts: SoakOptions): Promise<Omit<SoakResult, 'databaseSource'>> {
  const tag = `soak-${Date.now()}`;
  const subjects = await createSubjects(lab, tag);
  const pid = lab.server().child.pid;
  if (pid === undefined) throw new Error('the lab process has no pid');
  // An object, not a let: the exit handler sets it behind the type checker's back.
  const watch: { crashed: SoakResult['exit'] | null; stopping: boolean } = { crashed: null, stopping: false };
  void lab.server().exited.then((exit) => {
    if (!watch.stopping) watch.crashed = exit;
  });

  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const sampler = startSampler(pid, lab.baseUrl, opts.sampleEveryMs);
  const load = await startMixedLoad({
    baseUrl: lab.baseUrl,
    admin: lab.admin,
    clients: opts.clients,
    tag,
    subjects,
  });
  for (let minute = 1; ; minute++) {
    const left = opts.seconds * 1000 - (performance.now() - t0);
    if (left <= 0 || watch.crashed) break;
    await new Promise((r) => setTimeout(r, Math.min(left, 60_000)));
    // setTimeout may fire a little early: decide by the wait, not by the clock.
    if (left > 60_000) opts.progress?.(`${minute} min of ${opts.seconds / 60}`);
  }
  const { records, creates } = await load.stop();
  const durationSeconds = (performance.now() - t0) / 1000;
  const samples = await sampler.stop();
  if (!watch.crashed) samples.push(await takeSample(pid, lab.baseUrl, durationSeconds));
  const liveVerify = watch.crashed ? null : await sealAndVerify(lab);
  watch.stopping = true;
  const exit = watch.crashed ?? (await lab.signal('SIGTERM'));
  const postCheck = await checkAfterFault(lab.target, lab.env, creates, tag);
  return {
    options: {
      seconds: opts.seconds,
      clients: opts.clients,
      database: opts.database,
      sampleEveryMs: opts.sampleEveryMs,
    },
    startedAt,
    durationSeconds,
    records,
    samples,
    liveVerify,
    postCheck,
    exit,
  };
}

async function api(lab: LabUnderTest, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${lab.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${lab.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function createSubjects(lab: LabUnderTest, tag: string): Promise<string[]> {
  const emails = Array.from({ length: SUBJECTS }, (_, i) => `${tag}-subject-${i}@lab.test`);
  for (const email of emails) {
    const res = await api(lab, 'POST', '/api/users', {
      email,
      name: `Soak subject ${email.split('@')[0]}`,
      password: SUBJECT_PASSWORD,
      roles: ['technician'],
    });
    if (res.status !== 201) throw new Error(`creating ${email} answered ${res.status}: ${await res.text()}`);
  }
  return emails;
}

/**
 * Signs the head (a stop leaves events after the last checkpoint, which `audit verify` reports as an
 * unsealed tail), then verifies over the route, with a fresh login: the first token may have expired.
 */
async function sealAndVerify(lab: LabUnderTest): Promise<SoakResult['liveVerify']> {
  const login = await fetch(`${lab.baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(lab.admin),
  });
  const tokens: unknown = await login.json();
  const token =
    isObject(tokens) && typeof tokens['access_token'] === 'string' ? tokens['access_token'] : undefined;
  if (!token) return null;
  const auth = { authorization: `Bearer ${token}` };
  const seal = await fetch(`${lab.baseUrl}/api/compliance/audit/checkpoints`, {
    method: 'POST',
    headers: auth,
  });
  await seal.body?.cancel();
  const res = await fetch(`${lab.baseUrl}/api/compliance/audit/verify`, { headers: auth });
  const v: unknown = await res.json();
  if (res.status !== 200 || !isObject(v)) return null;
  return {
    status: String(v['status']),
    valid: v['valid'] === true,
    checked: Number(v['checked']),
    reason: typeof v['reason'] === 'string' ? v['reason'] : null,
  };
}
