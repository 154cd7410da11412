import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { isRole, ROLE_PERMISSIONS, ROLES } from '../../platform/access/permissions.ts';
import type { AuditContext } from '../../platform/audit/audit-trail.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import { normalizeEmail, type PasswordStore } from '../auth/port.ts';
import type {
  CredentialsReset,
  CredentialsResetResult,
  RoleList,
  RoleMfaPolicy,
  UserCreate,
  UserList,
  UserQuery,
  UserUpdate,
  UserView,
} from './schemas.ts';

const USER_VIEW = sql`
  SELECT u.email, u.name, u.is_active, u.mfa_enabled,
         (u.locked_until IS NOT NULL AND u.locked_until > now()) AS locked,
         u.password_change_required,
         array_remove(array_agg(r.name ORDER BY r.name), NULL) AS roles,
         u.last_login_at, u.created_at
    FROM users u
    LEFT JOIN user_roles ur ON ur.user_email = u.email
    LEFT JOIN roles r ON r.id = ur.role_id`;

function toView(row: UserView & { last_login_at: unknown; created_at: unknown }): UserView {
  const iso = (v: unknown) => (v === null ? null : new Date(v as string).toISOString());
  return {
    ...row,
    roles: row.roles ?? [],
    last_login_at: iso(row.last_login_at),
    created_at: iso(row.created_at)!,
  };
}

const notFound = (email: string) => new HttpProblem(404, 'not-found', 'User not found', `No user ${email}`);

/** Writes the role matrix of the code into the roles table, so the permissions are reviewable data. */
export async function syncRolePermissions(uow: UnitOfWork): Promise<void> {
  await uow.write(async (tx, append) => {
    for (const role of ROLES) {
      const permissions = [...ROLE_PERMISSIONS[role]].sort();
      const [row] = await queryRows<{ permissions: string[] }>(
        tx,
        sql`SELECT permissions FROM roles WHERE name = ${role} FOR UPDATE`,
      );
      if (row && JSON.stringify(row.permissions) === JSON.stringify(permissions)) continue;
      await tx.execute(sql`
        INSERT INTO roles (name, permissions) VALUES (${role}, ${JSON.stringify(permissions)}::jsonb)
        ON CONFLICT (name) DO UPDATE SET permissions = EXCLUDED.permissions`);
      append(
        { actor: 'system', requestId: null, ip: null },
        {
          action: 'role.permissions_synced',
          entityType: 'role',
          entityId: role,
          before: row?.permissions ?? null,
          after: permissions,
        },
      );
    }
  });
}

export class UserService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly auth: PasswordStore,
  ) {}

  private async view(tx: Pick<LabTx, 'execute'>, email: string): Promise<UserView | undefined> {
    const [row] = await queryRows<UserView>(tx, sql`${USER_VIEW} WHERE u.email = ${email} GROUP BY u.email`);
    return row ? toView(row) : undefined;
  }

  async get(email: string): Promise<UserView> {
    const user = await this.uow.read((tx) => this.view(tx, normalizeEmail(email)));
    if (!user) throw notFound(email);
    return user;
  }

  async list(query: UserQuery): Promise<UserList> {
    const rows = await this.uow.read((tx) =>
      queryRows<UserView>(
        tx,
        sql`${USER_VIEW}
            WHERE (${query.cursor ?? null}::text IS NULL OR u.email > ${query.cursor ?? null})
              AND (${query.active ?? null}::boolean IS NULL OR u.is_active = ${query.active ?? null})
            GROUP BY u.email ORDER BY u.email LIMIT ${query.limit + 1}`,
      ),
    );
    const page = rows.slice(0, query.limit).map(toView);
    return {
      items: page,
      next_cursor: rows.length > query.limit ? (page[page.length - 1]?.email ?? null) : null,
    };
  }

  /**
   * Creates a user; the email can never be taken again, even after deactivation. `passwordSetByAdministrator`
   * (an administrator's request, create-admin): the user must change the password at first login.
   */
  async create(
    input: UserCreate,
    ctx: AuditContext,
    options: { passwordSetByAdministrator?: boolean } = {},
  ): Promise<UserView> {
    const email = normalizeEmail(input.email);
    const unknown = input.roles.filter((r) => !isRole(r));
    if (unknown.length) {
      throw new HttpProblem(
        400,
        'validation-error',
        'Invalid request',
        `Unknown role(s): ${unknown.join(', ')}`,
        [{ field: 'body.roles', message: `must be among ${ROLES.join(', ')}` }],
      );
    }
    return this.uow.create(async (tx, append) => {
      const [exists] = await queryRows(tx, sql`SELECT 1 FROM users WHERE email = ${email} FOR UPDATE`);
      if (exists)
        throw new HttpProblem(
          409,
          'user-exists',
          'User exists',
          `${email} is already registered (emails are never reused)`,
        );
      await tx.execute(
        sql`INSERT INTO users (email, name, password_hash) VALUES (${email}, ${input.name}, '!')`,
      );
      await this.auth.setPassword(tx, email, input.password, null, {
        setByAdministrator: options.passwordSetByAdministrator === true,
      });
      for (const role of new Set(input.roles)) {
        await tx.execute(
          sql`INSERT INTO user_roles (user_email, role_id, assigned_by) SELECT ${email}, id, ${ctx.actor} FROM roles WHERE name = ${role}`,
        );
      }
      const user = (await this.view(tx, email))!;
      append(ctx, { action: 'user.created', entityType: 'user', entityId: email, after: user });
      return user;
    });
  }

  /** Name and active flag. Deactivation ends every session; users are never deleted. */
  async update(email: string, patch: UserUpdate, ctx: AuditContext): Promise<UserView> {
    const id = normalizeEmail(email);
    return this.uow.write(async (tx, append) => {
      const before = await this.view(tx, id);
      if (!before) throw notFound(email);
      await tx.execute(sql`
        UPDATE users SET name = coalesce(${patch.name ?? null}, name), is_active = coalesce(${patch.is_active ?? null}::boolean, is_active),
               updated_at = now()
         WHERE email = ${id}`);
      if (patch.is_active === false) {
        await tx.execute(
          sql`UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'deactivated' WHERE user_email = ${id} AND revoked_at IS NULL`,
        );
      }
      const after = (await this.view(tx, id))!;
      append(ctx, {
        action: 'user.updated',
        entityType: 'user',
        entityId: id,
        before,
        after,
        reason: patch.reason,
      });
      return after;
    });
  }

  /** Loads the user, applies `change` in the same transaction, and audits the before/after views. */
  private changeUser(
    email: string,
    action: string,
    reason: string | undefined,
    ctx: AuditContext,
    change: (tx: LabTx, id: string, before: UserView) => Promise<void>,
    audited: (view: UserView) => unknown = (v) => ({ roles: v.roles }),
  ): Promise<UserView> {
    const id = normalizeEmail(email);
    return this.uow.write(async (tx, append) => {
      const before = await this.view(tx, id);
      if (!before) throw notFound(email);
      await change(tx, id, before);
      const after = (await this.view(tx, id))!;
      append(ctx, {
        action,
        entityType: 'user',
        entityId: id,
        before: audited(before),
        after: audited(after),
        reason: reason ?? null,
      });
      return after;
    });
  }

  async addRole(
    email: string,
    role: string,
    reason: string | undefined,
    ctx: AuditContext,
  ): Promise<UserView> {
    if (!isRole(role)) {
      throw new HttpProblem(400, 'validation-error', 'Invalid request', `Unknown role ${role}`, [
        { field: 'body.role', message: `must be one of ${ROLES.join(', ')}` },
      ]);
    }
    return this.changeUser(email, 'user.role_added', reason, ctx, async (tx, id) => {
      await tx.execute(sql`
        INSERT INTO user_roles (user_email, role_id, assigned_by) SELECT ${id}, id, ${ctx.actor} FROM roles WHERE name = ${role}
        ON CONFLICT DO NOTHING`);
    });
  }

  async removeRole(
    email: string,
    role: string,
    reason: string | undefined,
    ctx: AuditContext,
  ): Promise<UserView> {
    return this.changeUser(email, 'user.role_removed', reason, ctx, async (tx, id, before) => {
      if (!before.roles.includes(role))
        throw new HttpProblem(404, 'not-found', 'Role not held', `${id} does not hold role ${role}`);
      await tx.execute(
        sql`DELETE FROM user_roles WHERE user_email = ${id} AND role_id = (SELECT id FROM roles WHERE name = ${role})`,
      );
    });
  }

  async unlock(email: string, reason: string | undefined, ctx: AuditContext): Promise<UserView> {
    return this.changeUser(
      email,
      'user.unlocked',
      reason,
      ctx,
      async (tx, id) => {
        await tx.execute(
          sql`UPDATE users SET locked_until = NULL, failed_login_attempts = 0 WHERE email = ${id}`,
        );
      },
      (v) => ({ locked: v.locked }),
    );
  }

  /**
   * Loss management (21 CFR 11.300(c)): a new random temporary password, shown once to the administrator,
   * that the user must change at the next login; optionally the MFA enrolment and recovery codes are
   * removed too. The lock is lifted and every session of the user ends. Audited with the reason; the
   * password never reaches the audit trail.
   */
  async resetCredentials(
    email: string,
    input: CredentialsReset,
    ctx: AuditContext,
  ): Promise<CredentialsResetResult> {
    const id = normalizeEmail(email);
    return this.uow.write(async (tx, append) => {
      const [current] = await queryRows<{ password_hash: string }>(
        tx,
        sql`SELECT password_hash FROM users WHERE email = ${id} FOR UPDATE`,
      );
      const before = current ? await this.view(tx, id) : undefined;
      if (!current || !before) throw notFound(email);
      const temporaryPassword = await this.setTemporaryPassword(tx, id, current.password_hash);
      if (input.reset_mfa) {
        await tx.execute(sql`
          UPDATE users SET mfa_enabled = false, mfa_secret = NULL, mfa_pending_secret = NULL, mfa_last_used_step = NULL
           WHERE email = ${id}`);
        await tx.execute(sql`DELETE FROM mfa_recovery_codes WHERE user_email = ${id}`);
      }
      await tx.execute(
        sql`UPDATE users SET locked_until = NULL, failed_login_attempts = 0, updated_at = now() WHERE email = ${id}`,
      );
      await tx.execute(
        sql`UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'credentials_reset' WHERE user_email = ${id} AND revoked_at IS NULL`,
      );
      const after = (await this.view(tx, id))!;
      const audited = (v: UserView) => ({
        mfa_enabled: v.mfa_enabled,
        locked: v.locked,
        password_change_required: v.password_change_required,
      });
      append(ctx, {
        action: 'user.credentials_reset',
        entityType: 'user',
        entityId: id,
        before: audited(before),
        after: { ...audited(after), password_reset: true, mfa_reset: input.reset_mfa, sessions_ended: true },
        reason: input.reason,
      });
      return { user: after, temporary_password: temporaryPassword };
    });
  }

  /** 120 random bits; drawn again in the unlikely case the policy refuses it (it contains the email's local part). */
  private async setTemporaryPassword(tx: LabTx, email: string, currentHash: string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const password = `Tmp-${randomBytes(15).toString('base64url')}`;
      try {
        await this.auth.setPassword(tx, email, password, currentHash, { setByAdministrator: true });
        return password;
      } catch (error) {
        if (!(error instanceof HttpProblem) || attempt >= 4) throw error;
      }
    }
  }

  async listRoles(): Promise<RoleList> {
    const rows = await this.uow.read((tx) =>
      queryRows<RoleList['items'][number]>(
        tx,
        sql`SELECT name, description, permissions, mfa_required FROM roles ORDER BY name`,
      ),
    );
    return { items: rows };
  }

  /** An admin can require MFA for a role: its holders cannot use the system until they enrol. */
  async setRoleMfaRequired(
    role: string,
    required: boolean,
    reason: string,
    ctx: AuditContext,
  ): Promise<RoleMfaPolicy> {
    return this.uow.write(async (tx, append) => {
      const [before] = await queryRows<{ mfa_required: boolean }>(
        tx,
        sql`SELECT mfa_required FROM roles WHERE name = ${role} FOR UPDATE`,
      );
      if (!before) throw new HttpProblem(404, 'not-found', 'Role not found', `No role ${role}`);
      await tx.execute(sql`UPDATE roles SET mfa_required = ${required} WHERE name = ${role}`);
      append(ctx, {
        action: 'role.mfa_policy_changed',
        entityType: 'role',
        entityId: role,
        before,
        after: { mfa_required: required },
        reason,
      });
      return { name: role, mfa_required: required };
    });
  }

  async count(): Promise<number> {
    const [row] = await this.uow.read((tx) =>
      queryRows<{ n: number }>(tx, sql`SELECT count(*)::int AS n FROM users`),
    );
    return row?.n ?? 0;
  }
}
