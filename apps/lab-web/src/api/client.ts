// The typed API client: paths, parameters and bodies come from the lab's own OpenAPI document
// (generated/lab.d.ts, written by `npm run generate`), so a changed route breaks the build, not a screen.
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './generated/lab.d.ts';

/** An RFC 9457 problem as the lab answers it; `errors` names the fields at fault on validation problems. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { field?: string; pointer?: string; message?: string }[];
}

export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
  /** The problem type's slug, e.g. `account-locked` from `.../problems/account-locked`. */
  get slug(): string {
    return this.problem.type?.split('/').pop() ?? '';
  }
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'title' in value && 'status' in value;
}

/** Throws the problem a failed call answered, or a generic one when the body is not a problem. */
export function failure(error: unknown, response: Response): ProblemError {
  if (isProblem(error)) return new ProblemError(error);
  return new ProblemError({ title: `Request failed (${response.status})`, status: response.status });
}

// The access token lives in this module's memory only: never localStorage or sessionStorage, where any
// script on the origin could read it. The refresh token is an HttpOnly cookie the page never sees; a
// reload gets a new access token from it (refreshSession, docs/ui.md).
let accessToken: string | null = null;
export const setAccessToken = (token: string | null) => {
  accessToken = token;
};

const bearer: Middleware = {
  onRequest({ request }) {
    if (accessToken) request.headers.set('authorization', `Bearer ${accessToken}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(bearer);

/** The lab's double-submit CSRF cookie, readable by this page only (SameSite=Strict, same origin). */
const CSRF_COOKIE = 'polymorph_csrf';

function csrfToken(): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [name, value] = part.trim().split('=');
    if (name === CSRF_COOKIE && value) return decodeURIComponent(value);
  }
  return undefined;
}

let refreshing: Promise<TokenAnswer> | null = null;
type TokenAnswer = Awaited<ReturnType<typeof refreshOnce>>;

async function refreshOnce(csrf: string) {
  return api.POST('/auth/refresh', { body: {}, headers: { 'x-csrf-token': csrf } });
}

/**
 * New tokens from the refresh cookie, or null when this browser holds no session (no CSRF cookie: no
 * request is made). One refresh at a time: the cookie rotates, so a second concurrent one would present
 * a spent token and end the session.
 */
export async function refreshSession() {
  const csrf = csrfToken();
  if (!csrf) return null;
  refreshing ??= refreshOnce(csrf).finally(() => {
    refreshing = null;
  });
  const { data, error, response } = await refreshing;
  if (data) return data;
  throw failure(error, response);
}
