import { sql } from 'drizzle-orm';
import { type LabDb, queryRows } from '../../db/client.ts';
import { DEFAULT_PASSWORD_POLICY, isPasswordExpired } from './password-policy.ts';
import { type AccessTokenConfig, verifyAccessToken } from './tokens.ts';

/** What a request may do is decided from this, re-read from the database on every request. */
export interface Principal {
  email: string;
  name: string;
  roles: string[];
  sessionId: string;
  /** Non-empty: the user may only reach routes marked `allowWhenRestricted` (enrol MFA, change password). */
  restrictions: Restriction[];
  /** Membership: the user's lab, or the default lab when none was assigned. */
  organizationId: string | null;
  labId: string | null;
}

export type Restriction = 'mfa_enrollment_required' | 'password_expired' | 'password_change_required';

export type AuthenticationResult = { ok: true; principal: Principal } | { ok: false; detail: string };

/**
 * The process's time, for what is judged in the process alone: access tokens (signed and verified here),
 * TOTP steps and the in-memory login throttle; tests pass a clock they move. Whatever is stored in SQL
 * and compared there (session ends, idle timeout, refresh-token ends, lockouts, password age) is taken
 * from the database's now() instead, so one clock judges it whatever this host's clock says.
 */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/**
 * A session's last activity is written at most once per this many ms (or half its idle timeout when that
 * is shorter, so that a short timeout still counts requests as activity): the idle timeout is exact to it.
 */
export const LAST_SEEN_GRANULARITY_MS = 60_000;

export interface AuthenticatorOptions {
  db: LabDb;
  tokens: AccessTokenConfig;
  passwordMaxAgeDays: number;
  clock?: Clock;
}

interface SessionRow {
  email: string;
  name: string;
  is_active: boolean;
  mfa_enabled: boolean;
  password_changed_at: string | Date;
  password_change_required: boolean;
  revoked: boolean;
  past_not_after: boolean;
  idle: boolean;
  /** The session has not been marked active within LAST_SEEN_GRANULARITY_MS, by the database's clock. */
  seen_stale: boolean;
  db_now: string | Date;
  roles: string[] | null;
  mfa_required: boolean | null;
  organization_id: string | null;
  lab_id: string | null;
}

/** The restrictions of a user, from the same facts at login and on every request. */
export function restrictionsOf(
  user: {
    mfaRequired: boolean;
    mfaEnabled: boolean;
    passwordChangedAt: Date;
    passwordChangeRequired: boolean;
  },
  now: Date,
  passwordMaxAgeDays: number,
): Restriction[] {
  const restrictions: Restriction[] = [];
  if (user.mfaRequired && !user.mfaEnabled) restrictions.push('mfa_enrollment_required');
  if (user.passwordChangeRequired) restrictions.push('password_change_required');
  const policy = {
    ...DEFAULT_PASSWORD_POLICY,
    maxAgeDays: passwordMaxAgeDays > 0 ? passwordMaxAgeDays : null,
  };
  if (isPasswordExpired(user.passwordChangedAt, now, policy)) restrictions.push('password_expired');
  return restrictions;
}

/**
 * Checks the bearer token, then the database: the session must be live (not revoked, not past its end,
 * not idle longer than its idle timeout) and the user active, and roles come from user_roles, not from
 * the token, so a revoked role or session takes effect at once. A request is activity: it moves the
 * session's last_seen_at (at most once a minute).
 */
export function createAuthenticator(options: AuthenticatorOptions) {
  const clock = options.clock ?? systemClock;
  return async function authenticate(token: string): Promise<AuthenticationResult> {
    const now = clock();
    const verified = await verifyAccessToken(token, options.tokens, now);
    if (!verified.ok) return { ok: false, detail: `access token ${verified.kind.replace(/_/g, ' ')}` };
    const { email, sessionId } = verified.claims;
    const [row] = await queryRows<SessionRow>(
      options.db,
      sql`SELECT u.email, u.name, u.is_active, u.mfa_enabled, u.password_changed_at, u.password_change_required,
                 (s.revoked_at IS NOT NULL) AS revoked,
                 (s.not_after <= now()) AS past_not_after,
                 (s.last_seen_at <= now() - make_interval(mins => s.idle_minutes)) AS idle,
                 (s.last_seen_at <= now() - make_interval(secs => least(${LAST_SEEN_GRANULARITY_MS / 1000}, s.idle_minutes * 30))) AS seen_stale,
                 now() AS db_now,
                 array_remove(array_agg(r.name ORDER BY r.name), NULL) AS roles,
                 bool_or(r.mfa_required) AS mfa_required,
                 l.organization_id, l.id AS lab_id
            FROM auth_sessions s
            JOIN users u ON u.email = s.user_email
            LEFT JOIN labs l ON l.id = coalesce(u.lab_id, (SELECT d.id FROM labs d WHERE d.lab_id = 'default'))
            LEFT JOIN user_roles ur ON ur.user_email = u.email
            LEFT JOIN roles r ON r.id = ur.role_id
           WHERE s.id = ${sessionId} AND u.email = ${email}
           GROUP BY u.email, s.id, l.id`,
    );
    if (!row) return { ok: false, detail: 'session not found' };
    if (row.revoked || row.past_not_after) return { ok: false, detail: 'session ended' };
    if (row.idle) return { ok: false, detail: 'session ended: idle for longer than the idle timeout' };
    if (!row.is_active) return { ok: false, detail: 'account deactivated' };
    if (row.seen_stale) {
      await options.db.execute(
        sql`UPDATE auth_sessions SET last_seen_at = now() WHERE id = ${sessionId} AND last_seen_at < now()`,
      );
    }
    return {
      ok: true,
      principal: {
        email: row.email,
        name: row.name,
        roles: row.roles ?? [],
        sessionId,
        restrictions: restrictionsOf(
          {
            mfaRequired: row.mfa_required === true,
            mfaEnabled: row.mfa_enabled,
            passwordChangedAt: new Date(row.password_changed_at),
            passwordChangeRequired: row.password_change_required,
          },
          new Date(row.db_now),
          options.passwordMaxAgeDays,
        ),
        organizationId: row.organization_id,
        labId: row.lab_id,
      },
    };
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;
