import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { type ContractCheck, checkResponsesAgainstContract } from '@polymorph/openapi/fastify-contract-check';
import type { FastifyInstance } from 'fastify';
import { type AppConfig, buildApp } from '../app.ts';
import type { Database } from '../db/client.ts';
import { ensureDefaultSite } from '../modules/sites/port.ts';
import { syncRolePermissions } from '../modules/users/service.ts';
import type { Role } from '../platform/access/permissions.ts';
import { generateServerKeyPair } from '../platform/signatures/server-key.ts';
import { migratedDatabase } from './test-database.ts';

export const TEST_CONFIG: AppConfig = {
  logLevel: 'silent',
  bodyLimitBytes: 1_048_576,
  env: 'test',
  lockoutThreshold: 5,
  lockoutMinutes: 30,
  passwordMaxAgeDays: 0,
  auditCheckpointInterval: 1000,
  auditCheckpointSeconds: 300,
  sessionIdleMinutes: 30,
  loginMaxPerAddress: 50,
  loginMaxPerAccount: 10,
  loginWindowSeconds: 60,
};

export interface TestLab {
  app: FastifyInstance;
  database: Database;
  /** Full rights over the same database, for tests that play someone who bypasses the application. */
  superuser: Database;
  /** A fresh temporary data directory (calibration certificates), removed by close(). */
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The real app on a fresh migrated database, with fresh keys. Routes may be added before `ready()`.
 * `webRoot` points the UI routes at another build (the default is apps/lab-web/dist).
 */
export async function testLab(
  overrides: Partial<AppConfig> = {},
  logStream?: Writable,
  options: { webRoot?: string } = {},
): Promise<TestLab> {
  const { database, superuser, cleanup } = await migratedDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'polymorph-lab-test-'));
  // Every response the suite receives is checked against the app's own OpenAPI document; close() fails
  // the test file on any response that breaks it.
  let contract: ContractCheck | undefined;
  const app = await buildApp({
    dataDir,
    beforeRoutes: (app) => {
      contract = checkResponsesAgainstContract(app);
    },
    config: { ...TEST_CONFIG, ...overrides },
    database,
    secrets: { tokenKey: new Uint8Array(randomBytes(32)), signingKey: generateServerKeyPair() },
    ...(logStream ? { logStream } : {}),
    webRoot: options.webRoot,
  });
  await syncRolePermissions(app.lab.uow);
  await ensureDefaultSite(app.lab.uow);
  return {
    app,
    database,
    superuser,
    dataDir,
    close: async () => {
      try {
        await app.close();
        await cleanup();
        await rm(dataDir, { recursive: true, force: true });
      } finally {
        contract?.assertClean();
      }
    },
  };
}

let counter = 0;
/** A password that passes the policy; unique per call so history rules never interfere. */
export const strongPassword = () => `Quartz-Lantern-${++counter}-${randomBytes(4).toString('hex')}`;

/** Creates a user through the service (as the admin CLI does) and logs in over HTTP. */
export async function userWithRole(
  lab: TestLab,
  role: Role | null,
  email = `${role ?? 'norole'}-${++counter}@lab.test`,
): Promise<{
  email: string;
  password: string;
  token: string;
  refresh: string;
  auth: { authorization: string };
}> {
  const password = strongPassword();
  await lab.app.lab.users.create(
    { email, name: `Test ${role ?? 'user'}`, password, roles: role ? [role] : [] },
    { actor: 'system:test', requestId: null, ip: null },
  );
  const res = await lab.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const body = res.json();
  return {
    email,
    password,
    token: body.access_token,
    refresh: body.refresh_token,
    auth: { authorization: `Bearer ${body.access_token}` },
  };
}
