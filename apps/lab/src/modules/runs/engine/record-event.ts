// Persists one engine event: the run event (the live stream's numbered row) and what it implies —
// a run_steps row opened or closed, the checkpoint, a content-addressed spectrum — in one transaction
// under the run's row lock, after checking this engine still holds the run. Step changes, classifier
// results and interlock trips are audited; temperature and spectrum events are data rows of the
// append-only run log (one per sample: auditing each would multiply the chain for no added evidence).
import { createHash } from 'node:crypto';
import type { EngineEvent } from '@polymorph/run-engine/commands';
import type { Reading, Spectrum } from '@polymorph/run-engine/drivers';
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../../db/client.ts';
import type { AppendAudit } from '../../../platform/audit/audit-trail.ts';
import type { LabMetrics } from '../../../platform/lab-metrics.ts';
import type { UnitOfWork } from '../../../platform/unit-of-work.ts';
import { recordRunIdentification } from '../../polymorph/port.ts';
import { appendRunEvent, lockRun } from '../events.ts';
import { type ClaimedRun, engineAudit, holdsClaim } from './run-store.ts';

/** Points of the decimated spectrum a run event (and the live stream) carries. */
export const DECIMATED_POINTS = 128;

/** The stored form of a spectrum: its SHA-256 is over exactly this JSON text. */
export function spectrumContent(reading: Reading<Spectrum>): string {
  const s = reading.value;
  return JSON.stringify({
    shift_cm1: s.shiftCm1,
    intensities: s.intensities,
    integration_time_ms: s.integrationTimeMs,
    averages: s.averages,
    detector_max: s.detectorMax,
    laser_nm: s.laserNm,
    at: reading.at,
    simulated: reading.simulated,
  });
}

/** Means over equal buckets, at most `points` of them: enough to draw, small enough to stream. */
export function decimate(
  s: Spectrum,
  points = DECIMATED_POINTS,
): { shift_cm1: number[]; intensities: number[] } {
  const n = s.shiftCm1.length;
  const buckets = Math.min(points, n);
  const shift: number[] = [];
  const intensities: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    let sx = 0;
    let sy = 0;
    for (let i = from; i < to; i++) {
      sx += s.shiftCm1[i]!;
      sy += s.intensities[i]!;
    }
    shift.push(round(sx / (to - from), 2));
    intensities.push(round(sy / (to - from), 1));
  }
  return { shift_cm1: shift, intensities };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

async function storeSpectrum(tx: LabTx, reading: Reading<Spectrum>): Promise<string> {
  const content = spectrumContent(reading);
  const sha256 = createHash('sha256').update(content).digest('hex');
  await tx.execute(
    sql`INSERT INTO run_spectra (sha256, content, byte_size) VALUES (${sha256}, ${content}, ${Buffer.byteLength(content)})
        ON CONFLICT (sha256) DO NOTHING`,
  );
  return sha256;
}

export class EventRecorder {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly metrics: LabMetrics,
    private readonly run: ClaimedRun,
    private readonly engineId: string,
  ) {}

  /** Stores the event; throws LeaseLost when the run is no longer this engine's. */
  async record(event: EngineEvent): Promise<number> {
    const durations: number[] = [];
    const seq = await this.uow.write(async (tx, audit) => {
      await lockRun(tx, this.run.id);
      await holdsClaim(tx, this.run.id, this.engineId);
      if (event.type === 'spectrum') return this.recordSpectrum(tx, event);
      const seq = await appendRunEvent(tx, this.run.id, {
        type: event.type,
        pc: 'pc' in event ? event.pc : null,
        stepId: 'stepId' in event ? event.stepId : null,
        payload: { ...event },
      });
      if (event.type === 'step_started') await this.stepStarted(tx, audit, event);
      if (event.type === 'step_ended') durations.push(await this.stepEnded(tx, audit, event));
      if (event.type === 'classified' || event.type === 'interlock_tripped') {
        audit(engineAudit, {
          action: event.type === 'classified' ? 'run.classified' : 'run.interlock_tripped',
          entityType: 'workflow_execution',
          entityId: this.run.runId,
          after: { seq, engine: this.engineId, ...event },
        });
      }
      if (event.type === 'classified') {
        await recordRunIdentification(tx, audit, engineAudit, { executionId: this.run.id, seq }, event);
      }
      return seq;
    });
    if (event.type === 'step_ended')
      this.metrics.runStepDuration.observe({ step_type: event.op }, durations[0]!);
    if (event.type === 'interlock_tripped') {
      for (const line of event.lines) this.metrics.interlockTrips.inc({ line });
    }
    return seq;
  }

  private async recordSpectrum(
    tx: LabTx,
    event: Extract<EngineEvent, { type: 'spectrum' }>,
  ): Promise<number> {
    const sha256 = await storeSpectrum(tx, event.reading);
    const rawSha256 = event.raw ? await storeSpectrum(tx, event.raw) : undefined;
    const seq = await appendRunEvent(tx, this.run.id, {
      type: 'spectrum',
      pc: event.pc,
      stepId: event.stepId,
      payload: {
        sha256,
        ...(rawSha256 ? { raw_sha256: rawSha256 } : {}),
        spikes_removed: event.spikesRemoved,
        decimated: decimate(event.reading.value),
        at: event.reading.at,
        simulated: event.reading.simulated,
      },
    });
    const link = (role: string, sha: string) =>
      tx.execute(
        sql`INSERT INTO run_spectrum_links (execution_id, event_seq, sha256, role, pc, step_id)
            VALUES (${this.run.id}, ${seq}, ${sha}, ${role}, ${event.pc}, ${event.stepId})`,
      );
    await link('cleaned', sha256);
    if (rawSha256) await link('raw', rawSha256);
    return seq;
  }

  private async stepStarted(
    tx: LabTx,
    audit: AppendAudit,
    event: Extract<EngineEvent, { type: 'step_started' }>,
  ): Promise<void> {
    await tx.execute(
      sql`INSERT INTO run_steps (execution_id, pc, step_id, op, iteration)
          VALUES (${this.run.id}, ${event.pc}, ${event.stepId}, ${event.op}, ${event.iteration})`,
    );
    audit(engineAudit, {
      action: 'run.step_started',
      entityType: 'workflow_execution',
      entityId: this.run.runId,
      after: { engine: this.engineId, ...event },
    });
  }

  /** Closes the open row of the step and stores the checkpoint; returns the step's duration, s. */
  private async stepEnded(
    tx: LabTx,
    audit: AppendAudit,
    event: Extract<EngineEvent, { type: 'step_ended' }>,
  ): Promise<number> {
    const [step] = await queryRows<{ seconds: string | number }>(
      tx,
      sql`UPDATE run_steps SET ended_at = now(), outcome = ${event.outcome}, summary = ${JSON.stringify(event.summary)}::jsonb
           WHERE execution_id = ${this.run.id} AND pc = ${event.pc} AND outcome IS NULL
           RETURNING extract(epoch FROM clock_timestamp() - started_at) AS seconds`,
    );
    await tx.execute(
      sql`UPDATE workflow_executions SET checkpoint = ${JSON.stringify(event.next)}::jsonb, updated_at = now()
           WHERE id = ${this.run.id}`,
    );
    audit(engineAudit, {
      action: 'run.step_ended',
      entityType: 'workflow_execution',
      entityId: this.run.runId,
      after: { engine: this.engineId, ...event },
    });
    return step ? Number(step.seconds) : 0;
  }
}
