// Where engines run. The server (main.ts) runs one beside the API: always on the embedded database
// (one process is all it admits), and on PostgreSQL unless POLYMORPH_ENGINE=off. `npm run lab --
// engine` runs one without the API, for more engines on one PostgreSQL.
import type { FastifyInstance } from 'fastify';
import { RunEngine } from './run-engine.ts';
import { markInterrupted } from './run-store.ts';

export interface EngineSettings {
  engine: 'on' | 'off';
  engineLeaseMs: number;
  enginePollMs: number;
  engineMaxRuns: number;
  runAcceleration: number;
}

export function createRunEngine(app: FastifyInstance, settings: EngineSettings): RunEngine {
  return new RunEngine({
    uow: app.lab.uow,
    metrics: app.lab.metrics,
    signals: app.lab.runSignals,
    log: app.log,
    leaseMs: settings.engineLeaseMs,
    pollMs: settings.enginePollMs,
    maxRuns: settings.engineMaxRuns,
    acceleration: settings.runAcceleration,
  });
}

/**
 * At server start: runs left running by a process that died become interrupted. On the embedded
 * database every such run is orphaned (no other process can hold it); on PostgreSQL only those whose
 * lease expired (another engine may be driving the rest). Then the engine starts, unless turned off.
 */
export async function startServerEngine(
  app: FastifyInstance,
  settings: EngineSettings,
  database: 'pglite' | 'postgres',
): Promise<RunEngine | null> {
  const marked = await markInterrupted(app.lab.uow, app.lab.metrics, 'server start', {
    expiredOnly: database === 'postgres',
  });
  for (const id of marked) app.lab.runSignals.notify(id);
  if (marked.length > 0)
    app.log.warn({ runs: marked }, 'runs left running by a stopped process are interrupted');
  if (settings.engine === 'off') {
    app.log.info('run engine off (POLYMORPH_ENGINE=off): pending runs wait for an engine process');
    return null;
  }
  const engine = createRunEngine(app, settings);
  engine.start();
  return engine;
}
