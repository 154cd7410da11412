import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from './identity.ts';
import { labs } from './sites.ts';

/** Feeds generated sample ids (pattern such as S-{YYYY}-{SEQ:6}); gaps after a rollback are harmless. */
export const sampleIdSeq = pgSequence('sample_id_seq', { startWith: 1, increment: 1 });

export const projects = pgTable(
  'projects',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: text('project_id').notNull().unique(),
    name: text('name').notNull(),
    description: text('description'),
    status: text('status').notNull().default('active'),
    labId: uuid('lab_id').references(() => labs.id),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.email),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('projects_status_idx').on(t.status)],
);

export const batches = pgTable(
  'batches',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    batchId: text('batch_id').notNull().unique(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id),
    status: text('status').notNull().default('active'),
    description: text('description'),
    labId: uuid('lab_id').references(() => labs.id),
    /** The electronic signature (meaning approved or rejected) that released or rejected the batch. */
    decisionSignatureId: uuid('decision_signature_id'),
    decidedBy: text('decided_by').references(() => users.email),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.email),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('batches_project_id_idx').on(t.projectId),
    index('batches_status_idx').on(t.status),
    index('batches_lab_id_idx').on(t.labId),
  ],
);

export const containers = pgTable(
  'containers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    containerId: text('container_id').notNull().unique(),
    containerType: text('container_type').notNull(),
    // A free-text path such as site/room/freezer/shelf/box/position.
    location: text('location').notNull(),
    capacity: integer('capacity').notNull(),
    labId: uuid('lab_id').references(() => labs.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('containers_location_idx').on(t.location),
    check('containers_capacity_positive', sql`${t.capacity} > 0`),
  ],
);

export const samples = pgTable(
  'samples',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sampleId: text('sample_id').notNull().unique(),
    name: text('name'),
    lotNumber: text('lot_number'),
    projectId: uuid('project_id').references(() => projects.id),
    batchId: uuid('batch_id').references(() => batches.id),
    containerId: uuid('container_id').references(() => containers.id),
    parentId: uuid('parent_id').references((): AnyPgColumn => samples.id),
    status: text('status').notNull().default('active'),
    quantity: numeric('quantity', { precision: 18, scale: 6 }),
    unit: text('unit'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    labId: uuid('lab_id').references(() => labs.id),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.email),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    index('samples_lab_id_idx').on(t.labId, t.createdAt),
    index('samples_project_id_idx').on(t.projectId),
    index('samples_batch_id_idx').on(t.batchId),
    index('samples_container_id_idx').on(t.containerId),
    index('samples_parent_id_idx').on(t.parentId),
    index('samples_status_idx').on(t.status),
    index('samples_lot_number_idx').on(t.lotNumber),
    index('samples_created_at_idx').on(t.createdAt),
    check('samples_quantity_non_negative', sql`${t.quantity} IS NULL OR ${t.quantity} >= 0`),
  ],
);

// Explicit parent-child edges; one sample can have several parents (pooling) and many children.
export const sampleLineage = pgTable(
  'sample_lineage',
  {
    parentId: uuid('parent_id')
      .notNull()
      .references(() => samples.id),
    childId: uuid('child_id')
      .notNull()
      .references(() => samples.id),
    relationship: text('relationship').notNull().default('aliquot'),
    quantity: numeric('quantity', { precision: 18, scale: 6 }),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.email),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.parentId, t.childId] }),
    index('sample_lineage_child_id_idx').on(t.childId),
    check('sample_lineage_no_self_edge', sql`${t.parentId} <> ${t.childId}`),
  ],
);
