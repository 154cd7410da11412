// kill -9 of the real server mid-run, a restart, a resume: the interrupted step runs again from the
// stored checkpoint and no completed step does. On an embedded-database data directory, as a lab PC runs it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { withLab } from '../../../cli.ts';
import { loadConfig } from '../../../config.ts';
import { queryRows } from '../../../db/client.ts';
import { freePort, type LabServer, startLabServer } from '../../../testing/lab-process.ts';
import { onPostgres } from '../../../testing/test-database.ts';
import { HANG_GUARD_MS, waitFor } from '../../../testing/wait.ts';
import { ensureDefaultSite } from '../../sites/port.ts';
import { insertPendingRun, runFixture } from './test-fixtures.ts';

const servers: LabServer[] = [];
let parent: string | undefined;
afterAll(async () => {
  for (const s of servers)
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  if (parent) await rm(parent, { recursive: true, force: true });
});

const logged = (server: LabServer, msg: string, match: Record<string, unknown> = {}) =>
  server.logs.some((l) => l['msg'] === msg && Object.entries(match).every(([k, v]) => l[k] === v));

async function stopGracefully(server: LabServer): Promise<void> {
  server.child.kill('SIGTERM');
  expect((await server.exited).code).toBe(0);
}

// The PostgreSQL suite covers a killed engine in two-engines.test.ts; this one is the embedded database's.
describe.skipIf(onPostgres)('crash and resume of the lab server (embedded database)', () => {
  it('kill -9 mid-step leaves the run interrupted; a resume re-runs that step only and completes', async () => {
    parent = await mkdtemp(join(tmpdir(), 'lab-crash-'));
    const env = {
      DATABASE_URL: '',
      POLYMORPH_DATA_DIR: join(parent, 'lab'),
      POLYMORPH_ENGINE_POLL_MS: '100',
    };
    const inLab = <T>(work: (app: FastifyInstance) => Promise<T>) =>
      withLab(loadConfig({ ...process.env, ...env }), (app) => work(app));
    const rows = <T>(app: FastifyInstance, query: ReturnType<typeof sql>) =>
      app.lab.uow.read((tx) => queryRows<T>(tx, query));

    const run = await inLab(async (app) => {
      await ensureDefaultSite(app.lab.uow);
      // 3000 s of waiting: 30 s at 100x, so the kill lands inside the step
      const fixture = await runFixture(app);
      return { ...(await insertPendingRun(fixture, { wait_s: 3000 })), operator: fixture.operator };
    });

    const first = await startLabServer(await freePort(), {
      ...env,
      POLYMORPH_RUN_ACCELERATION: '100',
      POLYMORPH_LOG_LEVEL: 'debug',
    });
    servers.push(first);
    await waitFor('the long wait to start', HANG_GUARD_MS, () =>
      logged(first, 'run step_started', { run_id: run.runId, step_id: 'long_wait' }),
    );
    expect(logged(first, 'run step_ended', { run_id: run.runId, step_id: 'first_spectrum' })).toBe(true);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    // the restart finds the run it left running: no engine can hold it on an embedded database
    const second = await startLabServer(await freePort(), env);
    servers.push(second);
    await waitFor('the restart to mark the run interrupted', HANG_GUARD_MS, () =>
      second.logs.some(
        (l) =>
          l['msg'] === 'runs left running by a stopped process are interrupted' &&
          Array.isArray(l['runs']) &&
          l['runs'].includes(run.runId),
      ),
    );
    await stopGracefully(second);

    await inLab(async (app) => {
      const [exec] = await rows<{ status: string; checkpoint: { pc: number } }>(
        app,
        sql`SELECT status, checkpoint FROM workflow_executions WHERE id = ${run.id}`,
      );
      // the checkpoint is the interrupted step's: the two before it completed
      expect(exec).toMatchObject({ status: 'interrupted', checkpoint: { pc: 2 } });
      const steps = await rows<{ step_id: string; outcome: string }>(
        app,
        sql`SELECT step_id, outcome FROM run_steps WHERE execution_id = ${run.id} ORDER BY started_at`,
      );
      expect(steps).toEqual([
        { step_id: 'heat', outcome: 'completed' },
        { step_id: 'first_spectrum', outcome: 'completed' },
        { step_id: 'long_wait', outcome: 'interrupted' },
      ]);
    });

    // The operator resumes it over HTTP with an e-signature and a reason, as the lab would.
    const third = await startLabServer(await freePort(), { ...env, POLYMORPH_RUN_ACCELERATION: '100000' });
    servers.push(third);
    const { email, password } = run.operator;
    const login = await fetch(`${third.baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(login.status).toBe(200);
    const { access_token } = (await login.json()) as { access_token: string };
    const resumed = await fetch(`${third.baseUrl}/api/runs/${run.runId}/resume`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${access_token}` },
      body: JSON.stringify({
        user_id: email,
        password,
        reason: 'Power restored; resume from the checkpoint',
      }),
    });
    expect(resumed.status).toBe(200);
    await waitFor('the resumed run to end', HANG_GUARD_MS, () =>
      logged(third, 'run ended on this engine', { run_id: run.runId }),
    );
    await stopGracefully(third);

    await inLab(async (app) => {
      const [exec] = await rows<{ status: string; resume_count: number }>(
        app,
        sql`SELECT status, resume_count FROM workflow_executions WHERE id = ${run.id}`,
      );
      expect(exec).toEqual({ status: 'completed', resume_count: 1 });
      const steps = await rows<{ pc: number; step_id: string; outcome: string }>(
        app,
        sql`SELECT pc, step_id, outcome FROM run_steps WHERE execution_id = ${run.id} ORDER BY started_at`,
      );
      // the interrupted step ran again; no completed step ran twice
      expect(steps.map((s) => [s.pc, s.step_id, s.outcome])).toEqual([
        [0, 'heat', 'completed'],
        [1, 'first_spectrum', 'completed'],
        [2, 'long_wait', 'interrupted'],
        [2, 'long_wait', 'completed'],
        [3, 'spectrum', 'completed'],
        [4, 'identify', 'completed'],
        [5, 'cool', 'completed'],
      ]);
      const types = (
        await rows<{ type: string }>(
          app,
          sql`SELECT type FROM run_events WHERE execution_id = ${run.id} AND type IN ('claimed', 'interrupted', 'resumed', 'finished') ORDER BY seq`,
        )
      ).map((r) => r.type);
      expect(types).toEqual(['claimed', 'interrupted', 'resumed', 'claimed', 'finished']);
      expect((await app.lab.audit.verify()).valid).toBe(true);
    });
  }, 600_000);
});

describe.skipIf(onPostgres)('graceful shutdown with a run under way (embedded database)', () => {
  it('SIGTERM marks the run under way interrupted at once (its open step too) and exits 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lab-sigterm-'));
    const env = { DATABASE_URL: '', POLYMORPH_DATA_DIR: join(dir, 'lab'), POLYMORPH_ENGINE_POLL_MS: '100' };
    const inLab = <T>(work: (app: FastifyInstance) => Promise<T>) =>
      withLab(loadConfig({ ...process.env, ...env }), (app) => work(app));
    try {
      const run = await inLab(async (app) => {
        await ensureDefaultSite(app.lab.uow);
        return insertPendingRun(await runFixture(app), { wait_s: 36_000 });
      });
      const server = await startLabServer(await freePort(), {
        ...env,
        POLYMORPH_RUN_ACCELERATION: '100',
        POLYMORPH_LOG_LEVEL: 'debug',
      });
      servers.push(server);
      await waitFor('the long wait to start', HANG_GUARD_MS, () =>
        logged(server, 'run step_started', { run_id: run.runId, step_id: 'long_wait' }),
      );
      await stopGracefully(server);
      expect(logged(server, 'run engine stopped', { interrupted: 1 })).toBe(true);
      await inLab(async (app) => {
        const [exec] = await app.lab.uow.read((tx) =>
          queryRows<{ status: string; claimed_by: string | null }>(
            tx,
            sql`SELECT status, claimed_by FROM workflow_executions WHERE id = ${run.id}`,
          ),
        );
        expect(exec).toEqual({ status: 'interrupted', claimed_by: null });
        const [event] = await app.lab.uow.read((tx) =>
          queryRows<{ payload: { reason: string; open_steps: unknown[] } }>(
            tx,
            sql`SELECT payload FROM run_events WHERE execution_id = ${run.id} AND type = 'interrupted'`,
          ),
        );
        expect(event!.payload).toMatchObject({
          reason: 'the engine shut down',
          open_steps: [{ pc: 2, step_id: 'long_wait' }],
        });
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
