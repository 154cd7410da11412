import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { auditContext } from '../../platform/http/request-context.ts';
import type { AuthService } from './service.ts';

const Email = Type.String({ format: 'email', maxLength: 254 });
const Password = Type.String({ minLength: 1, maxLength: 1024 });
const TotpCode = Type.String({ pattern: '^[0-9 ]{6,8}$' });

const TokenResponse = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer(),
  user: Type.Object({ email: Type.String(), name: Type.String(), roles: Type.Array(Type.String()) }),
});

const tags = ['auth'];

/** Login, sessions, password change and MFA. Errors are problem+json (see docs/api/problems.md). */
export async function authRoutes(app: FastifyInstance, opts: { auth: AuthService }) {
  const { auth } = opts;

  app.post(
    '/auth/login',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Log in with email and password (and mfa_code or recovery_code when MFA is enabled)',
        body: Type.Object(
          {
            email: Email,
            password: Password,
            mfa_code: Type.Optional(TotpCode),
            recovery_code: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: TokenResponse },
      },
    },
    async (request) => {
      const body = request.body as {
        email: string;
        password: string;
        mfa_code?: string;
        recovery_code?: string;
      };
      return auth.login(
        { ...body, user_agent: request.headers['user-agent'] },
        auditContext(request, body.email),
      );
    },
  );

  app.post(
    '/auth/refresh',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Exchange a refresh token for new tokens (the old one stops working)',
        body: Type.Object(
          { refresh_token: Type.String({ minLength: 1, maxLength: 512 }) },
          { additionalProperties: false },
        ),
        response: { 200: TokenResponse },
      },
    },
    async (request) =>
      auth.refresh((request.body as { refresh_token: string }).refresh_token, auditContext(request)),
  );

  app.post(
    '/auth/logout',
    {
      config: { authenticated: true, allowWhenRestricted: true },
      schema: { tags, summary: 'End this session' },
    },
    async (request, reply) => {
      await auth.logout(request.principal!.sessionId, auditContext(request));
      return reply.code(204).send();
    },
  );

  app.get(
    '/auth/me',
    {
      config: { authenticated: true, allowWhenRestricted: true },
      schema: {
        tags,
        summary: 'Who am I: email, name, roles, and restrictions (MFA enrolment or password change due)',
        response: {
          200: Type.Object({
            email: Type.String(),
            name: Type.String(),
            roles: Type.Array(Type.String()),
            restrictions: Type.Array(Type.String()),
          }),
        },
      },
    },
    async (request) => {
      const { email, name, roles, restrictions } = request.principal!;
      return { email, name, roles, restrictions };
    },
  );

  app.post(
    '/auth/password',
    {
      config: { authenticated: true, allowWhenRestricted: true },
      schema: {
        tags,
        summary: 'Change your password; ends your other sessions',
        body: Type.Object(
          { current_password: Password, new_password: Type.String({ minLength: 1, maxLength: 1024 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { email, sessionId } = request.principal!;
      await auth.changePassword(
        email,
        sessionId,
        request.body as { current_password: string; new_password: string },
        auditContext(request),
      );
      return reply.code(204).send();
    },
  );

  app.post(
    '/auth/mfa/enroll',
    {
      config: { authenticated: true, allowWhenRestricted: true },
      schema: {
        tags,
        summary: 'Start TOTP enrolment: returns the otpauth:// URI and a QR code (PNG data URL)',
        response: { 200: Type.Object({ otpauth_uri: Type.String(), qr_code: Type.String() }) },
      },
    },
    async (request) => auth.startMfaEnrollment(request.principal!.email, auditContext(request)),
  );

  app.post(
    '/auth/mfa/confirm',
    {
      config: { authenticated: true, allowWhenRestricted: true },
      schema: {
        tags,
        summary: 'Confirm enrolment with a current code; returns 10 single-use recovery codes, shown once',
        body: Type.Object({ code: TotpCode }, { additionalProperties: false }),
        response: { 200: Type.Object({ recovery_codes: Type.Array(Type.String()) }) },
      },
    },
    async (request) =>
      auth.confirmMfa(
        request.principal!.email,
        (request.body as { code: string }).code,
        auditContext(request),
      ),
  );

  app.post(
    '/auth/mfa/disable',
    {
      config: { authenticated: true },
      schema: {
        tags,
        summary: 'Disable MFA; requires the password and a current code',
        body: Type.Object({ password: Password, mfa_code: TotpCode }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      await auth.disableMfa(
        request.principal!.email,
        request.body as { password: string; mfa_code: string },
        auditContext(request),
      );
      return reply.code(204).send();
    },
  );
}
