import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Database counts behind the LIMS gauges, read at scrape time (each one indexed query). */
export interface LimsGaugeSource {
  lowStockItems(): Promise<number>;
  expiringLots(): Promise<number>;
  overdueCalibrations(): Promise<number>;
}

/** The audit trail's sealing state, read at scrape time by the database's clock. */
export interface AuditSealSource {
  unsealedEvents(): Promise<number>;
  unsealedAgeSeconds(): Promise<number>;
  missingCheckpoints(): Promise<number>;
}

/** Every status a run reaches, and every interlock line the watchdog reads (labels of the run counters). */
export const RUN_STATUSES = ['running', 'completed', 'failed', 'aborted', 'interrupted'] as const;
export const INTERLOCK_LINES = ['estop', 'door', 'overTemperature', 'interlock_unreadable'] as const;

/** The lab OS business metrics: one definition, registered on the app's registry, used by every module. */
export function createLabMetrics(registry: Registry, lims?: LimsGaugeSource, audit?: AuditSealSource) {
  const registers = [registry];
  const gauge = (name: string, help: string, read?: () => Promise<number>) =>
    new Gauge({
      name,
      help,
      registers,
      ...(read
        ? {
            // A failing query (database down) keeps the last value rather than failing the whole scrape.
            async collect() {
              try {
                this.set(await read());
              } catch {
                // /ready and the database alerts report the outage.
              }
            },
          }
        : {}),
    });
  const runsTotal = new Counter({
    name: 'polymorph_runs_total',
    help: 'Workflow runs that reached a state, by status (running, completed, failed, aborted, interrupted)',
    labelNames: ['status'] as const,
    registers,
  });
  const interlockTrips = new Counter({
    name: 'polymorph_interlock_trips_total',
    help: 'Interlock trips seen by the run watchdog, by line (estop, door, overTemperature, interlock_unreadable)',
    labelNames: ['line'] as const,
    registers,
  });
  // Every series exists at 0 from start-up: increase() over a series that first appears at 1 sees no
  // increase, so the first failed run or interlock trip of a process would never alert; dashboards and
  // the live check also see the series before the first run.
  for (const status of RUN_STATUSES) runsTotal.inc({ status }, 0);
  for (const line of INTERLOCK_LINES) interlockTrips.inc({ line }, 0);
  return {
    runsTotal,
    runStepDuration: new Histogram({
      name: 'polymorph_run_step_duration_seconds',
      help: 'Wall-clock duration of run steps, by step type',
      labelNames: ['step_type'] as const,
      buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      registers,
    }),
    interlockTrips,
    engineClaimLag: new Histogram({
      name: 'polymorph_engine_claim_lag_seconds',
      help: 'Time from a run being queued (start or resume) to an engine claiming it',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    samplesCreated: new Counter({
      name: 'polymorph_samples_created_total',
      help: 'Samples created (single, bulk and aliquots)',
      registers,
    }),
    inventoryLowStockItems: gauge(
      'polymorph_inventory_low_stock_items',
      'Inventory items whose stock is below their reorder point',
      lims?.lowStockItems,
    ),
    inventoryExpiringLots: gauge(
      'polymorph_inventory_expiring_lots',
      'Available stock lots expiring within 30 days (not yet expired)',
      lims?.expiringLots,
    ),
    calibrationOverdueDevices: gauge(
      'polymorph_calibration_overdue_devices',
      'Devices whose next calibration date has passed',
      lims?.overdueCalibrations,
    ),
    logins: new Counter({
      name: 'polymorph_auth_logins_total',
      help: 'Login attempts by result (success, failure, locked, mfa_required, throttled)',
      labelNames: ['result'] as const,
      registers,
    }),
    lockouts: new Counter({
      name: 'polymorph_auth_lockouts_total',
      help: 'Accounts locked after too many failed logins',
      registers,
    }),
    auditEvents: new Counter({
      name: 'polymorph_audit_events_total',
      help: 'Audit events committed',
      registers,
    }),
    auditChainValid: chainValidGauge(registers),
    auditUnsealedEvents: gauge(
      'polymorph_audit_unsealed_events',
      'Audit events after the last signed checkpoint (normal between checkpoints; left by a stop before one)',
      audit?.unsealedEvents,
    ),
    auditUnsealedAgeSeconds: gauge(
      'polymorph_audit_unsealed_age_seconds',
      'Age by the database clock of the first audit event after the last signed checkpoint, 0 when the head is signed',
      audit?.unsealedAgeSeconds,
    ),
    auditCheckpointsMissing: gauge(
      'polymorph_audit_checkpoints_missing',
      'Checkpoints the checkpoint interval calls for that do not exist (a stop between an event and its checkpoint, or deleted)',
      audit?.missingCheckpoints,
    ),
    esignatures: new Counter({
      name: 'polymorph_esignatures_total',
      help: 'Electronic signatures applied, by meaning',
      labelNames: ['meaning'] as const,
      registers,
    }),
    esignatureFailures: new Counter({
      name: 'polymorph_esignature_failures_total',
      help: 'Signing attempts refused (wrong password or code, locked, segregation of duties)',
      registers,
    }),
  };
}

/**
 * 0 once a verification finds the chain broken, 1 otherwise. It starts at 1: a fresh process has seen no
 * break, and a 0 at every start (prom-client's default) would fire PolymorphAuditChainInvalid after an
 * ordinary restart. An unsealed tail is not a break (see the polymorph_audit_unsealed_* gauges).
 */
function chainValidGauge(registers: Registry[]): Gauge {
  const gauge = new Gauge({
    name: 'polymorph_audit_chain_valid',
    help: '0 when the last audit chain verification found the chain broken, else 1 (also before the first; an unsealed tail is not broken)',
    registers,
  });
  gauge.set(1);
  return gauge;
}

export type LabMetrics = ReturnType<typeof createLabMetrics>;
