import { sql } from 'drizzle-orm';
import { type LabDb, queryRows } from '../../db/client.ts';
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

export type Restriction = 'mfa_enrollment_required' | 'password_expired';

export type AuthenticationResult = { ok: true; principal: Principal } | { ok: false; detail: string };

export interface AuthenticatorOptions {
  db: LabDb;
  tokens: AccessTokenConfig;
  passwordMaxAgeDays: number;
}

interface SessionRow {
  email: string;
  name: string;
  is_active: boolean;
  mfa_enabled: boolean;
  password_expired: boolean;
  session_live: boolean;
  roles: string[] | null;
  mfa_required: boolean | null;
  organization_id: string | null;
  lab_id: string | null;
}

/**
 * Checks the bearer token, then the database: the session must be live and the user active, and roles
 * come from user_roles, not from the token, so a revoked role or session takes effect at once.
 */
export function createAuthenticator(options: AuthenticatorOptions) {
  return async function authenticate(token: string): Promise<AuthenticationResult> {
    const verified = await verifyAccessToken(token, options.tokens, new Date());
    if (!verified.ok) return { ok: false, detail: `access token ${verified.kind.replace(/_/g, ' ')}` };
    const { email, sessionId } = verified.claims;
    const [row] = await queryRows<SessionRow>(
      options.db,
      sql`SELECT u.email, u.name, u.is_active, u.mfa_enabled,
                 (${options.passwordMaxAgeDays} > 0 AND u.password_changed_at < now() - make_interval(days => ${options.passwordMaxAgeDays})) AS password_expired,
                 (s.revoked_at IS NULL AND s.not_after > now()) AS session_live,
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
    if (!row.session_live) return { ok: false, detail: 'session ended' };
    if (!row.is_active) return { ok: false, detail: 'account deactivated' };
    const restrictions: Restriction[] = [];
    if (row.mfa_required && !row.mfa_enabled) restrictions.push('mfa_enrollment_required');
    if (row.password_expired) restrictions.push('password_expired');
    return {
      ok: true,
      principal: {
        email: row.email,
        name: row.name,
        roles: row.roles ?? [],
        sessionId,
        restrictions,
        organizationId: row.organization_id,
        labId: row.lab_id,
      },
    };
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;
