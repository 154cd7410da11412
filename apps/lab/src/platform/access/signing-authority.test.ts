import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SIGNATURE_MEANINGS } from '../signatures/manifest.ts';
import { hasPermission, ROLES } from './permissions.ts';
import {
  mayReadRecordType,
  renderSigningAuthorityMarkdown,
  SIGNING_AUTHORITY,
  signingAuthority,
} from './signing-authority.ts';

describe('signing authority (who may sign which meaning on which record type)', () => {
  it('docs/compliance/signatures.md embeds the table exactly as the code has it', () => {
    const doc = readFileSync(
      new URL('../../../../../docs/compliance/signatures.md', import.meta.url),
      'utf8',
    );
    const embedded = doc
      .split('<!-- signing-authority:begin -->\n')[1]
      ?.split('\n<!-- signing-authority:end -->')[0];
    expect(embedded).toBe(renderSigningAuthorityMarkdown(SIGNATURE_MEANINGS));
  });

  it('releasing and rejecting a batch take exactly the roles that hold batches:approve', () => {
    const approvers = ROLES.filter((r) => hasPermission([r], 'batches:approve'));
    expect(SIGNING_AUTHORITY.batch!.meanings.approved).toEqual(approvers);
    expect(SIGNING_AUTHORITY.batch!.meanings.rejected).toEqual(approvers);
  });

  it('approving a workflow version takes exactly the roles that hold workflows:approve', () => {
    const approvers = ROLES.filter((r) => hasPermission([r], 'workflows:approve'));
    expect(SIGNING_AUTHORITY.workflow_version!.meanings.approved).toEqual(approvers);
  });

  it('making a workflow version effective takes exactly the roles that hold workflows:activate', () => {
    const activators = ROLES.filter((r) => hasPermission([r], 'workflows:activate'));
    expect(SIGNING_AUTHORITY.workflow_version!.meanings.made_effective).toEqual(activators);
  });

  it('resuming a run takes exactly the roles with runs:resume; signed human input and review those with runs:update', () => {
    const resumers = ROLES.filter((r) => hasPermission([r], 'runs:resume'));
    expect(SIGNING_AUTHORITY.run!.meanings.resumed).toEqual(resumers);
    const answerers = ROLES.filter((r) => hasPermission([r], 'runs:update'));
    for (const meaning of ['verified', 'reviewed'] as const) {
      expect(SIGNING_AUTHORITY.run!.meanings[meaning]).toEqual(answerers);
    }
  });

  it("a run's release is QA's: approval and rejection by compliance and admin, never a technician", () => {
    for (const meaning of ['approved', 'rejected'] as const) {
      expect(SIGNING_AUTHORITY.run!.meanings[meaning]).toEqual(['admin', 'compliance']);
    }
    expect(signingAuthority(['technician'], 'run', 'approved')).toBe('forbidden');
    expect(signingAuthority(['technician'], 'run', 'reviewed')).toBe('forbidden');
  });

  it('audit-trail reviews are read and signed by those who read the audit trail', () => {
    const auditors = ROLES.filter((r) => hasPermission([r], 'audit:read'));
    expect(SIGNING_AUTHORITY.audit_trail_review!.meanings.audit_trail_reviewed).toEqual(auditors);
    expect(signingAuthority(['scientist'], 'audit_trail_review', 'audit_trail_reviewed')).toBe('unreadable');
    expect(signingAuthority(['compliance'], 'audit_trail_review', 'approved')).toBe('forbidden');
  });

  it('a role that cannot read the record type signs nothing on it; unknown types and roles grant nothing', () => {
    for (const [type, entry] of Object.entries(SIGNING_AUTHORITY)) {
      for (const role of ROLES) {
        for (const meaning of SIGNATURE_MEANINGS) {
          const allowed = (entry.meanings[meaning] ?? []) as readonly string[];
          if (allowed.includes(role)) expect(hasPermission([role], entry.read), `${role} ${type}`).toBe(true);
        }
      }
    }
    expect(mayReadRecordType(['admin'], 'spaceship')).toBe(false);
    expect(signingAuthority(['Admin'], 'batch', 'approved')).toBe('unreadable');
    expect(signingAuthority(['technician'], 'batch', 'approved')).toBe('forbidden');
    expect(signingAuthority(['technician', 'scientist'], 'batch', 'approved')).toBe('allowed');
    expect(signingAuthority(['scientist'], 'user', 'reviewed')).toBe('unreadable');
  });
});
