import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from './identity.ts';
import { samples } from './samples.ts';
import { labs } from './sites.ts';

/** The lifecycle of a workflow version; only `draft` may be edited, and one version per workflow is `effective`. */
export const WORKFLOW_VERSION_STATUSES = ['draft', 'in_review', 'approved', 'effective', 'retired'] as const;

export const workflowVersions = pgTable(
  'workflow_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    labId: uuid('lab_id')
      .notNull()
      .references(() => labs.id),
    workflowName: text('workflow_name').notNull(),
    version: integer('version').notNull(),
    title: text('title').notNull(),
    status: text('status').notNull().default('draft'),
    definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
    // SHA-256 of the canonical definition: runs record which exact definition they executed.
    definitionHash: text('definition_hash').notNull(),
    /** The definition as its author wrote it (YAML or JSON), kept for review beside the parsed form. */
    source: text('source').notNull(),
    sourceFormat: text('source_format').notNull(),
    locked: boolean('locked').notNull().default(false),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.email),
    submittedBy: text('submitted_by').references(() => users.email),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    approvedBy: text('approved_by').references(() => users.email),
    approvedAt: timestamp('approved_at', { withTimezone: true }),
    /** The e-signature (meaning `approved`) that approved this version. */
    approvalSignatureId: uuid('approval_signature_id'),
    effectiveBy: text('effective_by').references(() => users.email),
    effectiveAt: timestamp('effective_at', { withTimezone: true }),
    retiredBy: text('retired_by').references(() => users.email),
    retiredAt: timestamp('retired_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('workflow_versions_lab_name_version_unique').on(t.labId, t.workflowName, t.version),
    check(
      'workflow_versions_status_check',
      sql`${t.status} IN ('draft', 'in_review', 'approved', 'effective', 'retired')`,
    ),
    check('workflow_versions_source_format_check', sql`${t.sourceFormat} IN ('yaml', 'json')`),
    // Only one effective version per workflow, enforced by the database whatever the code does.
    uniqueIndex('workflow_versions_one_effective_idx')
      .on(t.labId, t.workflowName)
      .where(sql`${t.status} = 'effective'`),
    index('workflow_versions_status_idx').on(t.labId, t.status),
  ],
);

// Immutable copy of the configuration a run used.
export const configSnapshots = pgTable('config_snapshots', {
  id: uuid('id').primaryKey().defaultRandom(),
  snapshotId: text('snapshot_id').notNull().unique(),
  config: jsonb('config').$type<Record<string, unknown>>().notNull(),
  configHash: text('config_hash').notNull(),
  reason: text('reason'),
  createdBy: text('created_by')
    .notNull()
    .references(() => users.email),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const workflowExecutions = pgTable(
  'workflow_executions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    runId: text('run_id').notNull().unique(),
    workflowVersionId: uuid('workflow_version_id')
      .notNull()
      .references(() => workflowVersions.id),
    configSnapshotId: uuid('config_snapshot_id').references(() => configSnapshots.id),
    status: text('status').notNull().default('pending'),
    operator: text('operator')
      .notNull()
      .references(() => users.email),
    startedAt: timestamp('started_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    results: jsonb('results').$type<Record<string, unknown>>(),
    errorMessage: text('error_message'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    // A run (the runs module): its lab, the exact definition it executes, its bound parameters and
    // devices, where it is (the checkpoint) and which engine holds it (lease), so a crash is recoverable.
    labId: uuid('lab_id').references(() => labs.id),
    definitionHash: text('definition_hash'),
    parameters: jsonb('parameters').$type<Record<string, unknown>>(),
    /** Device ids by kind: { spectrometer, temperature_controller, daq }. */
    devices: jsonb('devices').$type<Record<string, string>>(),
    /** The next command to run and each open loop's iteration; null before the first step. */
    checkpoint: jsonb('checkpoint').$type<{ pc: number; iterations: Record<string, number> }>(),
    /** Seed of a simulated rig, so a simulated run is reproducible. */
    seed: integer('seed'),
    failureCode: text('failure_code'),
    /** Why the run was aborted (operator reason or tripped interlock lines). */
    abortReason: text('abort_reason'),
    /** The engine process holding the run, and until when its lease runs without a heartbeat. */
    claimedBy: text('claimed_by'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    /** How many times the run was resumed after an interruption (each with a signed reason). */
    resumeCount: integer('resume_count').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    // Review and release of an ended run (modules/runs/release.ts): each step is an e-signature whose
    // id is kept here; the review's record hash is what the approval must find unchanged.
    releaseStatus: text('release_status').notNull().default('unreviewed'),
    reviewedBy: text('reviewed_by').references(() => users.email),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    reviewSignatureId: uuid('review_signature_id'),
    reviewRecordHash: text('review_record_hash'),
    decidedBy: text('decided_by').references(() => users.email),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decisionSignatureId: uuid('decision_signature_id'),
  },
  (t) => [
    check(
      'workflow_executions_status_check',
      sql`${t.status} IN ('pending', 'running', 'paused', 'interrupted', 'completed', 'failed', 'aborted')`,
    ),
    check(
      'workflow_executions_release_status_check',
      sql`${t.releaseStatus} IN ('unreviewed', 'reviewed', 'approved', 'rejected')`,
    ),
    index('workflow_executions_lab_status_idx').on(t.labId, t.status),
    index('workflow_executions_status_idx').on(t.status),
    index('workflow_executions_version_idx').on(t.workflowVersionId),
    index('workflow_executions_started_at_idx').on(t.startedAt),
  ],
);

export const workflowSampleAssignments = pgTable(
  'workflow_sample_assignments',
  {
    executionId: uuid('execution_id')
      .notNull()
      .references(() => workflowExecutions.id),
    sampleId: uuid('sample_id')
      .notNull()
      .references(() => samples.id),
    assignedBy: text('assigned_by')
      .notNull()
      .references(() => users.email),
    assignedAt: timestamp('assigned_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.executionId, t.sampleId] }),
    index('workflow_sample_assignments_sample_idx').on(t.sampleId),
  ],
);
