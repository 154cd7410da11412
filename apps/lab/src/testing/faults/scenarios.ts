// The fault scenarios, shared by the fast tests (faults.test.ts) and the campaign (tools/fault-campaign):
// a real lab process under concurrent sample creation, one real fault, then the post-check.

import { waitFor } from '../wait.ts';
import { type ShutdownMode, startThrowawayCluster, type ThrowawayCluster } from './cluster.ts';
import { startLabUnderTest } from './lab-under-test.ts';
import { checkAfterFault, type PostCheck } from './post-check.ts';
import { type Ledger, recoverySeconds, startWriteLoad } from './write-load.ts';

export type FaultKind = 'pg-restart-fast' | 'pg-restart-immediate' | 'kill-9' | 'sigterm';
export type DatabaseKind = 'pglite' | 'postgres';

export interface ScenarioOptions {
  fault: FaultKind;
  database: DatabaseKind;
  clients: number;
  /** Seconds of load before the fault and again after recovery. */
  loadSeconds: number;
}

export interface ScenarioResult extends PostCheck {
  fault: FaultKind;
  database: DatabaseKind;
  /** How the lab process ended when the fault was not meant to end it (a crash), else null. */
  unexpectedExit: { code: number | null; signal: string | null } | null;
  /** Exit of a process the fault stopped on purpose (SIGTERM: code 0 expected). */
  faultExit: { code: number | null; signal: string | null } | null;
  recoverySeconds: number;
  outcomes: Ledger['outcomes'];
}

/** Generous limit for writes to succeed again after the fault, on a busy machine. */
const RECOVERY_LIMIT_MS = 120_000;

export async function runScenario(opts: ScenarioOptions): Promise<ScenarioResult> {
  const onPg = opts.database === 'postgres';
  const cluster: ThrowawayCluster | undefined = onPg ? await startThrowawayCluster() : undefined;
  try {
    const lab = await startLabUnderTest(cluster?.url);
    try {
      return await underLoad(opts, lab, cluster);
    } finally {
      await lab.dispose();
    }
  } finally {
    await cluster?.destroy();
  }
}

async function underLoad(
  opts: ScenarioOptions,
  lab: Awaited<ReturnType<typeof startLabUnderTest>>,
  cluster: ThrowawayCluster | undefined,
): Promise<ScenarioResult> {
  const tag = `fault-${opts.fault}-${Date.now()}`;
  const load = startWriteLoad({ baseUrl: lab.baseUrl, token: lab.token, clients: opts.clients, tag });
  await loadFor(load.ledger, opts.loadSeconds, opts.clients);
  const faultAt = performance.now();
  let unexpectedExit: ScenarioResult['unexpectedExit'] = null;
  let expectedExit = false;
  const watchCrash = (server: ReturnType<typeof lab.server>) =>
    void server.exited.then((exit) => {
      if (!expectedExit) unexpectedExit = exit;
    });
  watchCrash(lab.server());
  let faultExit: ScenarioResult['faultExit'] = null;
  if (opts.fault === 'pg-restart-fast' || opts.fault === 'pg-restart-immediate') {
    const mode: ShutdownMode = opts.fault === 'pg-restart-fast' ? 'fast' : 'immediate';
    if (!cluster) throw new Error('a PostgreSQL restart needs the PostgreSQL database');
    await cluster.restart(mode);
  } else {
    expectedExit = true;
    faultExit = await lab.signal(opts.fault === 'kill-9' ? 'SIGKILL' : 'SIGTERM');
    await lab.restart();
    expectedExit = false;
    watchCrash(lab.server());
  }
  const afterFault = performance.now();
  // A crash ends the wait too: the result reports it.
  await waitFor(
    'an acknowledged write after the fault',
    RECOVERY_LIMIT_MS,
    () => unexpectedExit !== null || load.acknowledgedAfter(afterFault) !== undefined,
  );
  if (!unexpectedExit) await loadFor(load.ledger, opts.loadSeconds, opts.clients);
  const ledger = await load.stop();
  const crashed = unexpectedExit;
  if (!crashed) {
    expectedExit = true;
    // Stopped gracefully: PGlite is single-process, and the post-check opens it.
    await lab.signal('SIGTERM');
  }
  const check = await checkAfterFault(lab.target, lab.env, ledger, tag);
  return {
    ...check,
    fault: opts.fault,
    database: opts.database,
    unexpectedExit: crashed,
    faultExit,
    recoverySeconds: recoverySeconds(ledger, faultAt),
    outcomes: ledger.outcomes,
  };
}

/** Load for `seconds`, and at least until each client has had a write acknowledged (a slow machine). */
async function loadFor(ledger: Ledger, seconds: number, clients: number): Promise<void> {
  const until = performance.now() + seconds * 1000;
  const before = ledger.acknowledged.size;
  await waitFor(`${clients} acknowledged writes`, RECOVERY_LIMIT_MS, () => {
    return performance.now() >= until && ledger.acknowledged.size - before >= clients;
  });
}
