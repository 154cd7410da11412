import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { workflowExecutions } from './workflows.ts';

// What a run recorded, in order: one row per engine event (step started/ended, temperature, spectrum,
// classification, interlock trip) and per control action (pause, resume, abort, human input). `seq`
// counts per run from 1: it is the live stream's event id, so a client resumes from Last-Event-ID.
export const runEvents = pgTable(
  'run_events',
  {
    executionId: uuid('execution_id')
      .notNull()
      .references(() => workflowExecutions.id),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    type: text('type').notNull(),
    /** The command the event belongs to, when it belongs to one. */
    pc: integer('pc'),
    stepId: text('step_id'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.executionId, t.seq] }),
    index('run_events_type_idx').on(t.executionId, t.type),
  ],
);

// Each execution of a command: start, end, outcome and result summary. A resumed run adds a new
// attempt of the step that was interrupted; a completed step is never run twice.
export const runSteps = pgTable(
  'run_steps',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    executionId: uuid('execution_id')
      .notNull()
      .references(() => workflowExecutions.id),
    pc: integer('pc').notNull(),
    stepId: text('step_id').notNull(),
    op: text('op').notNull(),
    /** The loop iteration the step ran in (null outside a repeat_until). */
    iteration: integer('iteration'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** null while running; 'interrupted' when the engine died during it. */
    outcome: text('outcome'),
    summary: jsonb('summary'),
  },
  (t) => [
    check(
      'run_steps_outcome_check',
      sql`${t.outcome} IS NULL OR ${t.outcome} IN ('completed', 'failed', 'aborted', 'interrupted')`,
    ),
    index('run_steps_execution_idx').on(t.executionId, t.pc),
  ],
);

// Raw spectra, content-addressed: the key is the SHA-256 of the stored JSON, so the same bytes are
// stored once and a reader can check what it got. run_spectrum_links ties them to a run's step.
export const runSpectra = pgTable('run_spectra', {
  sha256: text('sha256').primaryKey(),
  /** { shift_cm1, intensities, integration_time_ms, averages, detector_max, laser_nm, at, simulated } */
  content: text('content').notNull(),
  byteSize: integer('byte_size').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const runSpectrumLinks = pgTable(
  'run_spectrum_links',
  {
    executionId: uuid('execution_id')
      .notNull()
      .references(() => workflowExecutions.id),
    /** The run event (type 'spectrum') that announced it. */
    eventSeq: bigint('event_seq', { mode: 'number' }).notNull(),
    sha256: text('sha256')
      .notNull()
      .references(() => runSpectra.sha256),
    /** 'cleaned' (after spike removal; what the engine used) or 'raw' (as the detector gave it). */
    role: text('role').notNull(),
    pc: integer('pc').notNull(),
    stepId: text('step_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.executionId, t.eventSeq, t.role] }),
    check('run_spectrum_links_role_check', sql`${t.role} IN ('cleaned', 'raw')`),
    index('run_spectrum_links_sha_idx').on(t.sha256),
  ],
);
