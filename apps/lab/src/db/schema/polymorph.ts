import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  doublePrecision,
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
import { labs } from './sites.ts';
import { workflowExecutions } from './workflows.ts';

// A reference spectrum of one solid form, per lab. What identifies against it is a version: versions
// are append-only rows, so a workflow that pins REF@2 always gets the same spectrum. Retiring the
// reference (refused while an effective workflow pins it) stops new use; its versions stay.
export const polymorphReferences = pgTable(
  'polymorph_references',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    labId: uuid('lab_id')
      .notNull()
      .references(() => labs.id),
    referenceId: text('reference_id').notNull(),
    name: text('name').notNull(),
    /** The form it stands for, e.g. form_ii: what identification reports. */
    form: text('form').notNull(),
    /** Where the spectrum came from (instrument, sample, literature). */
    source: text('source').notNull(),
    status: text('status').notNull().default('active'),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.email),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    retiredBy: text('retired_by').references(() => users.email),
    retiredAt: timestamp('retired_at', { withTimezone: true }),
    retireReason: text('retire_reason'),
  },
  (t) => [
    unique('polymorph_references_lab_reference_unique').on(t.labId, t.referenceId),
    check('polymorph_references_status_check', sql`${t.status} IN ('active', 'retired')`),
  ],
);

export const polymorphReferenceVersions = pgTable(
  'polymorph_reference_versions',
  {
    referenceUuid: uuid('reference_uuid')
      .notNull()
      .references(() => polymorphReferences.id),
    version: integer('version').notNull(),
    /** The spectrum as identification uses it: JSON {"x": [...], "y": [...]}, x ascending. */
    spectrum: text('spectrum').notNull(),
    /** SHA-256 (hex) of `spectrum`, exactly as stored. */
    sha256: text('sha256').notNull(),
    points: integer('points').notNull(),
    /** The JCAMP-DX file as uploaded, and its SHA-256: the original stays evidence. */
    fileName: text('file_name').notNull(),
    fileContent: text('file_content').notNull(),
    fileSha256: text('file_sha256').notNull(),
    uploadedBy: text('uploaded_by')
      .notNull()
      .references(() => users.email),
    uploadedAt: timestamp('uploaded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.referenceUuid, t.version] }),
    check('polymorph_reference_versions_version_check', sql`${t.version} >= 1`),
  ],
);

// Every identification (the HTTP endpoint's and each classify step of a run's), append-only and
// linked to its run, step and sample when it has them: a run's series gives its crystallization onset.
export const polymorphIdentifications = pgTable(
  'polymorph_identifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    labId: uuid('lab_id')
      .notNull()
      .references(() => labs.id),
    /** 'api' (POST /api/polymorph/identify) or 'run' (a classify step). */
    origin: text('origin').notNull(),
    executionId: uuid('execution_id').references(() => workflowExecutions.id),
    /** The run event (type 'classified') that carried it. */
    eventSeq: bigint('event_seq', { mode: 'number' }),
    stepId: text('step_id'),
    sampleUuid: uuid('sample_uuid').references(() => samples.id),
    /** SHA-256 of the identified spectrum's JSON ({"x","y"} for the API; a run's stored spectrum). */
    spectrumSha256: text('spectrum_sha256').notNull(),
    /** When the spectrum was measured (a run's reading time; the request time for the API). */
    measuredAt: timestamp('measured_at', { withTimezone: true, precision: 3 }).notNull(),
    form: text('form').notNull(),
    confidence: doublePrecision('confidence').notNull(),
    fractions: jsonb('fractions').$type<Record<string, { value: number; uncertainty: number }>>().notNull(),
    hits: jsonb('hits').notNull(),
    preprocessing: jsonb('preprocessing').notNull(),
    /** The reference versions identified against: [{ reference_id, version, sha256, form }]. */
    references: jsonb('references').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('polymorph_identifications_origin_check', sql`${t.origin} IN ('api', 'run')`),
    index('polymorph_identifications_run_idx').on(t.executionId, t.measuredAt),
    index('polymorph_identifications_lab_idx').on(t.labId, t.createdAt),
  ],
);
