// Who is signed in, held in React state and the API client's memory only (see api/client.ts). The
// session survives a reload through the HttpOnly refresh cookie, is refreshed before the access token
// expires, and ends after the lab's idle timeout without keyboard or pointer activity.
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { api, failure, refreshSession, setAccessToken } from '../api/client.ts';
import type { components } from '../api/generated/lab.d.ts';

export type AuthTokens = components['schemas']['AuthTokens'];
export type SignedInUser = AuthTokens['user'];
export type Restriction = SignedInUser['restrictions'][number];
/** `resource:action`, as the lab's role matrix grants them (the server sends the user's own). */
export type Permission = SignedInUser['permissions'][number];

/** Why the last session ended without the user signing out, said on the sign-in screen. */
export type EndedBecause = 'idle' | 'expired';

interface Session {
  user: SignedInUser | null;
  endedBecause: EndedBecause | null;
  idleTimeoutSeconds: number | null;
  signIn(tokens: AuthTokens): void;
  signOut(because?: EndedBecause): Promise<void>;
  /** Reads the user again (restrictions change after a password change or MFA enrolment). */
  reloadUser(): Promise<void>;
  /**
   * Whether the user's roles grant this permission, for hiding what the API would refuse. The server
   * checks every request regardless: this only spares the user screens and cards they cannot use.
   */
  can(permission: Permission): boolean;
}

const SessionContext = createContext<Session | null>(null);

/** Where a restricted user must go: only the account screens lift a restriction. */
export function restrictionPath(restrictions: readonly Restriction[]): string | null {
  if (restrictions.includes('password_expired') || restrictions.includes('password_change_required'))
    return '/account/password';
  if (restrictions.includes('mfa_enrollment_required')) return '/account/mfa';
  return null;
}

const ACTIVITY = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;

/**
 * The UI signs out a little before the server would (a quarter of the timeout, at most a minute), so
 * the sign-out still reaches a live session and ends it there too, rather than failing on one the
 * server already ended (the server records activity at most every half timeout, up to a minute).
 */
export function idleSignOutMs(idleTimeoutSeconds: number): number {
  return (idleTimeoutSeconds - Math.min(60, idleTimeoutSeconds / 4)) * 1000;
}

function useIdleTimeout(active: boolean, idleTimeoutSeconds: number | null, onIdle: () => void) {
  useEffect(() => {
    if (!active || idleTimeoutSeconds === null) return;
    const limit = idleSignOutMs(idleTimeoutSeconds);
    let last = Date.now();
    let timer: ReturnType<typeof setTimeout>;
    const check = () => {
      const quiet = Date.now() - last;
      if (quiet >= limit) onIdle();
      else timer = setTimeout(check, limit - quiet);
    };
    const touch = () => {
      last = Date.now();
    };
    timer = setTimeout(check, limit);
    for (const event of ACTIVITY) window.addEventListener(event, touch, { passive: true });
    return () => {
      clearTimeout(timer);
      for (const event of ACTIVITY) window.removeEventListener(event, touch);
    };
  }, [active, idleTimeoutSeconds, onIdle]);
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<SignedInUser | null>(null);
  const [restoring, setRestoring] = useState(true);
  const [endedBecause, setEndedBecause] = useState<EndedBecause | null>(null);
  const [idleTimeoutSeconds, setIdleTimeoutSeconds] = useState<number | null>(null);
  const refreshTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  const end = useCallback((because: EndedBecause | null) => {
    clearTimeout(refreshTimer.current);
    setAccessToken(null);
    setUser(null);
    setEndedBecause(because);
  }, []);

  const signIn = useCallback(
    (tokens: AuthTokens) => {
      setAccessToken(tokens.access_token);
      setUser(tokens.user);
      setEndedBecause(null);
      setIdleTimeoutSeconds(tokens.idle_timeout_seconds);
      // A new access token a minute before this one expires, from the refresh cookie.
      clearTimeout(refreshTimer.current);
      refreshTimer.current = setTimeout(
        () => {
          refreshSession().then(
            (next) => (next ? signIn(next) : end('expired')),
            () => end('expired'),
          );
        },
        Math.max(tokens.expires_in - 60, 10) * 1000,
      );
    },
    [end],
  );

  const signOut = useCallback(
    async (because?: EndedBecause) => {
      const { error, response } = await api.POST('/auth/logout');
      end(because ?? null);
      // The session ends locally either way; a server that refused is reported, not hidden.
      if (error !== undefined && response.status !== 401) throw failure(error, response);
    },
    [end],
  );

  const reloadUser = useCallback(async () => {
    const { data, error, response } = await api.GET('/auth/me');
    if (!data) throw failure(error, response);
    setUser(data);
  }, []);

  // A reload: the refresh cookie, if this browser has one, brings the session back.
  useEffect(() => {
    refreshSession()
      .then((tokens) => tokens && signIn(tokens))
      .catch(() => setEndedBecause('expired'))
      .finally(() => setRestoring(false));
    return () => clearTimeout(refreshTimer.current);
  }, [signIn]);

  const onIdle = useCallback(() => void signOut('idle'), [signOut]);
  useIdleTimeout(user !== null, idleTimeoutSeconds, onIdle);

  const can = useCallback(
    (permission: Permission) => user?.permissions.includes(permission) === true,
    [user],
  );

  const value = useMemo(
    () => ({ user, endedBecause, idleTimeoutSeconds, signIn, signOut, reloadUser, can }),
    [user, endedBecause, idleTimeoutSeconds, signIn, signOut, reloadUser, can],
  );
  if (restoring) return <p className="muted">Loading…</p>;
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
