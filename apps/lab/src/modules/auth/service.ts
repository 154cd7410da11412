import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { permissionsOf } from '../../platform/access/permissions.ts';
import type { AppendAudit, AuditContext } from '../../platform/audit/audit-trail.ts';
import {
  type Clock,
  type Restriction,
  restrictionsOf,
  systemClock,
} from '../../platform/auth/authenticator.ts';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../../platform/auth/password-hashing.ts';
import { type PasswordPolicy, validateNewPassword } from '../../platform/auth/password-policy.ts';
import { consumeRecoveryCode, generateRecoveryCodes } from '../../platform/auth/recovery-codes.ts';
import {
  type AccessTokenConfig,
  decideRefresh,
  hashRefreshToken,
  newRefreshToken,
  REFRESH_FAMILY_MAX_AGE_SECONDS,
  REFRESH_TOKEN_TTL_SECONDS,
  signAccessToken,
} from '../../platform/auth/tokens.ts';
import { createTotpEnrollment, verifyTotp } from '../../platform/auth/totp.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import type { LabMetrics } from '../../platform/lab-metrics.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import {
  AccountThrottle,
  DEFAULT_LOGIN_THROTTLE,
  LoginThrottled,
  type LoginThrottleSettings,
  loginThrottledDetail,
} from './login-throttle.ts';
import {
  type Credentials,
  normalizeEmail,
  type PasswordStore,
  type ReauthenticationFailure,
  type Reauthenticator,
} from './port.ts';
import type {
  AuthTokens,
  CurrentUser,
  LoginInput,
  MfaDisable,
  MfaEnrollment,
  PasswordChange,
  RecoveryCodes,
} from './schemas.ts';

export interface AuthSettings {
  tokens: AccessTokenConfig;
  lockoutThreshold: number;
  lockoutMinutes: number;
  passwordPolicy: PasswordPolicy;
  totpIssuer: string;
  /** Minutes without a request after which a session ends; refreshing is not activity. Default 30. */
  sessionIdleMinutes?: number | undefined;
  /** Login attempts per client address and per account; defaults in login-throttle.ts. */
  loginThrottle?: Partial<LoginThrottleSettings> | undefined;
  /**
   * The process's time, for access tokens, TOTP steps and the login throttle. Lockouts, password age,
   * the idle timeout and session and refresh-token ends are stored and judged by the database's now().
   */
  clock?: Clock | undefined;
}

export const DEFAULT_SESSION_IDLE_MINUTES = 30;

interface UserRow {
  email: string;
  name: string;
  password_hash: string;
  is_active: boolean;
  mfa_enabled: boolean;
  mfa_secret: string | null;
  mfa_pending_secret: string | null;
  mfa_last_used_step: string | number | null;
  failed_login_attempts: number;
  locked: boolean;
}

/**
 * A refresh token's end, read in an INSERT ... SELECT from its session: its lifetime from the database's
 * now(), never beyond the session's end (`not_after`).
 */
const refreshExpiry = sql`least(now() + make_interval(secs => ${REFRESH_TOKEN_TTL_SECONDS}), not_after)`;

// One body for every credential failure, so a response never tells whether the email exists.
export const INVALID_CREDENTIALS = () =>
  new HttpProblem(401, 'invalid-credentials', 'Invalid credentials', 'The email or password is incorrect');

async function lockUser(tx: LabTx, email: string): Promise<UserRow | undefined> {
  const [row] = await queryRows<UserRow>(
    tx,
    sql`SELECT email, name, password_hash, is_active, mfa_enabled, mfa_secret, mfa_pending_secret, mfa_last_used_step,
               failed_login_attempts, (locked_until IS NOT NULL AND locked_until > now()) AS locked
          FROM users WHERE email = ${email} FOR UPDATE`,
  );
  return row;
}

/**
 * The user as every auth route returns them. Their permissions come from the role matrix the route guard
 * checks, so a client hides exactly what the server would refuse and never keeps a matrix of its own.
 */
export function currentUser(user: Omit<CurrentUser, 'permissions'>): CurrentUser {
  return { ...user, permissions: permissionsOf(user.roles).toSorted() };
}

async function rolesOf(tx: LabTx, email: string): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(
    tx,
    sql`SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_email = ${email} ORDER BY r.name`,
  );
  return rows.map((r) => r.name);
}

/** Checks the second factor: a TOTP code (never the same step twice) or a single-use recovery code. */
async function checkSecondFactor(
  tx: LabTx,
  user: UserRow,
  input: { mfa_code?: string | undefined; recovery_code?: string | undefined },
  now: Date,
): Promise<boolean> {
  if (input.mfa_code && user.mfa_secret) {
    const last = user.mfa_last_used_step === null ? null : Number(user.mfa_last_used_step);
    const result = verifyTotp({
      secret: user.mfa_secret,
      code: input.mfa_code,
      now,
      lastUsedStep: last,
    });
    if (!result.ok) return false;
    await tx.execute(sql`UPDATE users SET mfa_last_used_step = ${result.step} WHERE email = ${user.email}`);
    return true;
  }
  if (input.recovery_code) {
    const stored = await queryRows<{ code_hash: string }>(
      tx,
      sql`SELECT code_hash FROM mfa_recovery_codes WHERE user_email = ${user.email} AND used_at IS NULL`,
    );
    const result = consumeRecoveryCode(
      input.recovery_code,
      stored.map((r) => r.code_hash),
    );
    if (!result.ok) return false;
    const remaining = new Set(result.remainingHashes);
    const used = stored.map((r) => r.code_hash).filter((h) => !remaining.has(h));
    for (const hash of used) {
      await tx.execute(sql`UPDATE mfa_recovery_codes SET used_at = now() WHERE code_hash = ${hash}`);
    }
    return true;
  }
  return false;
}

export class AuthService implements Reauthenticator, PasswordStore {
  /** Per-address limit for the login route's rate limiter, and the window both throttles count in. */
  readonly loginThrottle: LoginThrottleSettings;
  private readonly accountThrottle: AccountThrottle;
  private readonly clock: Clock;
  private readonly idleMinutes: number;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly settings: AuthSettings,
    private readonly metrics: LabMetrics,
  ) {
    this.clock = settings.clock ?? systemClock;
    this.idleMinutes = settings.sessionIdleMinutes ?? DEFAULT_SESSION_IDLE_MINUTES;
    this.loginThrottle = { ...DEFAULT_LOGIN_THROTTLE, ...settings.loginThrottle };
    this.accountThrottle = new AccountThrottle(
      this.loginThrottle.perAccount,
      this.loginThrottle.windowSeconds * 1000,
      this.clock,
    );
  }

  /** A login refused by the per-address limiter, counted with the others by result. */
  countThrottledLogin(): void {
    this.metrics.logins.inc({ result: 'throttled' });
  }

  /** Restrictions from the same rule the route guard applies on every request. */
  private async restrictions(tx: LabTx, email: string): Promise<Restriction[]> {
    const [row] = await queryRows<{
      mfa_enabled: boolean;
      mfa_required: boolean;
      password_changed_at: string | Date;
      password_change_required: boolean;
      db_now: string | Date;
    }>(
      tx,
      sql`SELECT u.mfa_enabled, u.password_changed_at, u.password_change_required, now() AS db_now,
                 coalesce(bool_or(r.mfa_required), false) AS mfa_required
            FROM users u
            LEFT JOIN user_roles ur ON ur.user_email = u.email
            LEFT JOIN roles r ON r.id = ur.role_id
           WHERE u.email = ${email} GROUP BY u.email`,
    );
    if (!row) return [];
    return restrictionsOf(
      {
        mfaRequired: row.mfa_required,
        mfaEnabled: row.mfa_enabled,
        passwordChangedAt: new Date(row.password_changed_at),
        passwordChangeRequired: row.password_change_required,
      },
      new Date(row.db_now),
      this.settings.passwordPolicy.maxAgeDays ?? 0,
    );
  }

  /** Records a failed attempt; locks the account at the threshold. Returns true if this attempt locked it. */
  private async recordFailure(
    tx: LabTx,
    append: AppendAudit,
    ctx: AuditContext,
    user: UserRow,
    why: string,
  ): Promise<boolean> {
    const attempts = user.failed_login_attempts + 1;
    const locks = attempts >= this.settings.lockoutThreshold;
    await tx.execute(sql`
      UPDATE users SET failed_login_attempts = ${locks ? 0 : attempts},
             locked_until = CASE WHEN ${locks} THEN now() + make_interval(mins => ${this.settings.lockoutMinutes}) ELSE locked_until END
       WHERE email = ${user.email}`);
    append(ctx, {
      action: 'auth.login_failed',
      entityType: 'user',
      entityId: user.email,
      after: { reason: why, consecutive_failures: attempts },
    });
    if (locks) {
      append(ctx, {
        action: 'auth.account_locked',
        entityType: 'user',
        entityId: user.email,
        after: { locked_minutes: this.settings.lockoutMinutes, consecutive_failures: attempts },
      });
    }
    return locks;
  }

  /** Verifies the password (and the second factor where enrolled) of a user, for login and for signing. */
  async reauthenticate(
    tx: LabTx,
    append: AppendAudit,
    ctx: AuditContext,
    email: string,
    credentials: Credentials,
  ): Promise<{ ok: true; user: UserRow } | ReauthenticationFailure> {
    const now = this.clock();
    const user = await lockUser(tx, email);
    if (!user?.is_active) {
      await verifyAgainstDummy(credentials.password);
      append(ctx, {
        action: 'auth.login_failed',
        entityType: 'user',
        entityId: email,
        after: { reason: user ? 'inactive' : 'unknown_user' },
      });
      return { ok: false, problem: INVALID_CREDENTIALS(), result: 'failure' };
    }
    // The password is checked first, locked or not: a locked account answers 423 only to its right
    // password, so to anyone else it looks like an unknown email (the same 401, the same argon2 work).
    const passwordOk = await verifyPassword(user.password_hash, credentials.password);
    if (user.locked && !passwordOk) {
      append(ctx, {
        action: 'auth.login_failed',
        entityType: 'user',
        entityId: email,
        after: { reason: 'wrong_password', locked: true },
      });
      return { ok: false, problem: INVALID_CREDENTIALS(), result: 'failure' };
    }
    if (user.locked) {
      append(ctx, { action: 'auth.login_refused_locked', entityType: 'user', entityId: email });
      return {
        ok: false,
        result: 'locked',
        problem: new HttpProblem(
          423,
          'account-locked',
          'Account locked',
          'Too many failed attempts: the account is locked; an administrator can unlock it, or wait for the lock to expire',
        ),
      };
    }
    if (!passwordOk) {
      const locked = await this.recordFailure(tx, append, ctx, user, 'wrong_password');
      if (locked) this.metrics.lockouts.inc();
      return { ok: false, problem: INVALID_CREDENTIALS(), result: 'failure' };
    }
    if (user.mfa_enabled) {
      if (!credentials.mfa_code && !credentials.recovery_code) {
        return {
          ok: false,
          result: 'mfa_required',
          problem: new HttpProblem(
            401,
            'mfa-required',
            'MFA code required',
            'Send mfa_code (or recovery_code) with the password',
          ),
        };
      }
      if (!(await checkSecondFactor(tx, user, credentials, now))) {
        const locked = await this.recordFailure(tx, append, ctx, user, 'wrong_mfa_code');
        if (locked) this.metrics.lockouts.inc();
        return { ok: false, problem: INVALID_CREDENTIALS(), result: 'failure' };
      }
    }
    return { ok: true, user };
  }

  /**
   * Checks the credentials and opens a session. The account's attempts are throttled (429) before any
   * password work; the user's restrictions (password expired or set by an administrator, MFA enrolment
   * due) come back with the tokens, and the route guard holds the session to them.
   */
  async login(input: LoginInput, ctx: AuditContext): Promise<AuthTokens> {
    const email = normalizeEmail(input.email);
    const attempt = this.accountThrottle.take(email);
    if (!attempt.allowed) {
      this.countThrottledLogin();
      throw new LoginThrottled(attempt.retryAfterSeconds, loginThrottledDetail(attempt.retryAfterSeconds));
    }
    const outcome = await this.uow.write(async (tx, append) => {
      const check = await this.reauthenticate(tx, append, { ...ctx, actor: email }, email, input);
      if (!check.ok) return check;
      await tx.execute(
        sql`UPDATE users SET failed_login_attempts = 0, locked_until = NULL, last_login_at = now() WHERE email = ${email}`,
      );
      const tokens = await this.openSession(tx, email, check.user.name, ctx, input.user_agent);
      append(
        { ...ctx, actor: email },
        {
          action: 'auth.login',
          entityType: 'user',
          entityId: email,
          after: { session_id: tokens.sessionId },
        },
      );
      return { ok: true as const, tokens };
    });
    if (!outcome.ok) {
      this.metrics.logins.inc({ result: outcome.result });
      throw outcome.problem;
    }
    this.accountThrottle.forgive(email);
    this.metrics.logins.inc({ result: 'success' });
    return outcome.tokens.response;
  }

  private async openSession(
    tx: LabTx,
    email: string,
    name: string,
    ctx: AuditContext,
    userAgent: string | undefined,
  ) {
    const now = this.clock();
    const refresh = newRefreshToken();
    // Stored ends come from the database's now(), the clock they are compared with (not this process's).
    await tx.execute(sql`
      INSERT INTO auth_sessions (id, user_email, not_after, ip, user_agent, last_seen_at, idle_minutes)
      VALUES (${refresh.familyId}, ${email}, now() + make_interval(secs => ${REFRESH_FAMILY_MAX_AGE_SECONDS}),
              ${ctx.ip}, ${userAgent ?? null}, now(), ${this.idleMinutes})`);
    await tx.execute(sql`
      INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
      SELECT ${refresh.hash}, id, ${refreshExpiry} FROM auth_sessions WHERE id = ${refresh.familyId}`);
    const roles = await rolesOf(tx, email);
    const access = await signAccessToken(
      { email, roles, sessionId: refresh.familyId },
      this.settings.tokens,
      now,
    );
    return {
      sessionId: refresh.familyId,
      response: {
        access_token: access.token,
        refresh_token: refresh.token,
        token_type: 'bearer' as const,
        expires_in: access.expiresIn,
        idle_timeout_seconds: this.idleMinutes * 60,
        user: currentUser({ email, name, roles, restrictions: await this.restrictions(tx, email) }),
      },
    };
  }

  /**
   * Rotates the refresh token. A token presented twice means it leaked: the whole session is revoked.
   * Refreshing is not activity: a session idle past its timeout is ended here too (audited), so a client
   * that refreshes in the background cannot keep an unattended session open.
   */
  async refresh(refreshToken: string, ctx: AuditContext): Promise<AuthTokens> {
    const hash = hashRefreshToken(refreshToken);
    const now = this.clock();
    const outcome = await this.uow.write(async (tx, append) => {
      const [row] = await queryRows<{
        session_id: string;
        user_email: string;
        name: string;
        is_active: boolean;
        expired: boolean;
        idle: boolean;
        idle_minutes: number;
        used_at: string | null;
        revoked_at: string | null;
      }>(
        tx,
        sql`SELECT t.session_id, s.user_email, u.name, u.is_active, (t.expires_at <= now()) AS expired, s.idle_minutes,
                   (s.last_seen_at <= now() - make_interval(mins => s.idle_minutes)) AS idle,
                   t.used_at, s.revoked_at
              FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id JOIN users u ON u.email = s.user_email
             WHERE t.token_hash = ${hash} FOR UPDATE OF t, s`,
      );
      if (row?.idle && !row.revoked_at && !row.used_at) {
        await tx.execute(
          sql`UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'idle_timeout' WHERE id = ${row.session_id}`,
        );
        append(
          { ...ctx, actor: row.user_email },
          { action: 'auth.session_idle_timeout', entityType: 'session', entityId: row.session_id },
        );
        return { ok: false as const };
      }
      const decision = decideRefresh(
        row
          ? {
              hash,
              familyId: row.session_id,
              expiresAt: row.expired ? new Date(0) : new Date(8.64e15),
              usedAt: row.used_at ? new Date(row.used_at) : null,
              revokedAt: row.revoked_at || !row.is_active ? new Date(row.revoked_at ?? 0) : null,
            }
          : null,
        now,
      );
      if (decision.action === 'revoke_family' && row) {
        await tx.execute(
          sql`UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'refresh_token_reuse' WHERE id = ${row.session_id}`,
        );
        append(
          { ...ctx, actor: row.user_email },
          {
            action: 'auth.refresh_token_reuse',
            entityType: 'session',
            entityId: row.session_id,
            after: { revoked: true },
          },
        );
        return { ok: false as const };
      }
      if (decision.action !== 'rotate' || !row) return { ok: false as const };
      const next = newRefreshToken(row.session_id);
      await tx.execute(sql`UPDATE refresh_tokens SET used_at = now() WHERE token_hash = ${hash}`);
      await tx.execute(sql`
        INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
        SELECT ${next.hash}, id, ${refreshExpiry} FROM auth_sessions WHERE id = ${row.session_id}`);
      const roles = await rolesOf(tx, row.user_email);
      const access = await signAccessToken(
        { email: row.user_email, roles, sessionId: row.session_id },
        this.settings.tokens,
        now,
      );
      return {
        ok: true as const,
        response: {
          access_token: access.token,
          refresh_token: next.token,
          token_type: 'bearer' as const,
          expires_in: access.expiresIn,
          idle_timeout_seconds: row.idle_minutes * 60,
          user: currentUser({
            email: row.user_email,
            name: row.name,
            roles,
            restrictions: await this.restrictions(tx, row.user_email),
          }),
        },
      };
    });
    if (!outcome.ok) {
      throw new HttpProblem(
        401,
        'invalid-refresh-token',
        'Invalid refresh token',
        'The refresh token is unknown, expired or revoked; log in again',
      );
    }
    return outcome.response;
  }

  async logout(sessionId: string, ctx: AuditContext): Promise<void> {
    await this.uow.write(async (tx, append) => {
      await tx.execute(
        sql`UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'logout' WHERE id = ${sessionId} AND revoked_at IS NULL`,
      );
      append(ctx, { action: 'auth.logout', entityType: 'session', entityId: sessionId });
    });
  }

  /** Changes the password under the policy and the history rule, and ends every other session. */
  async changePassword(
    email: string,
    sessionId: string,
    input: PasswordChange,
    ctx: AuditContext,
  ): Promise<void> {
    const outcome = await this.uow.write(async (tx, append) => {
      const user = await lockUser(tx, email);
      if (!user) return { ok: false as const, problem: INVALID_CREDENTIALS() };
      if (!(await verifyPassword(user.password_hash, input.current_password))) {
        const locked = await this.recordFailure(tx, append, ctx, user, 'wrong_current_password');
        if (locked) this.metrics.lockouts.inc();
        return { ok: false as const, problem: INVALID_CREDENTIALS() };
      }
      await this.setPassword(tx, email, input.new_password, user.password_hash);
      await tx.execute(sql`
        UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'password_changed'
         WHERE user_email = ${email} AND id <> ${sessionId} AND revoked_at IS NULL`);
      append(ctx, { action: 'user.password_changed', entityType: 'user', entityId: email });
      return { ok: true as const };
    });
    if (!outcome.ok) throw outcome.problem;
  }

  /**
   * Validates and stores a new password; the previous hash goes to the history. Throws a 400 problem.
   * `setByAdministrator`: the user must change it before anything else (21 CFR 11.300(c)); a password the
   * user chose lifts that restriction.
   */
  async setPassword(
    tx: LabTx,
    email: string,
    password: string,
    currentHash: string | null,
    options: { setByAdministrator?: boolean } = {},
  ): Promise<void> {
    const history = await queryRows<{ password_hash: string }>(
      tx,
      sql`SELECT password_hash FROM password_history WHERE user_email = ${email} ORDER BY created_at DESC LIMIT ${this.settings.passwordPolicy.historyDepth}`,
    );
    const previous = [...(currentHash ? [currentHash] : []), ...history.map((h) => h.password_hash)];
    const violations = await validateNewPassword(
      password,
      { email, previousHashesNewestFirst: previous },
      this.settings.passwordPolicy,
    );
    if (violations.length > 0) {
      throw new HttpProblem(
        400,
        'password-policy',
        'Password does not meet the policy',
        violations.map((v) => v.message).join(' '),
        violations.map((v) => ({ field: 'body.new_password', message: `${v.code}: ${v.message}` })),
      );
    }
    const hash = await hashPassword(password);
    if (currentHash) {
      await tx.execute(
        sql`INSERT INTO password_history (user_email, password_hash) VALUES (${email}, ${currentHash})`,
      );
    }
    await tx.execute(
      sql`UPDATE users SET password_hash = ${hash}, password_changed_at = now(),
                password_change_required = ${options.setByAdministrator === true}, updated_at = now()
           WHERE email = ${email}`,
    );
  }

  async startMfaEnrollment(email: string, ctx: AuditContext): Promise<MfaEnrollment> {
    return this.uow.write(async (tx, append) => {
      const user = await lockUser(tx, email);
      if (!user) throw INVALID_CREDENTIALS();
      if (user.mfa_enabled) {
        throw new HttpProblem(
          409,
          'mfa-already-enabled',
          'MFA already enabled',
          'Disable MFA first to enrol a new device',
        );
      }
      const enrollment = await createTotpEnrollment({ issuer: this.settings.totpIssuer, accountName: email });
      await tx.execute(
        sql`UPDATE users SET mfa_pending_secret = ${enrollment.secret} WHERE email = ${email}`,
      );
      append(ctx, { action: 'user.mfa_enrollment_started', entityType: 'user', entityId: email });
      return { otpauth_uri: enrollment.uri, qr_code: enrollment.qrPngDataUrl };
    });
  }

  async confirmMfa(email: string, code: string, ctx: AuditContext): Promise<RecoveryCodes> {
    const outcome = await this.uow.write(async (tx, append) => {
      const user = await lockUser(tx, email);
      if (!user?.mfa_pending_secret) {
        return {
          ok: false as const,
          problem: new HttpProblem(
            409,
            'mfa-not-enrolling',
            'No MFA enrolment in progress',
            'Call POST /auth/mfa/enroll first',
          ),
        };
      }
      const result = verifyTotp({ secret: user.mfa_pending_secret, code, now: this.clock() });
      if (!result.ok) {
        append(ctx, { action: 'user.mfa_confirmation_failed', entityType: 'user', entityId: email });
        return {
          ok: false as const,
          problem: new HttpProblem(
            400,
            'invalid-mfa-code',
            'Invalid MFA code',
            'The code does not match the enrolled secret',
            [{ field: 'body.code', message: 'is not the current code' }],
          ),
        };
      }
      const codes = generateRecoveryCodes();
      await tx.execute(sql`
        UPDATE users SET mfa_secret = mfa_pending_secret, mfa_pending_secret = NULL, mfa_enabled = true,
               mfa_last_used_step = ${result.step}, updated_at = now()
         WHERE email = ${email}`);
      await tx.execute(sql`DELETE FROM mfa_recovery_codes WHERE user_email = ${email}`);
      for (const hash of codes.hashes) {
        await tx.execute(
          sql`INSERT INTO mfa_recovery_codes (code_hash, user_email) VALUES (${hash}, ${email})`,
        );
      }
      append(ctx, {
        action: 'user.mfa_enabled',
        entityType: 'user',
        entityId: email,
        after: { recovery_codes_issued: codes.codes.length },
      });
      return { ok: true as const, codes: codes.codes };
    });
    if (!outcome.ok) throw outcome.problem;
    return { recovery_codes: outcome.codes };
  }

  async disableMfa(email: string, input: MfaDisable, ctx: AuditContext): Promise<void> {
    const outcome = await this.uow.write(async (tx, append) => {
      const check = await this.reauthenticate(tx, append, ctx, email, input);
      if (!check.ok) return check;
      if (!check.user.mfa_enabled) {
        return {
          ok: false as const,
          problem: new HttpProblem(409, 'mfa-not-enabled', 'MFA not enabled', 'There is nothing to disable'),
          result: 'failure',
        };
      }
      await tx.execute(
        sql`UPDATE users SET mfa_enabled = false, mfa_secret = NULL, mfa_last_used_step = NULL, updated_at = now() WHERE email = ${email}`,
      );
      await tx.execute(sql`DELETE FROM mfa_recovery_codes WHERE user_email = ${email}`);
      append(ctx, { action: 'user.mfa_disabled', entityType: 'user', entityId: email });
      return { ok: true as const };
    });
    if (!outcome.ok) throw outcome.problem;
  }
}
