import { randomBytes, randomInt } from 'node:crypto';
import { bind } from '@polymorph/run-engine/bind';
import { compile } from '@polymorph/run-engine/compile';
import { definitionHash } from '@polymorph/run-engine/definition-hash';
import { checkDefinition } from '@polymorph/run-engine/parse';
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { iso } from '../../db/sql-values.ts';
import { type Caller, notFound, visibleTo } from '../../platform/access/lab-scope.ts';
import type { AppendAudit } from '../../platform/audit/audit-trail.ts';
import { canonicalJson, sha256Hex } from '../../platform/audit/canonical-hash.ts';
import { offsetPage } from '../../platform/http/offset-page.ts';
import {
  catalogueProblem,
  type FieldError,
  type HttpProblem,
  validationProblem,
} from '../../platform/http/problem.ts';
import type { LabMetrics } from '../../platform/lab-metrics.ts';
import { isSignatureMeaning } from '../../platform/signatures/manifest.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import { checkRunDevices } from '../instruments/port.ts';
import { checkRunLots } from '../inventory/port.ts';
import { runSamples } from '../samples/port.ts';
import type { RecordSigning } from '../signatures/port.ts';
import { effectiveVersionForRun, type WorkflowRef } from '../workflows/port.ts';
import { appendRunEvent, type RunEventRow, type RunEventSignals, runEventsAfter } from './events.ts';
import { RunRelease } from './release.ts';
import { type RunRow, releaseStatusOf, runRow, runStatusOf, runView, type Tx } from './run-records.ts';
import {
  type HumanInputAnswer,
  type RunAbort,
  type RunControl,
  type RunEventPage,
  type RunList,
  type RunQuery,
  type RunResume,
  type RunStart,
  type RunStepList,
  type RunView,
  TERMINAL_STATUSES,
} from './schemas.ts';
import { RunStreams } from './stream.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** 409 run-state-conflict: the control does not start from the run's status. */
export const stateConflict = (run: { run_id: string; status: string }, detail: string) =>
  catalogueProblem('run-state-conflict', `${run.run_id} is ${run.status}: ${detail}`, {
    extensions: { run_status: run.status },
  });

/** RUN-YYYYMMDD-XXXXXX: readable, sortable by day, random within it. */
export const newRunId = () =>
  `RUN-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex').toUpperCase()}`;

/**
 * Runs through the API: start (every start check in one transaction), read, and control (pause,
 * resume, abort, human input), each audited with a run event under the run's row lock. The engine
 * (engine/) claims pending runs and executes them.
 */
export class RunService {
  private readonly readsInFlight = new Map<string, Promise<RunEventRow[]>>();
  /** Review and release of ended runs, by e-signature. */
  readonly release: RunRelease;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly signing: RecordSigning,
    private readonly metrics: LabMetrics,
    readonly signals: RunEventSignals,
    /** The open live streams (routes.ts serves them; shutdown ends them). */
    readonly streams: RunStreams = new RunStreams(),
  ) {
    this.release = new RunRelease(uow, signing);
  }

  async start(input: RunStart, caller: Caller): Promise<RunView> {
    const ref: WorkflowRef = UUID.test(input.workflow)
      ? { versionId: input.workflow }
      : { name: input.workflow };
    const view = await this.uow.create(
      async (tx, append) => {
        const wf = await effectiveVersionForRun(tx, caller, ref);
        const bound = bind(compile(wf.definition).commands, wf.definition.parameters, input.parameters ?? {});
        if (!bound.ok) {
          throw validationProblem(
            bound.errors.map((e) => ({ field: `body.parameters.${e.name}`, message: e.message })),
          );
        }
        await checkRunDevices(tx, caller, input.devices);
        const errors: FieldError[] = [];
        const samples = await runSamples(tx, caller, input.samples ?? [], 'body.samples', errors);
        const lots = await checkRunLots(tx, caller, input.lots ?? [], 'body.lots', errors);
        if (errors.length > 0) throw validationProblem(errors);
        const seed = input.seed ?? randomInt(0, 2_147_483_647);
        const config = {
          workflow: { name: wf.name, version: wf.version, version_id: wf.versionId },
          definition_hash: wf.definitionHash,
          parameters: bound.values,
          devices: input.devices,
          samples: samples.map((s) => s.sample_id),
          lots,
          seed,
        };
        const id = await this.insertRun(tx, caller, {
          labId: wf.labId,
          versionId: wf.versionId,
          definitionHash: wf.definitionHash,
          parameters: bound.values,
          devices: input.devices,
          seed,
          config,
        });
        for (const s of samples) {
          await tx.execute(sql`INSERT INTO workflow_sample_assignments (execution_id, sample_id, assigned_by)
            VALUES (${id.uuid}, ${s.id}, ${caller.email})`);
        }
        await appendRunEvent(tx, id.uuid, {
          type: 'created',
          payload: { by: caller.email, config_hash: sha256Hex(canonicalJson(config)) },
        });
        const run = runView(await runRow(tx, { ...caller, allLabs: true }, id.runId));
        append(caller.ctx, { action: 'run.created', entityType: 'run', entityId: run.run_id, after: run });
        return { run, uuid: id.uuid };
      },
      (v) => v.run,
    );
    this.signals.notify(view.uuid);
    return view.run;
  }

  private async insertRun(
    tx: Tx,
    caller: Caller,
    r: {
      labId: string;
      versionId: string;
      definitionHash: string;
      parameters: Record<string, number>;
      devices: RunStart['devices'];
      seed: number;
      config: Record<string, unknown>;
    },
  ): Promise<{ uuid: string; runId: string }> {
    // A taken run id (one in 16 million per day) is drawn again; ON CONFLICT keeps the transaction usable.
    for (let attempt = 0; attempt < 5; attempt++) {
      const runId = newRunId();
      const [snapshot] = await queryRows<{ id: string }>(
        tx,
        sql`INSERT INTO config_snapshots (snapshot_id, config, config_hash, reason, created_by)
            VALUES (${`CFG-${runId}`}, ${JSON.stringify(r.config)}::jsonb, ${sha256Hex(canonicalJson(r.config))},
                    'run start', ${caller.email})
            ON CONFLICT (snapshot_id) DO NOTHING RETURNING id`,
      );
      if (!snapshot) continue;
      const [row] = await queryRows<{ id: string }>(
        tx,
        sql`INSERT INTO workflow_executions (run_id, workflow_version_id, config_snapshot_id, status, operator, lab_id,
              definition_hash, parameters, devices, checkpoint, seed)
            VALUES (${runId}, ${r.versionId}, ${snapshot.id}, 'pending', ${caller.email}, ${r.labId}, ${r.definitionHash},
                    ${JSON.stringify(r.parameters)}::jsonb, ${JSON.stringify(r.devices)}::jsonb,
                    ${JSON.stringify({ pc: 0, iterations: {} })}::jsonb, ${r.seed})
            ON CONFLICT (run_id) DO NOTHING RETURNING id`,
      );
      if (row) return { uuid: row.id, runId };
    }
    throw new Error('no free run id after 5 attempts');
  }

  async list(q: RunQuery, caller: Caller): Promise<RunList> {
    const rows = await this.uow.read((tx) =>
      queryRows<{
        run_id: string;
        workflow: string;
        version: number;
        status: string;
        lab_id: string | null;
        operator: string;
        created_at: unknown;
        started_at: unknown;
        completed_at: unknown;
        release_status: string;
      }>(
        tx,
        sql`SELECT x.run_id, v.workflow_name AS workflow, v.version, x.status, l.lab_id, x.operator, x.created_at,
                   x.started_at, x.completed_at, x.release_status
              FROM workflow_executions x JOIN workflow_versions v ON v.id = x.workflow_version_id
              LEFT JOIN labs l ON l.id = x.lab_id
             WHERE x.lab_id IS NOT NULL AND ${visibleTo(caller, sql`x.lab_id`)}
               AND (${q.status ?? null}::text IS NULL OR x.status = ${q.status ?? null})
               AND (${q.workflow ?? null}::text IS NULL OR v.workflow_name = ${q.workflow ?? null})
               AND (${q.release_status ?? null}::text IS NULL OR x.release_status = ${q.release_status ?? null})
             ORDER BY ${q.sort === 'created_at' ? sql`x.created_at, x.run_id` : sql`x.created_at DESC, x.run_id DESC`} LIMIT ${q.limit + 1} OFFSET ${q.offset}`,
      ),
    );
    return offsetPage(rows, q, (r) => ({
      run_id: r.run_id,
      workflow: r.workflow,
      version: r.version,
      status: runStatusOf(r.status),
      lab_id: r.lab_id,
      operator: r.operator,
      created_at: iso(r.created_at)!,
      started_at: iso(r.started_at),
      completed_at: iso(r.completed_at),
      release_status: releaseStatusOf(r.release_status),
    }));
  }

  async get(runId: string, caller: Caller): Promise<RunView> {
    return runView(await this.uow.read((tx) => runRow(tx, caller, runId)));
  }

  async steps(runId: string, caller: Caller): Promise<RunStepList> {
    const rows = await this.uow.read(async (tx) => {
      const run = await runRow(tx, caller, runId);
      return queryRows<{
        pc: number;
        step_id: string;
        op: string;
        iteration: number | null;
        started_at: unknown;
        ended_at: unknown;
        outcome: 'completed' | 'failed' | 'aborted' | 'interrupted' | null;
        summary: unknown;
      }>(
        tx,
        sql`SELECT pc, step_id, op, iteration, started_at, ended_at, outcome, summary FROM run_steps
             WHERE execution_id = ${run.id} ORDER BY started_at, pc`,
      );
    });
    return {
      items: rows.map((r) => ({ ...r, started_at: iso(r.started_at)!, ended_at: iso(r.ended_at) })),
    };
  }

  /** The stored spectrum's bytes, only when linked to this run; checked against its hash on the way out. */
  async spectrum(runId: string, sha256: string, caller: Caller): Promise<string> {
    const row = await this.uow.read(async (tx) => {
      const run = await runRow(tx, caller, runId);
      const [found] = await queryRows<{ content: string }>(
        tx,
        sql`SELECT s.content FROM run_spectra s
             WHERE s.sha256 = ${sha256}
               AND EXISTS (SELECT 1 FROM run_spectrum_links k WHERE k.execution_id = ${run.id} AND k.sha256 = s.sha256)`,
      );
      return found;
    });
    if (!row) throw notFound('Spectrum', `${sha256} of ${runId}`);
    if (sha256Hex(row.content) !== sha256) {
      throw new Error(`run_spectra ${sha256}: the stored content does not hash to its key`);
    }
    return row.content;
  }

  /** The run's uuid and whether its final event is stored, for a caller who may see it. */
  async resolve(runId: string, caller: Caller): Promise<{ id: string }> {
    const run = await this.uow.read((tx) => runRow(tx, caller, runId));
    return { id: run.id };
  }

  /**
   * Events after `after` of a run already resolved (stream and page share it). The streams of one run
   * wake together and ask for the same events: they share one query, started after their wake-up.
   */
  eventsOf(executionId: string, after: number, limit: number): Promise<RunEventRow[]> {
    const key = `${executionId}:${after}:${limit}:${this.signals.generation(executionId)}`;
    let query = this.readsInFlight.get(key);
    if (!query) {
      query = this.uow
        .read((tx) => runEventsAfter(tx, executionId, after, limit))
        .finally(() => this.readsInFlight.delete(key));
      this.readsInFlight.set(key, query);
    }
    return query;
  }

  async events(runId: string, after: number, limit: number, caller: Caller): Promise<RunEventPage> {
    const { id } = await this.resolve(runId, caller);
    const items = await this.eventsOf(id, after, limit);
    const last = items.at(-1);
    return {
      items,
      next_after: items.length === limit && last ? last.seq : null,
      finished: items.some((e) => e.type === 'finished'),
    };
  }

  /** running -> paused: the engine's pause gate holds the next step until the status changes again. */
  async pause(runId: string, input: RunControl, caller: Caller): Promise<RunView> {
    return this.control(runId, caller, 'run.paused', input.reason ?? null, async (tx, run) => {
      if (run.status !== 'running') throw stateConflict(run, 'only a running run can be paused');
      await tx.execute(
        sql`UPDATE workflow_executions SET status = 'paused', updated_at = now() WHERE id = ${run.id}`,
      );
      await appendRunEvent(tx, run.id, {
        type: 'paused',
        payload: { by: caller.email, reason: input.reason ?? null },
      });
      return 'changed';
    });
  }

  /**
   * paused -> running. interrupted -> pending (an engine claims it and continues from the checkpoint):
   * only with an e-signature (meaning resumed) and a reason, and only if the stored definition of the
   * run's version still hashes to the run's definition_hash.
   */
  async resume(runId: string, input: RunResume, caller: Caller): Promise<RunView> {
    let refused: HttpProblem | undefined;
    const result = await this.control(
      runId,
      caller,
      'run.resumed',
      input.reason ?? null,
      async (tx, run, append) => {
        if (run.status === 'paused') {
          await tx.execute(
            sql`UPDATE workflow_executions SET status = 'running', updated_at = now() WHERE id = ${run.id}`,
          );
          await appendRunEvent(tx, run.id, {
            type: 'resumed',
            payload: { by: caller.email, from: 'paused', reason: input.reason ?? null },
          });
          return 'changed';
        }
        if (run.status !== 'interrupted')
          throw stateConflict(run, 'only a paused or interrupted run can be resumed');
        requireSignature(input, 'an interrupted run resumes only with an e-signature and a reason');
        await this.checkDefinitionUnchanged(tx, run);
        const signed = await this.signing.signInTransaction(tx, append, caller, {
          record_type: 'run',
          record_id: run.run_id,
          meaning: 'resumed',
          reason: input.reason,
          password: input.password ?? '',
          ...(input.user_id === undefined ? {} : { user_id: input.user_id }),
          ...(input.mfa_code === undefined ? {} : { mfa_code: input.mfa_code }),
        });
        if (!signed.ok) {
          refused = signed.problem;
          return 'refused';
        }
        await tx.execute(sql`UPDATE workflow_executions SET status = 'pending', resume_count = resume_count + 1,
          claimed_by = NULL, lease_expires_at = NULL, updated_at = now() WHERE id = ${run.id}`);
        await appendRunEvent(tx, run.id, {
          type: 'resumed',
          payload: {
            by: caller.email,
            from: 'interrupted',
            reason: input.reason ?? null,
            signature_id: signed.signature.id,
            resume_count: run.resume_count + 1,
            checkpoint: run.checkpoint,
          },
        });
        return 'changed';
      },
    );
    if (refused) throw refused;
    return result;
  }

  private async checkDefinitionUnchanged(tx: Tx, run: RunRow): Promise<void> {
    const [version] = await queryRows<{ definition: unknown; definition_hash: string }>(
      tx,
      sql`SELECT definition, definition_hash FROM workflow_versions WHERE id = ${run.version_id} FOR SHARE`,
    );
    const checked = checkDefinition(version?.definition);
    const found = checked.ok ? definitionHash(checked.definition) : null;
    if (found !== run.definition_hash || version?.definition_hash !== run.definition_hash) {
      throw catalogueProblem(
        'definition-changed',
        `${run.run_id} started with definition ${run.definition_hash}; its version's definition is now ${found ?? 'invalid'}`,
        { extensions: { expected: run.definition_hash, found } },
      );
    }
  }

  /**
   * running/paused: records the request (abort_reason, 'abort_requested'); the engine holding the run
   * stops it, puts the devices in their safe state and sets 'aborted'. pending/interrupted (no engine):
   * aborted here, with the run's final event.
   */
  async abort(runId: string, input: RunAbort, caller: Caller): Promise<RunView> {
    let aborted = false;
    const view = await this.control(runId, caller, 'run.abort_requested', input.reason, async (tx, run) => {
      const status = runStatusOf(run.status);
      if (TERMINAL_STATUSES.includes(status)) throw stateConflict(run, 'the run has ended');
      if (run.abort_reason !== null) throw stateConflict(run, 'an abort was already requested');
      await appendRunEvent(tx, run.id, {
        type: 'abort_requested',
        payload: { by: caller.email, reason: input.reason },
      });
      if (status === 'running' || status === 'paused') {
        await tx.execute(
          sql`UPDATE workflow_executions SET abort_reason = ${input.reason}, updated_at = now() WHERE id = ${run.id}`,
        );
        return 'changed';
      }
      await tx.execute(sql`UPDATE workflow_executions SET status = 'aborted', abort_reason = ${input.reason},
          completed_at = now(), claimed_by = NULL, lease_expires_at = NULL, updated_at = now() WHERE id = ${run.id}`);
      await appendRunEvent(tx, run.id, {
        type: 'finished',
        payload: { status: 'aborted', reason: input.reason, by: caller.email },
      });
      aborted = true;
      return 'changed';
    });
    if (aborted) this.metrics.runsTotal.inc({ status: 'aborted' });
    return view;
  }

  /**
   * Answers the human_input step the run waits at: the latest step_started event is at `pc`, for a
   * human_input command, with no step_ended or answer after it. With the step's signature meaning, the
   * answer is an e-signature in the same transaction.
   */
  async answerInput(runId: string, pc: number, input: HumanInputAnswer, caller: Caller): Promise<RunView> {
    let refused: HttpProblem | undefined;
    const view = await this.control(
      runId,
      caller,
      'run.human_input_answered',
      input.reason ?? null,
      async (tx, run, append) => {
        if (run.status !== 'running' && run.status !== 'paused') {
          throw stateConflict(run, 'only a running or paused run waits for input');
        }
        const step = await this.waitingStep(tx, run, pc);
        let signatureId: string | null = null;
        if (step.meaning !== null) {
          requireSignature(input, `step ${step.stepId} asks for an e-signature (${step.meaning})`);
          if (!isSignatureMeaning(step.meaning)) {
            throw stateConflict(
              run,
              `step ${step.stepId} names signature meaning ${step.meaning}, which the lab does not know`,
            );
          }
          const signed = await this.signing.signInTransaction(tx, append, caller, {
            record_type: 'run',
            record_id: run.run_id,
            meaning: step.meaning,
            reason: input.reason,
            password: input.password ?? '',
            ...(input.user_id === undefined ? {} : { user_id: input.user_id }),
            ...(input.mfa_code === undefined ? {} : { mfa_code: input.mfa_code }),
          });
          if (!signed.ok) {
            refused = signed.problem;
            return 'refused';
          }
          signatureId = signed.signature.id;
        }
        await appendRunEvent(tx, run.id, {
          type: 'human_input_answered',
          pc,
          stepId: step.stepId,
          payload: { confirmed_by: caller.email, signature_id: signatureId, note: input.note ?? null },
        });
        return 'changed';
      },
    );
    if (refused) throw refused;
    return view;
  }

  private async waitingStep(
    tx: Tx,
    run: RunRow,
    pc: number,
  ): Promise<{ stepId: string; meaning: string | null }> {
    const [latest] = await queryRows<{ seq: number | string; pc: number | null }>(
      tx,
      sql`SELECT s.seq, s.pc FROM run_events s WHERE s.execution_id = ${run.id} AND s.type = 'step_started'
            AND NOT EXISTS (SELECT 1 FROM run_events e WHERE e.execution_id = s.execution_id AND e.seq > s.seq
                              AND e.pc = s.pc AND e.type IN ('step_ended', 'human_input_answered'))
          ORDER BY s.seq DESC LIMIT 1`,
    );
    const waiting = () => stateConflict(run, `it is not waiting for input at step ${pc}`);
    if (!latest || latest.pc !== pc) throw waiting();
    const [version] = await queryRows<{ definition: unknown }>(
      tx,
      sql`SELECT definition FROM workflow_versions WHERE id = ${run.version_id}`,
    );
    const checked = checkDefinition(version?.definition);
    const command = checked.ok ? compile(checked.definition).commands[pc] : undefined;
    if (command?.op !== 'human_input') throw waiting();
    return { stepId: command.stepId, meaning: command.signatureMeaning };
  }

  /**
   * One control: the run locked, the change, its audit event (before and after), then a wake-up for
   * the run's streams. The change returns 'refused' when a signing was refused: its audit events still
   * commit, the run does not change.
   */
  private async control(
    runId: string,
    caller: Caller,
    action: string,
    reason: string | null,
    change: (tx: LabTx, run: RunRow, append: AppendAudit) => Promise<'changed' | 'refused'>,
  ): Promise<RunView> {
    const { view, id } = await this.uow.write(async (tx, append) => {
      const before = await runRow(tx, caller, runId, true);
      const outcome = await change(tx, before, append);
      if (outcome === 'refused') return { view: runView(before), id: before.id };
      const after = runView(await runRow(tx, caller, runId));
      append(caller.ctx, {
        action,
        entityType: 'run',
        entityId: runId,
        before: runView(before),
        after,
        reason,
      });
      return { view: after, id: before.id };
    });
    this.signals.notify(id);
    return view;
  }
}

function requireSignature(
  input: { password?: string | undefined; reason?: string | undefined },
  why: string,
) {
  const errors: FieldError[] = [];
  if (input.password === undefined) errors.push({ field: 'body.password', message: `is required: ${why}` });
  if (input.reason === undefined) errors.push({ field: 'body.reason', message: `is required: ${why}` });
  if (errors.length > 0) throw validationProblem(errors);
}
