// Executes one claimed run: its exact definition (refused if the hash changed), bound with its
// parameters, on its devices (re-checked usable under the run's operator, then connected), from its
// stored checkpoint, with the events it recorded before restoring classifier results. Control comes
// from the run's row: status 'paused' holds the pause gate, abort_reason aborts, and a claim this
// engine no longer holds (the run was marked interrupted) stops the run and puts the devices in safe state.

import { HttpProblem } from '@polymorph/http-problem/problem';
import { bind } from '@polymorph/run-engine/bind';
import { BUILT_IN_CLASSIFIERS } from '@polymorph/run-engine/classifiers/peak-ratio';
import { AcceleratedClock, cancellableDelay } from '@polymorph/run-engine/clock';
import type {
  Checkpoint,
  Classifier,
  EngineContext,
  EngineEvent,
  HumanInputAnswer,
} from '@polymorph/run-engine/commands';
import { compile, hashDefinition } from '@polymorph/run-engine/compile';
import { DriverError } from '@polymorph/run-engine/drivers';
import { runWorkflow } from '@polymorph/run-engine/interpreter';
import { checkDefinition } from '@polymorph/run-engine/parse';
import { putInSafeState } from '@polymorph/run-engine/watchdog';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../../db/client.ts';
import type { Caller } from '../../../platform/access/lab-scope.ts';
import type { LabMetrics } from '../../../platform/lab-metrics.ts';
import type { UnitOfWork } from '../../../platform/unit-of-work.ts';
import type { RunDeviceIds } from '../../instruments/port.ts';
import { type ConnectedDevices, checkRunDevices, connectRunDevices } from '../../instruments/port.ts';
import { POLYMORPH_CLASSIFIER, polymorphClassifier } from '../../polymorph/port.ts';
import type { RunEventSignals } from '../events.ts';
import { EventRecorder } from './record-event.ts';
import { type ClaimedRun, engineAudit, finishRun, LeaseLost, type RunOutcome } from './run-store.ts';

export interface ExecuteOptions {
  uow: UnitOfWork;
  metrics: LabMetrics;
  signals: RunEventSignals;
  engineId: string;
  /** Experiment time per wall time for simulated devices and the engine's waits. */
  acceleration: number;
  /** How often the run's row is read for pause, abort and human input, ms. */
  pollMs: number;
  /** Aborts when this engine must stop driving the run (lease lost, shutdown). */
  stop: AbortSignal;
  log: { debug(obj: object, msg: string): void };
}

interface RunRow {
  id: string;
  run_id: string;
  lab_id: string | null;
  operator: string;
  workflow_version_id: string;
  definition_hash: string | null;
  parameters: Record<string, unknown> | null;
  devices: Record<string, string> | null;
  checkpoint: Checkpoint | null;
  seed: number | null;
}

/** The abort reason when the run was taken from this engine (never an operator's text). */
const LEASE_LOST = new LeaseLost('the run is no longer held by this engine');

/** A run that cannot start on this engine, with the code it fails with. */
class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Runs the claimed run to its end. Returns the outcome stored, or null when the run was taken away. */
export async function executeRun(run: ClaimedRun, o: ExecuteOptions): Promise<RunOutcome | null> {
  let connected: ConnectedDevices | undefined;
  try {
    const row = await loadRun(o.uow, run.id);
    const commands = await prepare(o.uow, row);
    const clock = new AcceleratedClock({ acceleration: o.acceleration });
    connected = await connectRunDevices(commands.devices, { clock, seed: row.seed ?? 1 }).catch((e) => {
      throw new Refusal(
        e instanceof DriverError ? e.code : 'disconnected',
        `devices: ${String(e.message ?? e)}`,
      );
    });
    const outcome = await drive(run, row, commands, connected, clock, o);
    if (outcome === null) return null;
    await finishRun(o.uow, o.metrics, run, o.engineId, outcome);
    o.signals.notify(run.id);
    return outcome;
  } catch (error) {
    if (error instanceof LeaseLost || o.stop.aborted) {
      if (connected) await putInSafeState(connected.devices);
      return null;
    }
    const outcome: RunOutcome =
      error instanceof Refusal
        ? { status: 'failed', checkpoint: null, failureCode: error.code, errorMessage: error.message }
        : { status: 'failed', checkpoint: null, failureCode: 'engine_error', errorMessage: String(error) };
    if (connected) await putInSafeState(connected.devices);
    try {
      await finishRun(o.uow, o.metrics, run, o.engineId, outcome);
      o.signals.notify(run.id);
    } catch (e) {
      if (!(e instanceof LeaseLost)) throw e;
      return null;
    }
    return outcome;
  } finally {
    await connected?.close();
  }
}

async function loadRun(uow: UnitOfWork, id: string): Promise<RunRow> {
  const [row] = await uow.read((tx) =>
    queryRows<RunRow>(
      tx,
      sql`SELECT id, run_id, lab_id, operator, workflow_version_id, definition_hash, parameters, devices,
                 checkpoint, seed FROM workflow_executions WHERE id = ${id}`,
    ),
  );
  if (!row) throw new Error(`run ${id} not found`);
  return row;
}

/** The bound commands and the checked devices, or a Refusal naming why the run cannot go on. */
async function prepare(uow: UnitOfWork, row: RunRow) {
  return uow.write(async (tx) => {
    const [version] = await queryRows<{ definition: unknown; definition_hash: string }>(
      tx,
      sql`SELECT definition, definition_hash FROM workflow_versions WHERE id = ${row.workflow_version_id}`,
    );
    const checked = version ? checkDefinition(version.definition) : null;
    if (
      !version ||
      !checked?.ok ||
      version.definition_hash !== row.definition_hash ||
      hashDefinition(checked.definition) !== row.definition_hash
    ) {
      throw new Refusal(
        'definition_changed',
        `the stored definition of version ${row.workflow_version_id} no longer has the run's hash ${row.definition_hash}`,
      );
    }
    const bound = bind(
      compile(checked.definition).commands,
      checked.definition.parameters,
      row.parameters ?? {},
    );
    if (!bound.ok) {
      throw new Refusal('invalid_parameters', bound.errors.map((e) => `${e.name} ${e.message}`).join('; '));
    }
    const classifiers = await runClassifiers(tx, row, bound.commands);
    const caller: Caller = {
      ctx: engineAudit,
      email: row.operator,
      labId: row.lab_id,
      allLabs: false,
      roles: [],
      sessionId: null,
    };
    try {
      const devices = await checkRunDevices(tx, caller, (row.devices ?? {}) as RunDeviceIds);
      return { bound: bound.commands, devices, classifiers };
    } catch (error) {
      // a device that went out of calibration (or lost its binding) since the run started
      if (error instanceof HttpProblem) throw new Refusal(error.slug.replaceAll('-', '_'), error.message);
      throw error;
    }
  });
}

/**
 * The built-in classifiers and, when a step names it, `polymorph` with the reference versions the
 * workflow pins, loaded now: a pin that no longer resolves in the run's lab refuses the run.
 */
async function runClassifiers(
  tx: Parameters<typeof polymorphClassifier>[0],
  row: RunRow,
  commands: Parameters<typeof runWorkflow>[0],
): Promise<Record<string, Classifier>> {
  const uses = commands.some((c) => c.op === 'classify' && c.classifier === POLYMORPH_CLASSIFIER);
  if (!uses) return BUILT_IN_CLASSIFIERS;
  if (!row.lab_id) throw new Refusal('reference_unavailable', 'a run without a lab has no reference library');
  const polymorph = await polymorphClassifier(tx, row.lab_id, commands);
  if (!polymorph.ok) throw new Refusal('reference_unavailable', `${polymorph.stepId}: ${polymorph.message}`);
  return { ...BUILT_IN_CLASSIFIERS, [POLYMORPH_CLASSIFIER]: polymorph.classifier };
}

/** Runs the interpreter under the row's control; null when the run was taken from this engine. */
async function drive(
  run: ClaimedRun,
  row: RunRow,
  prepared: { bound: Parameters<typeof runWorkflow>[0]; classifiers: Record<string, Classifier> },
  connected: ConnectedDevices,
  clock: AcceleratedClock,
  o: ExecuteOptions,
): Promise<RunOutcome | null> {
  const abort = new AbortController();
  const control = new RowControl(o.uow, run.id, o.pollMs);
  const stopAll = () => abort.abort('engine_stopped');
  o.stop.addEventListener('abort', stopAll, { once: true });
  const watching = control.watch(abort, o.stop, o.engineId);
  const recorder = new EventRecorder(o.uow, o.metrics, run, o.engineId);
  const ctx: EngineContext = {
    devices: connected.devices,
    clock,
    classifiers: prepared.classifiers,
    abortSignal: abort.signal,
    record: async (event) => {
      if (o.stop.aborted) throw new LeaseLost('this engine stopped driving the run');
      await recorder.record(event);
      o.signals.notify(run.id);
      if (event.type === 'step_started' || event.type === 'step_ended') {
        const { pc, stepId, op } = event;
        o.log.debug({ run_id: run.runId, pc, step_id: stepId, op, event: event.type }, `run ${event.type}`);
      }
    },
    pauseGate: () => control.whileNotPaused(abort.signal),
    awaitHumanInput: (command, signal) => control.humanInput(command.stepId, signal),
  };
  try {
    const start = row.checkpoint ?? { pc: 0, iterations: {} };
    const result = await runWorkflow(prepared.bound, start, ctx, { history: await history(o.uow, run.id) });
    if (o.stop.aborted || abort.signal.reason === LEASE_LOST) return null;
    if (result.status === 'completed') return { status: 'completed', checkpoint: result.checkpoint };
    if (result.status === 'failed') {
      // a record refused because the claim was lost: the run is someone else's now
      if (result.error.code === 'record_failed' && (await control.lost(o.engineId))) return null;
      return {
        status: 'failed',
        checkpoint: result.checkpoint,
        failureCode: result.error.code,
        errorMessage: result.error.message,
      };
    }
    return {
      status: 'aborted',
      checkpoint: result.checkpoint,
      abortReason: result.reason,
      ...(result.trip ? { detail: { trip: result.trip } } : {}),
    };
  } finally {
    o.stop.removeEventListener('abort', stopAll);
    control.close();
    await watching;
  }
}

/**
 * The run's earlier classifier results and its latest spectrum (cleaned, read back from its content
 * address), as the interpreter's history: a resumed loop sees what the interrupted attempt had seen.
 */
async function history(uow: UnitOfWork, executionId: string): Promise<EngineEvent[]> {
  return uow.read(async (tx) => {
    const classified = await queryRows<{ payload: EngineEvent }>(
      tx,
      sql`SELECT payload FROM run_events WHERE execution_id = ${executionId} AND type = 'classified' ORDER BY seq`,
    );
    const [spectrum] = await queryRows<{ pc: number; step_id: string; content: string; spikes: number }>(
      tx,
      sql`SELECT l.pc, l.step_id, s.content, (e.payload->>'spikes_removed')::int AS spikes
            FROM run_spectrum_links l JOIN run_spectra s ON s.sha256 = l.sha256
            JOIN run_events e ON e.execution_id = l.execution_id AND e.seq = l.event_seq
           WHERE l.execution_id = ${executionId} AND l.role = 'cleaned' ORDER BY l.event_seq DESC LIMIT 1`,
    );
    const events: EngineEvent[] = classified.map((r) => r.payload);
    if (spectrum) {
      const c = JSON.parse(spectrum.content);
      events.push({
        type: 'spectrum',
        pc: spectrum.pc,
        stepId: spectrum.step_id,
        spikesRemoved: spectrum.spikes,
        reading: {
          at: c.at,
          simulated: c.simulated,
          value: {
            shiftCm1: c.shift_cm1,
            intensities: c.intensities,
            integrationTimeMs: c.integration_time_ms,
            averages: c.averages,
            detectorMax: c.detector_max,
            laserNm: c.laser_nm,
          },
        },
      });
    }
    return events;
  });
}

/** What the run's row says about pause, abort and operator answers, read every pollMs. */
class RowControl {
  private status = 'running';
  private readonly closed = new AbortController();

  constructor(
    private readonly uow: UnitOfWork,
    private readonly executionId: string,
    private readonly pollMs: number,
  ) {}

  /**
   * Polls the row until closed: an abort_reason aborts the run, and so does a claim this engine no
   * longer holds (marked interrupted elsewhere), so the devices reach their safe state within a poll
   * even in a step that records nothing for a while.
   */
  async watch(abort: AbortController, stop: AbortSignal, engineId: string): Promise<void> {
    while (!this.closed.signal.aborted && !stop.aborted) {
      try {
        const [row] = await this.uow.read((tx) =>
          queryRows<{ status: string; abort_reason: string | null; claimed_by: string | null }>(
            tx,
            sql`SELECT status, abort_reason, claimed_by FROM workflow_executions WHERE id = ${this.executionId}`,
          ),
        );
        if (row) this.status = row.status;
        if (!abort.signal.aborted && row?.claimed_by !== engineId) abort.abort(LEASE_LOST);
        if (!abort.signal.aborted && row?.abort_reason) abort.abort(row.abort_reason);
      } catch {
        // the database is briefly unreachable: the next poll retries, the lease bounds how long
      }
      await cancellableDelay(this.pollMs, this.closed.signal).catch(() => {});
    }
  }

  close(): void {
    this.closed.abort();
  }

  /**
   * Reads the status afresh before each step, so a pause committed just before the gate holds the very
   * next step rather than the one after the watcher's next poll.
   */
  async whileNotPaused(signal: AbortSignal): Promise<void> {
    await this.refreshStatus();
    while (this.status === 'paused' && !signal.aborted) {
      await cancellableDelay(this.pollMs, signal).catch(() => {});
      await this.refreshStatus();
    }
  }

  private async refreshStatus(): Promise<void> {
    try {
      const [row] = await this.uow.read((tx) =>
        queryRows<{ status: string }>(
          tx,
          sql`SELECT status FROM workflow_executions WHERE id = ${this.executionId}`,
        ),
      );
      if (row) this.status = row.status;
    } catch {
      // the database is briefly unreachable: keep the watcher's last reading
    }
  }

  /** True when this engine no longer holds the run. */
  async lost(engineId: string): Promise<boolean> {
    const [row] = await this.uow.read((tx) =>
      queryRows<{ claimed_by: string | null }>(
        tx,
        sql`SELECT claimed_by FROM workflow_executions WHERE id = ${this.executionId}`,
      ),
    );
    return row?.claimed_by !== engineId;
  }

  /** The operator's answer to the step's latest attempt ('human_input_answered' after its 'step_started'). */
  async humanInput(stepId: string, signal: AbortSignal): Promise<HumanInputAnswer> {
    for (;;) {
      const [answer] = await this.uow.read((tx) =>
        queryRows<{ payload: { confirmed_by?: string; signature_id?: string | null } }>(
          tx,
          sql`SELECT payload FROM run_events WHERE execution_id = ${this.executionId}
                AND type = 'human_input_answered' AND step_id = ${stepId}
                AND seq > (SELECT coalesce(max(seq), 0) FROM run_events WHERE execution_id = ${this.executionId}
                             AND type = 'step_started' AND step_id = ${stepId})
              ORDER BY seq LIMIT 1`,
        ),
      );
      if (answer) {
        return {
          confirmedBy: answer.payload.confirmed_by ?? 'unknown',
          signatureId: answer.payload.signature_id ?? null,
        };
      }
      await cancellableDelay(this.pollMs, signal);
    }
  }
}
