import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { LabConfig } from './config.ts';
import { type Database, type DatabaseTarget, openDatabase } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import type { RunEngine } from './modules/runs/engine/run-engine.ts';
import { createRunEngine, startServerEngine } from './modules/runs/engine/start.ts';
import { ensureDefaultSite } from './modules/sites/port.ts';
import { syncRolePermissions } from './modules/users/service.ts';
import { headFileToKeep } from './platform/audit/signed-head.ts';
import { prepareDummyHash } from './platform/auth/password-hashing.ts';
import { loadServerSecrets } from './secrets.ts';

export function databaseTarget(config: LabConfig, onPoolError?: (err: Error) => void): DatabaseTarget {
  return config.databaseUrl
    ? {
        kind: 'postgres',
        url: config.databaseUrl,
        poolMax: config.dbPoolMax,
        ...(onPoolError ? { onPoolError } : {}),
      }
    : { kind: 'pglite', dataDir: config.dataDir };
}

export async function openConfiguredDatabase(
  config: LabConfig,
  onPoolError?: (err: Error) => void,
): Promise<Database> {
  if (!config.databaseUrl) await mkdir(config.dataDir, { recursive: true });
  return openDatabase(databaseTarget(config, onPoolError));
}

/** Start: open the database, migrate under the advisory lock, listen, and shut down gracefully on a signal. */
export async function startServer(config: LabConfig): Promise<FastifyInstance> {
  let app: FastifyInstance | undefined;
  const database = await openConfiguredDatabase(config, (err) =>
    app?.log.warn({ err: err.message }, 'database connection lost'),
  );
  const secrets = await loadServerSecrets(config);
  const head = await headFileToKeep(database, config.auditHeadFile, secrets.signingKey.publicKey);
  app = await buildApp({
    config,
    database,
    secrets,
    dataDir: config.dataDir,
    auditHeadFile: head.file,
    sampleIdPattern: config.sampleIdPattern,
  });
  const { applied } = await migrate(database);
  app.log.info(
    { database: database.kind, applied_migrations: applied },
    applied.length ? `applied ${applied.length} migration(s)` : 'database schema is up to date',
  );
  await syncRolePermissions(app.lab.uow);
  await ensureDefaultSite(app.lab.uow, { organization: config.defaultOrgName, lab: config.defaultLabName });
  if (head.problem)
    app.log.error(
      { audit_head_file: config.auditHeadFile },
      `${head.problem} The file is left as it is (not updated by this process); see docs/operations.md, "The last signed head"`,
    );
  const missingCheckpoints = await app.lab.audit.missingCheckpoints();
  if (missingCheckpoints.length)
    app.log.warn(
      { seqs: missingCheckpoints.map((e) => e.seq) },
      'audit checkpoints missing (a stop between an event and its checkpoint, or deleted): verify the chain, then POST /api/compliance/audit/checkpoints/missing',
    );
  await prepareDummyHash();
  if ((await app.lab.users.count()) === 0) app.log.warn(firstAdministratorHint(database.kind));
  await app.listen({ port: config.port, host: config.host });
  const engine = await startServerEngine(app, config, database.kind);
  installGracefulShutdown(app, database, config.shutdownTimeoutMs, engine);
  return app;
}

/**
 * `npm run lab -- engine`: an engine without the API, on PostgreSQL. Runs until SIGTERM or SIGINT,
 * then stops its runs (devices to safe state, runs interrupted) and returns 0.
 */
export async function serveEngine(config: LabConfig): Promise<number> {
  const database = await openConfiguredDatabase(config);
  try {
    await migrate(database);
    const secrets = await loadServerSecrets(config);
    const head = await headFileToKeep(database, config.auditHeadFile, secrets.signingKey.publicKey);
    const app = await buildApp({ config, database, secrets, auditHeadFile: head.file });
    try {
      const engine = createRunEngine(app, config);
      engine.start();
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      app.log.info({ signal }, 'stopping the run engine');
      await engine.stop();
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
  }
  return 0;
}

/** The embedded database admits one process: the CLI can create the first administrator only while no server runs. */
export function firstAdministratorHint(kind: Database['kind']): string {
  const command = 'npm run lab -- create-admin --email E --name N';
  return kind === 'pglite'
    ? `no users yet: stop this server (the embedded database admits one process at a time), run: ${command}, then start it again`
    : `no users yet: create the first administrator with: ${command}`;
}

function installGracefulShutdown(
  app: FastifyInstance,
  database: Database,
  timeoutMs: number,
  engine: RunEngine | null,
): void {
  let closing = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: no new connections, draining in-flight requests');
    const deadline = setTimeout(() => {
      app.log.error({ timeout_ms: timeoutMs }, 'shutdown timed out; exiting with in-flight work cut off');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    try {
      // first the runs: devices to safe state, each run marked interrupted (resumable at once)
      await engine?.stop();
      await app.close();
      await database.close();
      app.log.info('shutdown complete');
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', (s) => void shutdown(s));
  process.once('SIGINT', (s) => void shutdown(s));
}
