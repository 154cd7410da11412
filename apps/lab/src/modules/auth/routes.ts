import rateLimit from '@fastify/rate-limit';
import { Type } from 'typebox';
import { HttpProblem } from '../../platform/http/problem.ts';
import { auditContext } from '../../platform/http/request-context.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import { loginThrottledDetail } from './login-throttle.ts';
import {
  CSRF_HEADER,
  clearSessionCookies,
  REFRESH_COOKIE,
  refreshTokenFromCookie,
  setSessionCookies,
} from './refresh-cookie.ts';
import {
  AuthTokens,
  CurrentUser,
  LoginBody,
  MfaConfirm,
  MfaDisable,
  MfaEnrollment,
  PasswordChange,
  RecoveryCodes,
  RefreshBody,
} from './schemas.ts';
import { type AuthService, currentUser } from './service.ts';

const tags = ['auth'];

/** A problem response whose description names this operation's problem types. */
const problem = (status: number, description: string) => {
  const response = problemResponses(status)[status]!;
  return { [status]: { ...response, description } };
};

/** Login, sessions, password change and MFA. Errors are problem+json (see docs/api/problems.md). */
export const authRoutes: LabRoutes<{ auth: AuthService }> = async (app, { auth }) => {
  // Per client address, counted in this process before the body is read: only routes that ask are limited.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(
        429,
        'rate-limited',
        'Too many requests',
        loginThrottledDetail(Math.ceil(context.ttl / 1000)),
      ),
  });

  app.post(
    '/auth/login',
    {
      config: {
        public: true,
        rateLimit: {
          max: auth.loginThrottle.perAddress,
          timeWindow: auth.loginThrottle.windowSeconds * 1000,
          onExceeded: () => auth.countThrottledLogin(),
        },
      },
      schema: {
        operationId: 'logIn',
        tags,
        summary: 'Log in with email and password (and mfa_code or recovery_code when MFA is enabled)',
        description:
          'Every credential failure answers the same `invalid-credentials` body, so an answer never tells whether the email exists; a locked account answers 423 only to its right password. Failures count towards the lockout. Attempts are throttled per client address and per email (whether or not an account has it): over the limit, 429 with `Retry-After`.',
        body: LoginBody,
        response: {
          200: AuthTokens,
          ...problem(
            401,
            'Wrong email, password or second factor (`invalid-credentials`), or MFA is enabled and no code was sent (`mfa-required`)',
          ),
          ...problem(
            423,
            'The right password for an account locked after too many failed attempts (`account-locked`)',
          ),
          ...problem(
            429,
            'Too many login attempts from this address or for this email (`rate-limited`); retry after `Retry-After` seconds',
          ),
        },
      },
    },
    async (request, reply) => {
      const { refresh_cookie, ...credentials } = request.body;
      const tokens = await auth.login(
        { ...credentials, user_agent: request.headers['user-agent'] },
        auditContext(request, credentials.email),
      );
      if (!refresh_cookie) return tokens;
      const { refresh_token, ...rest } = tokens;
      if (refresh_token) setSessionCookies(request, reply, refresh_token);
      return rest;
    },
  );

  app.post(
    '/auth/refresh',
    {
      config: { public: true },
      schema: {
        operationId: 'refreshTokens',
        tags,
        summary: 'Exchange a refresh token for new tokens (the old one stops working)',
        description: `A refresh token presented a second time means it leaked: the whole session is revoked. Without \`refresh_token\` in the body, the \`${REFRESH_COOKIE}\` cookie set by a login with \`refresh_cookie\` is used, and the \`${CSRF_HEADER}\` header must equal the CSRF cookie; the new token is set as the cookie again, not returned.`,
        body: RefreshBody,
        response: {
          200: AuthTokens,
          ...problem(
            401,
            'The refresh token is unknown, expired or revoked, or there is none (`invalid-refresh-token`); a refused cookie is cleared',
          ),
          ...problem(403, 'The refresh cookie came without the matching CSRF header (`forbidden`)'),
        },
      },
    },
    async (request, reply) => {
      if (request.body.refresh_token) return auth.refresh(request.body.refresh_token, auditContext(request));
      const fromCookie = refreshTokenFromCookie(request);
      try {
        const { refresh_token, ...rest } = await auth.refresh(fromCookie ?? '', auditContext(request));
        if (refresh_token) setSessionCookies(request, reply, refresh_token);
        return rest;
      } catch (error) {
        // A dead cookie is dropped, so the next page load does not try it again.
        if (fromCookie) clearSessionCookies(request, reply);
        throw error;
      }
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { authenticated: true, allowWhenRestricted: true },
      schema: {
        operationId: 'logOut',
        tags,
        summary: 'End this session',
        description: 'Also clears the refresh and CSRF cookies a browser login set.',
        response: { 204: Type.Null({ description: 'Session ended; its refresh token no longer works' }) },
      },
    },
    async (request, reply) => {
      await auth.logout(request.principal!.sessionId, auditContext(request));
      clearSessionCookies(request, reply);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      config: { authenticated: true, allowWhenRestricted: true },
      schema: {
        operationId: 'getCurrentUser',
        tags,
        summary:
          'Who am I: email, name, roles, their permissions, and restrictions (MFA enrolment or password change due)',
        response: { 200: CurrentUser },
      },
    },
    async (request) => {
      const { email, name, roles, restrictions } = request.principal!;
      return currentUser({ email, name, roles, restrictions });
    },
  );

  app.post(
    '/auth/password',
    {
      config: { authenticated: true, allowWhenRestricted: true },
      schema: {
        operationId: 'changePassword',
        tags,
        summary: 'Change your password; ends your other sessions',
        description:
          'A wrong current password answers 401 `invalid-credentials` and counts towards the lockout; a new password that breaks the policy or repeats a recent one answers 400 `password-policy`.',
        body: PasswordChange,
        response: { 204: Type.Null({ description: 'Password changed; your other sessions ended' }) },
      },
    },
    async (request, reply) => {
      const { email, sessionId } = request.principal!;
      await auth.changePassword(email, sessionId, request.body, auditContext(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/mfa/enroll',
    {
      config: { authenticated: true, allowWhenRestricted: true },
      schema: {
        operationId: 'startMfaEnrollment',
        tags,
        summary: 'Start TOTP enrolment: returns the otpauth:// URI and a QR code (PNG data URL)',
        response: {
          200: MfaEnrollment,
          ...problem(409, 'MFA is already enabled: disable it first (`mfa-already-enabled`)'),
        },
      },
    },
    async (request) => auth.startMfaEnrollment(request.principal!.email, auditContext(request)),
  );

  app.post(
    '/auth/mfa/confirm',
    {
      config: { authenticated: true, allowWhenRestricted: true },
      schema: {
        operationId: 'confirmMfaEnrollment',
        tags,
        summary: 'Confirm enrolment with a current code; returns 10 single-use recovery codes, shown once',
        description: 'A code that does not match the enrolled secret answers 400 `invalid-mfa-code`.',
        body: MfaConfirm,
        response: {
          200: RecoveryCodes,
          ...problem(409, 'No enrolment in progress: call POST /auth/mfa/enroll first (`mfa-not-enrolling`)'),
        },
      },
    },
    async (request) => auth.confirmMfa(request.principal!.email, request.body.code, auditContext(request)),
  );

  app.post(
    '/auth/mfa/disable',
    {
      config: { authenticated: true },
      schema: {
        operationId: 'disableMfa',
        tags,
        summary: 'Disable MFA; requires the password and a current code',
        description: 'Wrong credentials answer 401 `invalid-credentials` and count towards the lockout.',
        body: MfaDisable,
        response: {
          204: Type.Null({ description: 'MFA disabled; the recovery codes are deleted' }),
          ...problem(409, 'MFA is not enabled (`mfa-not-enabled`)'),
          ...problem(423, 'Too many failed attempts: the account is locked (`account-locked`)'),
        },
      },
    },
    async (request, reply) => {
      await auth.disableMfa(request.principal!.email, request.body, auditContext(request));
      return reply.code(204).send(null);
    },
  );
};
