/**
 * Who may sign which meaning on which record type (21 CFR 11.10(g): authority checks), as data beside
 * the permission matrix. docs/compliance/signatures.md embeds the table, and a test keeps the two equal.
 * A record type or meaning not listed here grants nothing (default deny).
 */
import type { SignatureMeaning } from '../signatures/manifest.ts';
import { hasPermission, type Permission, ROLES, type Role } from './permissions.ts';

export interface SigningAuthority {
  /** Reading the record is a precondition: without it the record does not exist for the caller (404). */
  read: Permission;
  /** The roles that may sign each meaning; a meaning absent here is signed by nobody. */
  meanings: Partial<Record<SignatureMeaning, readonly Role[]>>;
}

export const SIGNING_AUTHORITY: Readonly<Record<string, SigningAuthority>> = Object.freeze({
  batch: {
    read: 'batches:read',
    meanings: {
      // Those who create batches author them.
      authored: ['admin', 'scientist'],
      // Bench work is verified by a second person; technicians run it and may verify it.
      verified: ['admin', 'scientist', 'technician'],
      reviewed: ['admin', 'scientist', 'compliance'],
      // Release and rejection: exactly the roles holding batches:approve (a test keeps them equal).
      approved: ['admin', 'scientist'],
      rejected: ['admin', 'scientist'],
      audit_trail_reviewed: ['admin', 'compliance'],
    },
  },
  sample: {
    read: 'samples:read',
    meanings: {
      // Those who create samples author them.
      authored: ['admin', 'scientist'],
      // A second person checks bench work on a sample; technicians handle samples and may verify.
      verified: ['admin', 'scientist', 'technician'],
      reviewed: ['admin', 'scientist', 'compliance'],
      approved: ['admin', 'scientist'],
      rejected: ['admin', 'scientist'],
    },
  },
  workflow_version: {
    read: 'workflows:read',
    meanings: {
      // Those who write workflows author them.
      authored: ['admin', 'scientist'],
      reviewed: ['admin', 'scientist', 'compliance'],
      // Approval (which locks the version): exactly the roles holding workflows:approve.
      approved: ['admin', 'scientist'],
      // Putting a version into use (runs start from it): exactly the roles holding workflows:activate.
      made_effective: ['admin', 'scientist'],
    },
  },
  run: {
    read: 'runs:read',
    meanings: {
      // Resuming an interrupted run from its checkpoint: exactly the roles holding runs:resume.
      resumed: ['admin', 'scientist', 'technician'],
      // A workflow's human_input step signed by whoever may answer it (runs:update); the same people
      // review an ended run: a peer scientist, never its starter (segregation of duties).
      verified: ['admin', 'scientist'],
      reviewed: ['admin', 'scientist'],
      // Release or rejection of a reviewed run is QA's: the compliance role (and admin).
      approved: ['admin', 'compliance'],
      rejected: ['admin', 'compliance'],
    },
  },
  audit_trail_review: {
    // The audit trail is read by admin and compliance only; so are its reviews.
    read: 'audit:read',
    meanings: {
      audit_trail_reviewed: ['admin', 'compliance'],
    },
  },
  user: {
    // Accounts are read by administrators and compliance only; to anyone else every account is unknown.
    read: 'users:read',
    meanings: {
      // Periodic access review.
      reviewed: ['admin', 'compliance'],
      // Granting or refusing an account is user administration.
      approved: ['admin'],
      rejected: ['admin'],
    },
  },
});

/** Whether the roles may read records of this type at all (an unlisted type: nobody). */
export function mayReadRecordType(roles: readonly string[], recordType: string): boolean {
  const entry = SIGNING_AUTHORITY[recordType];
  return entry !== undefined && hasPermission(roles, entry.read);
}

/** What the caller's roles allow on a record type: `unreadable` answers 404, `forbidden` 403. */
export function signingAuthority(
  roles: readonly string[],
  recordType: string,
  meaning: SignatureMeaning,
): 'allowed' | 'unreadable' | 'forbidden' {
  const entry = SIGNING_AUTHORITY[recordType];
  if (!entry || !mayReadRecordType(roles, recordType)) return 'unreadable';
  const allowed = entry.meanings[meaning] ?? [];
  return roles.some((role) => (allowed as readonly string[]).includes(role)) ? 'allowed' : 'forbidden';
}

/** The table as Markdown: record type and meaning per row, one column per role. */
export function renderSigningAuthorityMarkdown(meanings: readonly SignatureMeaning[]): string {
  const header = `| record type | meaning | ${ROLES.join(' | ')} |`;
  const rule = `| --- | --- | ${ROLES.map(() => ':---:').join(' | ')} |`;
  const rows = Object.entries(SIGNING_AUTHORITY).flatMap(([type, entry]) =>
    meanings.map(
      (m) =>
        `| \`${type}\` | \`${m}\` | ${ROLES.map((r) => ((entry.meanings[m] ?? []).includes(r) ? 'yes' : '-')).join(' | ')} |`,
    ),
  );
  return [header, rule, ...rows].join('\n');
}
