// A lab whose runs drive the simulated reactor over SCPI/TCP: the app (PGlite, or PostgreSQL under
// TEST_DATABASE_URL), `instrument-sim` in its own process and one run engine, at the same acceleration
// (as POLYMORPH_RUN_ACCELERATION must equal instrument-sim's --acceleration). Shared by the end-to-end
// tests of runs and of polymorph identification.
import { RunEngine } from '../modules/runs/engine/run-engine.ts';
import { type InstrumentSimProcess, startInstrumentSim } from './instrument-sim-process.ts';
import { type TestLab, testLab } from './lab-app.ts';
import type { TestUser } from './run-fixtures.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export interface RunEventRow {
  seq: number;
  type: string;
  step_id: string | null;
  payload: Record<string, unknown>;
}

export interface ScpiRunRig {
  lab: TestLab;
  sim: InstrumentSimProcess;
  /** One API call as `who`: its status, its JSON body and its raw text. */
  call(
    who: TestUser,
    method: 'GET' | 'POST',
    url: string,
    payload?: object,
  ): Promise<{ status: number; body: Record<string, unknown>; raw: string }>;
  /** Every event of a run, page by page through GET /api/runs/{id}/events. */
  allEvents(who: TestUser, runId: string): Promise<RunEventRow[]>;
  close(): Promise<void>;
}

export async function startScpiRunRig(acceleration: number, seed = 1): Promise<ScpiRunRig> {
  const lab = await testLab();
  const sim = await startInstrumentSim([
    '--port',
    '0',
    '--seed',
    String(seed),
    '--acceleration',
    String(acceleration),
  ]);
  const engine = new RunEngine({
    uow: lab.app.lab.uow,
    metrics: lab.app.lab.metrics,
    signals: lab.app.lab.runSignals,
    log: silent,
    leaseMs: 15_000,
    pollMs: 50,
    maxRuns: 1,
    acceleration,
  });
  engine.start();
  const call: ScpiRunRig['call'] = async (who, method, url, payload) => {
    const res = await lab.app.inject({ method, url, headers: who.auth, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: res.json() as Record<string, unknown>, raw: res.body };
  };
  const allEvents = async (who: TestUser, runId: string) => {
    const events: RunEventRow[] = [];
    for (let after: unknown = 0; typeof after === 'number'; ) {
      const page = await call(who, 'GET', `/api/runs/${runId}/events?after=${after}&limit=100`);
      if (page.status !== 200) throw new Error(`events of ${runId}: ${page.status} ${page.raw}`);
      events.push(...(page.body['items'] as RunEventRow[]));
      after = page.body['next_after'];
    }
    return events;
  };
  const close = async () => {
    await engine.stop();
    sim.kill();
    await lab.close();
  };
  return { lab, sim, call, allEvents, close };
}
