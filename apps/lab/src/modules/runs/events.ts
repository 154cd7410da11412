// A run's event log: every engine event (step started/ended, temperature, spectrum, classification,
// interlock trip) and every control action (created, claimed, paused, resumed, abort requested,
// interrupted, human input, finished) as one row of run_events, numbered per run from 1. The number is
// the live stream's event id: a client that reconnects with Last-Event-ID reads on from there, so it
// misses nothing and sees nothing twice. The API and the engine both append, each holding the run's
// row lock (`lockRun`), so the numbers have no gaps and no duplicates.
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';

type Tx = Pick<LabTx, 'execute'>;

export const CONTROL_EVENT_TYPES = [
  'created',
  'claimed',
  'paused',
  'resumed',
  'abort_requested',
  'interrupted',
  'human_input_answered',
  'finished',
] as const;

export interface RunEventInput {
  type: string;
  pc?: number | null;
  stepId?: string | null;
  payload: Record<string, unknown>;
}

export interface RunEventRow {
  seq: number;
  type: string;
  pc: number | null;
  step_id: string | null;
  payload: Record<string, unknown>;
  created_at: string;
}

/** Locks the run's row for the rest of the transaction (appends and status changes serialise on it). */
export async function lockRun(tx: Tx, executionId: string): Promise<void> {
  await tx.execute(sql`SELECT 1 FROM workflow_executions WHERE id = ${executionId} FOR UPDATE`);
}

/** Appends one event; the caller holds the run's lock (`lockRun`). Returns its seq. */
export async function appendRunEvent(tx: Tx, executionId: string, event: RunEventInput): Promise<number> {
  const [row] = await queryRows<{ seq: string | number }>(
    tx,
    sql`INSERT INTO run_events (execution_id, seq, type, pc, step_id, payload)
        SELECT ${executionId}, coalesce(max(seq), 0) + 1, ${event.type}, ${event.pc ?? null}, ${event.stepId ?? null},
               ${JSON.stringify(event.payload)}::jsonb
          FROM run_events WHERE execution_id = ${executionId}
        RETURNING seq`,
  );
  return Number(row!.seq);
}

/** Events after `afterSeq`, in order, at most `limit`. */
export async function runEventsAfter(
  tx: Tx,
  executionId: string,
  afterSeq: number,
  limit: number,
): Promise<RunEventRow[]> {
  const rows = await queryRows<RunEventRow & { seq: string | number; created_at: unknown }>(
    tx,
    sql`SELECT seq, type, pc, step_id, payload, created_at FROM run_events
         WHERE execution_id = ${executionId} AND seq > ${afterSeq} ORDER BY seq LIMIT ${limit}`,
  );
  return rows.map((r) => ({
    ...r,
    seq: Number(r.seq),
    created_at: new Date(r.created_at as string | Date).toISOString(),
  }));
}

/**
 * In-process wake-ups: an appender calls `notify` after its transaction commits, and a stream
 * waiting on that run reads at once instead of at its next poll. Other processes (a second engine on
 * the same PostgreSQL) are seen by the poll.
 */
export class RunEventSignals {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly generations = new Map<string, number>();

  /**
   * How many notifies the run has had in this process: readers that share a query (the live stream's
   * fan-out) share it only within one generation, so none reads a result older than its wake-up.
   */
  generation(executionId: string): number {
    return this.generations.get(executionId) ?? 0;
  }

  notify(executionId: string): void {
    this.generations.set(executionId, this.generation(executionId) + 1);
    const set = this.waiters.get(executionId);
    if (!set) return;
    this.waiters.delete(executionId);
    for (const wake of set) wake();
  }

  /** Resolves on the next notify for the run, after `timeoutMs`, or when the signal aborts. */
  wait(executionId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(executionId);
      if (!set) {
        set = new Set();
        this.waiters.set(executionId, set);
      }
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.get(executionId)?.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }
}
