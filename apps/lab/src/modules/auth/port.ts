// What sibling modules may use of authentication: users store passwords through it, signatures
// re-authenticate the signer through it. AuthService implements both interfaces.
import type { LabTx } from '../../db/client.ts';
import type { AppendAudit, AuditContext } from '../../platform/audit/audit-trail.ts';
import type { HttpProblem } from '../../platform/http/problem.ts';

/** Emails identify users: stored and compared trimmed and lower-cased. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** Both components of an identity check: the password, and the second factor where MFA is enrolled. */
export interface Credentials {
  password: string;
  mfa_code?: string | undefined;
  recovery_code?: string | undefined;
}

/** Why a re-authentication failed: the problem to answer, and the outcome label for the login metric. */
export interface ReauthenticationFailure {
  ok: false;
  problem: HttpProblem;
  result: 'failure' | 'locked' | 'mfa_required';
}

export type Reauthentication = { ok: true; user: { email: string; name: string } } | ReauthenticationFailure;

/**
 * Verifies a user's credentials inside the caller's unit of work: failures count towards the lockout
 * and are audited in the same transaction (21 CFR 11.200: every signing re-authenticates).
 */
export interface Reauthenticator {
  reauthenticate(
    tx: LabTx,
    append: AppendAudit,
    ctx: AuditContext,
    email: string,
    credentials: Credentials,
  ): Promise<Reauthentication>;
}

/**
 * Stores a new password under the policy and the history rule; throws a 400 `password-policy` problem.
 * A password an administrator set (`setByAdministrator`) must be changed by the user before anything else.
 */
export interface PasswordStore {
  setPassword(
    tx: LabTx,
    email: string,
    password: string,
    currentHash: string | null,
    options?: { setByAdministrator?: boolean },
  ): Promise<void>;
}
