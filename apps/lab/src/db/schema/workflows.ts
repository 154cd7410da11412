import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from './identity.ts';
import { samples } from './samples.ts';

export const workflowVersions = pgTable(
  'workflow_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workflowName: text('workflow_name').notNull(),
    version: integer('version').notNull(),
    definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
    // SHA-256 of the canonical definition: runs record which exact definition they executed.
    definitionHash: text('definition_hash').notNull(),
    isActive: boolean('is_active').notNull().default(false),
    locked: boolean('locked').notNull().default(false),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.email),
    approvedBy: text('approved_by').references(() => users.email),
    approvedAt: timestamp('approved_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('workflow_versions_name_version_unique').on(t.workflowName, t.version),
    index('workflow_versions_is_active_idx').on(t.workflowName, t.isActive),
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
  },
  (t) => [
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
