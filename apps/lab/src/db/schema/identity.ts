import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { labs, organizations } from './sites.ts';

// The email is the login and the primary key: a user is deactivated, never deleted, so an email
// can never be reused by another person.
export const users = pgTable(
  'users',
  {
    email: text('email').primaryKey(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    isActive: boolean('is_active').notNull().default(true),
    mfaEnabled: boolean('mfa_enabled').notNull().default(false),
    mfaSecret: text('mfa_secret'),
    /** Enrolment in progress: confirmed by a first valid code, then moved to mfa_secret. */
    mfaPendingSecret: text('mfa_pending_secret'),
    /** Last accepted TOTP time step: a code is never accepted twice. */
    mfaLastUsedStep: bigint('mfa_last_used_step', { mode: 'number' }),
    failedLoginAttempts: integer('failed_login_attempts').notNull().default(0),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }).notNull().defaultNow(),
    /** An administrator set the password (user creation, reset): the user must change it before anything else. */
    passwordChangeRequired: boolean('password_change_required').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** Membership. NULL means the default organization and lab (see modules/sites). */
    organizationId: uuid('organization_id').references(() => organizations.id),
    labId: uuid('lab_id').references(() => labs.id),
  },
  (t) => [index('users_is_active_idx').on(t.isActive), index('users_lab_id_idx').on(t.labId)],
);

export const roles = pgTable('roles', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  // Permissions are data (`resource:action`), so the matrix can be reviewed and audited.
  permissions: jsonb('permissions').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  /** Users holding this role cannot use the system until they have enrolled in MFA. */
  mfaRequired: boolean('mfa_required').notNull().default(false),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const userRoles = pgTable(
  'user_roles',
  {
    userEmail: text('user_email')
      .notNull()
      .references(() => users.email),
    roleId: uuid('role_id')
      .notNull()
      .references(() => roles.id),
    assignedBy: text('assigned_by'),
    assignedAt: timestamp('assigned_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userEmail, t.roleId] }), index('user_roles_role_id_idx').on(t.roleId)],
);

/** Previous password hashes, newest first by created_at; the last N cannot be reused. */
export const passwordHistory = pgTable(
  'password_history',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userEmail: text('user_email')
      .notNull()
      .references(() => users.email),
    passwordHash: text('password_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('password_history_user_idx').on(t.userEmail, t.createdAt)],
);

/** Single-use MFA recovery codes, stored as SHA-256 of 80-bit random codes. */
export const mfaRecoveryCodes = pgTable(
  'mfa_recovery_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    userEmail: text('user_email')
      .notNull()
      .references(() => users.email),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('mfa_recovery_codes_user_idx').on(t.userEmail)],
);

/** One login: the refresh-token family. Revoking it ends the session and every token of it. */
export const authSessions = pgTable(
  'auth_sessions',
  {
    id: uuid('id').primaryKey(),
    userEmail: text('user_email')
      .notNull()
      .references(() => users.email),
    notAfter: timestamp('not_after', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedReason: text('revoked_reason'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** The last request made with the session's access tokens (kept to the minute); refreshes do not count. */
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    /** The idle timeout in force when the session opened: idle longer than this, the session has ended. */
    idleMinutes: integer('idle_minutes').notNull().default(30),
  },
  (t) => [index('auth_sessions_user_idx').on(t.userEmail, t.revokedAt)],
);

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => authSessions.id),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('refresh_tokens_session_idx').on(t.sessionId)],
);
