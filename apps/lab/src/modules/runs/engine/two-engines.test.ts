// Two engine processes (`npm run lab -- engine`) on one PostgreSQL: each run is claimed by exactly
// one of them, and the run of an engine killed with SIGKILL becomes interrupted, found by the other.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { withLab } from '../../../cli.ts';
import { loadConfig } from '../../../config.ts';
import { type Database, queryRows } from '../../../db/client.ts';
import { freshDatabase, onPostgres, type TestDatabase } from '../../../testing/test-database.ts';
import { HANG_GUARD_MS, waitFor } from '../../../testing/wait.ts';
import { ensureDefaultSite } from '../../sites/port.ts';
import { insertPendingRun, runFixture } from './test-fixtures.ts';

const CLI = fileURLToPath(new URL('../../../cli.ts', import.meta.url));
const LEASE_MS = 1500;

const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const c of cleanups.reverse()) await c();
});

function startEngine(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'engine'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode });
    else child.on('exit', (code, signal) => resolve({ code, signal }));
  });

describe.skipIf(!onPostgres)('two engine processes on one PostgreSQL (needs TEST_DATABASE_URL)', () => {
  it('each run is claimed by exactly one engine; a killed engine’s run becomes interrupted, not stuck', async () => {
    const fresh: TestDatabase = await freshDatabase();
    cleanups.push(() => fresh.drop());
    const dir = await mkdtemp(join(tmpdir(), 'lab-engines-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const env = {
      DATABASE_URL: fresh.url!,
      POLYMORPH_DATA_DIR: join(dir, 'lab'),
      POLYMORPH_ENGINE_LEASE_MS: String(LEASE_MS),
      POLYMORPH_ENGINE_POLL_MS: '100',
      POLYMORPH_RUN_ACCELERATION: '100',
    };
    const runs = await withLab(loadConfig({ ...process.env, ...env }), async (app) => {
      await ensureDefaultSite(app.lab.uow);
      const fixture = await runFixture(app);
      const made = [];
      // 600 s of waiting each: 6 s at 100x
      for (let i = 0; i < 5; i++) made.push(await insertPendingRun(fixture, { wait_s: 600 }, i + 1));
      return made;
    });
    const db: Database = await fresh.open();
    cleanups.unshift(() => db.close());
    const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(db.db, query);

    const a = startEngine(env);
    const b = startEngine(env);
    // kill A while it is inside a run's long wait (after that run's earlier steps completed)
    let victim: { id: string; claimed_by: string } | undefined;
    await waitFor('engine A to be in a long wait', HANG_GUARD_MS, async () => {
      [victim] = await rows<{ id: string; claimed_by: string }>(
        sql`SELECT x.id, x.claimed_by FROM workflow_executions x JOIN run_steps s ON s.execution_id = x.id
             WHERE x.status = 'running' AND x.claimed_by LIKE ${`%:${a.pid}:%`}
               AND s.step_id = 'long_wait' AND s.outcome IS NULL`,
      );
      return victim !== undefined;
    });
    a.kill('SIGKILL');
    expect((await exited(a)).signal).toBe('SIGKILL');

    await waitFor('every run to end', HANG_GUARD_MS, async () => {
      const open = await rows(
        sql`SELECT 1 FROM workflow_executions WHERE status IN ('pending', 'running', 'paused')`,
      );
      return open.length === 0;
    });
    b.kill('SIGTERM');
    expect((await exited(b)).code).toBe(0);

    const statuses = await rows<{ id: string; status: string }>(
      sql`SELECT id, status FROM workflow_executions`,
    );
    expect(statuses.find((r) => r.id === victim!.id)?.status).toBe('interrupted');
    expect(statuses.filter((r) => r.status === 'completed')).toHaveLength(runs.length - 1);

    // exactly one claim per run, and both engines claimed
    const claims = await rows<{ execution_id: string; engine: string }>(
      sql`SELECT execution_id, payload->>'engine' AS engine FROM run_events WHERE type = 'claimed'`,
    );
    expect(claims.map((c) => c.execution_id).sort()).toEqual(runs.map((r) => r.id).sort());
    expect(new Set(claims.map((c) => c.engine)).size).toBe(2);

    // no step executed twice
    const twice = await rows(
      sql`SELECT execution_id, pc FROM run_steps GROUP BY execution_id, pc HAVING count(*) > 1`,
    );
    expect(twice).toEqual([]);

    // the survivor found the dead engine's run once its lease expired
    const [interrupted] = await rows<{
      payload: { engine: string; marked_by: string; open_steps: unknown[] };
    }>(sql`SELECT payload FROM run_events WHERE execution_id = ${victim!.id} AND type = 'interrupted'`);
    expect(interrupted!.payload.engine).toBe(victim!.claimed_by);
    expect(interrupted!.payload.marked_by).toContain(`:${b.pid}:`);
    expect(interrupted!.payload.open_steps).toEqual([{ pc: 2, step_id: 'long_wait' }]);
    const [step] = await rows<{ outcome: string }>(
      sql`SELECT outcome FROM run_steps WHERE execution_id = ${victim!.id} AND step_id = 'long_wait'`,
    );
    expect(step!.outcome).toBe('interrupted');
  }, 600_000);
});
