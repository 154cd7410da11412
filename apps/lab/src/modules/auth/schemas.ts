import { type Static, Type } from 'typebox';
import { ALL_PERMISSIONS } from '../../platform/access/permissions.ts';

export const Email = Type.String({ format: 'email', maxLength: 254 });
const Password = Type.String({ minLength: 1, maxLength: 1024 });
const TotpCode = Type.String({ pattern: '^[0-9 ]{6,8}$', description: 'The current 6-digit TOTP code' });

export const LoginBody = Type.Object(
  {
    email: Email,
    password: Password,
    mfa_code: Type.Optional(TotpCode),
    recovery_code: Type.Optional(
      Type.String({ maxLength: 64, description: 'A single-use recovery code, instead of mfa_code' }),
    ),
    refresh_cookie: Type.Optional(
      Type.Boolean({
        description:
          'For browsers: true sets the refresh token as an HttpOnly cookie (and a CSRF cookie) instead of returning it in the body',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ email: 'ada.lovelace@lab.example', password: 'Crystal-Form-II-2026', mfa_code: '492039' }],
  },
);
/** The login body, plus the client's user agent recorded on the session. */
export type LoginInput = Omit<Static<typeof LoginBody>, 'refresh_cookie'> & {
  user_agent?: string | undefined;
};

export const RefreshBody = Type.Object(
  {
    refresh_token: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 512,
        description:
          'Absent: the refresh cookie is used, with the x-csrf-token header equal to the CSRF cookie',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ refresh_token: 'rt_3q2KfZ0m9xYb7T1wLhV8cN4sPjR6dA5e' }],
  },
);

const Restrictions = Type.Array(
  Type.Union([
    Type.Literal('mfa_enrollment_required'),
    Type.Literal('password_expired'),
    Type.Literal('password_change_required'),
  ]),
  {
    description:
      'Non-empty: only the routes that lift the restriction are open (enrol MFA; change a password that expired or that an administrator set)',
  },
);

const Permissions = Type.Array(Type.Enum(ALL_PERMISSIONS), {
  description:
    'What the roles grant (`resource:action`, sorted): a client shows only what these allow; the server still checks every request',
});

/** The signed-in user, as login, refresh and GET /auth/me return them. */
export const CurrentUser = Type.Object(
  {
    email: Type.String(),
    name: Type.String(),
    roles: Type.Array(Type.String()),
    restrictions: Restrictions,
    permissions: Permissions,
  },
  { title: 'CurrentUser', additionalProperties: false },
);
export type CurrentUser = Static<typeof CurrentUser>;

export const AuthTokens = Type.Object(
  {
    access_token: Type.String({ description: 'JWT; send it as Authorization: Bearer <access_token>' }),
    refresh_token: Type.Optional(
      Type.String({
        description:
          'Single use: POST /auth/refresh returns a new one. Absent when it was set as the HttpOnly cookie instead',
      }),
    ),
    token_type: Type.Literal('bearer'),
    expires_in: Type.Integer({ minimum: 1, description: 'Seconds until the access token expires' }),
    idle_timeout_seconds: Type.Integer({
      minimum: 60,
      description: 'The session ends after this long without a request (POLYMORPH_SESSION_IDLE_MINUTES)',
    }),
    user: CurrentUser,
  },
  { title: 'AuthTokens', additionalProperties: false },
);
export type AuthTokens = Static<typeof AuthTokens>;

export const PasswordChange = Type.Object(
  { current_password: Password, new_password: Type.String({ minLength: 1, maxLength: 1024 }) },
  {
    additionalProperties: false,
    examples: [{ current_password: 'Crystal-Form-II-2026', new_password: 'Polymorph-Screen-Q3-2026' }],
  },
);
export type PasswordChange = Static<typeof PasswordChange>;

export const MfaEnrollment = Type.Object(
  {
    otpauth_uri: Type.String({ description: 'otpauth://totp/... for an authenticator app' }),
    qr_code: Type.String({ description: 'The same URI as a QR code, a PNG data URL' }),
  },
  { additionalProperties: false },
);
export type MfaEnrollment = Static<typeof MfaEnrollment>;

export const MfaConfirm = Type.Object(
  { code: TotpCode },
  { additionalProperties: false, examples: [{ code: '492039' }] },
);

export const RecoveryCodes = Type.Object(
  { recovery_codes: Type.Array(Type.String(), { description: 'Single use; shown only this once' }) },
  { additionalProperties: false },
);
export type RecoveryCodes = Static<typeof RecoveryCodes>;

export const MfaDisable = Type.Object(
  { password: Password, mfa_code: TotpCode },
  {
    additionalProperties: false,
    examples: [{ password: 'Crystal-Form-II-2026', mfa_code: '492039' }],
  },
);
export type MfaDisable = Static<typeof MfaDisable>;
