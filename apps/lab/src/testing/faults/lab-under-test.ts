// A real lab process for fault tests: its own data directory (secrets persist across restarts), one
// administrator logged in, and restarts on the same port so load clients keep their address.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseTarget } from '../../db/client.ts';
import { freePort, type LabServer, runLabCli, startLabServer } from '../lab-process.ts';
import { waitFor } from '../wait.ts';

const ADMIN = { email: 'fault.admin@lab.test', password: 'Quartz-Harbour-Lantern-47' };

/** Generous: a start-up (and on PGlite, recovery after a kill) on a busy 2-core machine. */
const START_LIMIT_MS = 120_000;

export interface LabUnderTest {
  baseUrl: string;
  token: string;
  /** The administrator behind `token`, for load that logs in or signs (re-authenticates) itself. */
  admin: { email: string; password: string };
  /** Where the lab's data lives; for the post-check once the server has stopped. */
  target: DatabaseTarget;
  env: Record<string, string>;
  server(): LabServer;
  /** Starts the server again on the same port; resolves once /ready answers 200. */
  restart(): Promise<void>;
  /** Sends `signal` and waits for the exit. */
  signal(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops the server (if running) and removes the data directory. */
  dispose(): Promise<void>;
}

/** A lab on PGlite (`databaseUrl` undefined) or on the PostgreSQL database at `databaseUrl`. */
export async function startLabUnderTest(databaseUrl: string | undefined): Promise<LabUnderTest> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lab-fault-data-'));
  const env = {
    DATABASE_URL: databaseUrl ?? '',
    POLYMORPH_DATA_DIR: dataDir,
    POLYMORPH_LOG_LEVEL: 'warn',
  };
  const target: DatabaseTarget = databaseUrl
    ? { kind: 'postgres', url: databaseUrl }
    : { kind: 'pglite', dataDir };
  const admin = await runLabCli(['create-admin', '--email', ADMIN.email, '--name', 'Fault Admin'], {
    ...env,
    POLYMORPH_ADMIN_PASSWORD: ADMIN.password,
  });
  if (admin.code !== 0) throw new Error(`create-admin failed: ${admin.stderr}`);
  const port = await freePort();
  let current = await startLabServer(port, env, START_LIMIT_MS);
  const baseUrl = current.baseUrl;
  const login = await fetch(`${baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  const { access_token: token } = (await login.json()) as { access_token: string };
  if (login.status !== 200 || !token) throw new Error(`admin login failed: ${login.status}`);
  return {
    baseUrl,
    token,
    admin: { ...ADMIN },
    target,
    env,
    server: () => current,
    restart: async () => {
      current = await startLabServer(port, env, START_LIMIT_MS);
      await waitFor('the restarted lab to be ready', START_LIMIT_MS, async () => {
        const res = await fetch(`${baseUrl}/ready`);
        await res.body?.cancel();
        return res.status === 200;
      });
    },
    signal: (signal) => {
      current.child.kill(signal);
      return current.exited;
    },
    dispose: async () => {
      if (current.child.exitCode === null && current.child.signalCode === null) {
        current.child.kill('SIGKILL');
        await current.exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
