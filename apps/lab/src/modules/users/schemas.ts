import { type Static, Type } from 'typebox';
import { ROLES } from '../../platform/access/permissions.ts';
import { literalUnion, NullableString, Reason, Timestamp } from '../../platform/http/common-schemas.ts';

/** A union of string literals typed as such (Type.Union over a mapped array is typed `never`). */
const RoleName = literalUnion(ROLES, { description: 'A role of the permission matrix (GET /api/roles)' });

export const UserView = Type.Object(
  {
    email: Type.String(),
    name: Type.String(),
    is_active: Type.Boolean({ description: 'False once deactivated; users are never deleted' }),
    mfa_enabled: Type.Boolean(),
    locked: Type.Boolean({ description: 'Locked out after too many failed attempts' }),
    password_change_required: Type.Boolean({
      description:
        'An administrator set the password (creation, reset): until the user changes it, only POST /auth/password answers',
    }),
    roles: Type.Array(Type.String()),
    last_login_at: Type.Union([Timestamp, Type.Null()]),
    created_at: Timestamp,
  },
  { title: 'User', additionalProperties: false },
);
export type UserView = Static<typeof UserView>;

export const UserParams = Type.Object({ email: Type.String({ maxLength: 254 }) });

export const UserCreate = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.String({
      minLength: 1,
      maxLength: 1024,
      description:
        'The initial password; the password policy applies, and the user must change it at first login',
    }),
    roles: Type.Array(RoleName, { maxItems: 4, default: [] }),
  },
  {
    additionalProperties: false,
    examples: [
      {
        email: 'rosalind.franklin@lab.example',
        name: 'Rosalind Franklin',
        password: 'Xray-Diffraction-51',
        roles: ['scientist'],
      },
    ],
  },
);
export type UserCreate = Static<typeof UserCreate>;

export const UserQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 254, description: 'The last email of the previous page' })),
  active: Type.Optional(Type.Boolean()),
});
export type UserQuery = Static<typeof UserQuery>;

export const UserList = Type.Object(
  {
    items: Type.Array(UserView),
    next_cursor: NullableString({ description: 'Pass as cursor for the next page; null on the last one' }),
  },
  { additionalProperties: false },
);
export type UserList = Static<typeof UserList>;

export const UserUpdate = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    is_active: Type.Optional(Type.Boolean()),
    reason: Reason,
  },
  {
    additionalProperties: false,
    examples: [{ is_active: false, reason: 'Left the company on 2026-03-31' }],
  },
);
export type UserUpdate = Static<typeof UserUpdate>;

export const RoleGrant = Type.Object(
  { role: Type.String({ maxLength: 50 }), reason: Type.Optional(Reason) },
  {
    additionalProperties: false,
    examples: [{ role: 'compliance', reason: 'Trained on audit trail review SOP-QA-012' }],
  },
);

export const UserRoleParams = Type.Object({
  email: Type.String({ maxLength: 254 }),
  role: Type.String({ maxLength: 50 }),
});

export const OptionalReasonQuery = Type.Object({ reason: Type.Optional(Reason) });

/** Fastify requires a body wherever a body schema is declared: send {} to unlock without a reason. */
export const UnlockBody = Type.Object(
  { reason: Type.Optional(Reason) },
  { additionalProperties: false, examples: [{ reason: 'Identity confirmed by phone' }] },
);

export const RoleView = Type.Object(
  {
    name: Type.String(),
    description: Type.String(),
    permissions: Type.Array(Type.String({ description: 'resource:action' })),
    mfa_required: Type.Boolean({ description: 'Holders must enrol MFA before anything else' }),
  },
  { additionalProperties: false },
);
export type RoleView = Static<typeof RoleView>;

export const RoleList = Type.Object({ items: Type.Array(RoleView) }, { additionalProperties: false });
export type RoleList = Static<typeof RoleList>;

export const RoleParams = Type.Object({ role: RoleName });

export const RoleMfaPolicyUpdate = Type.Object(
  { mfa_required: Type.Boolean(), reason: Reason },
  {
    additionalProperties: false,
    examples: [{ mfa_required: true, reason: 'QA policy: approvers sign with two factors' }],
  },
);

export const RoleMfaPolicy = Type.Object(
  { name: Type.String(), mfa_required: Type.Boolean() },
  { additionalProperties: false },
);
export type RoleMfaPolicy = Static<typeof RoleMfaPolicy>;

export const CredentialsReset = Type.Object(
  {
    reason: Reason,
    reset_mfa: Type.Boolean({
      default: true,
      description: 'Also remove the MFA enrolment and recovery codes (a lost authenticator)',
    }),
  },
  {
    additionalProperties: false,
    examples: [
      { reason: 'Authenticator phone lost; identity confirmed in person (SOP-IT-007)', reset_mfa: true },
    ],
  },
);
export type CredentialsReset = Static<typeof CredentialsReset>;

export const CredentialsResetResult = Type.Object(
  {
    user: UserView,
    temporary_password: Type.String({
      description:
        'Shown only this once: hand it to the user in person or by a second channel; it must be changed at the next login',
    }),
  },
  { additionalProperties: false },
);
export type CredentialsResetResult = Static<typeof CredentialsResetResult>;
