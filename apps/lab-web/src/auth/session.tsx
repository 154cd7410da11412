// Who is signed in, held in React state and the API client's memory only (see api/client.ts).
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { api, failure, setAccessToken } from '../api/client.ts';
import type { components } from '../api/generated/lab.d.ts';

export type AuthTokens = components['schemas']['AuthTokens'];
export type SignedInUser = AuthTokens['user'];

interface Session {
  user: SignedInUser | null;
  signIn(tokens: AuthTokens): void;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<SignedInUser | null>(null);
  const signIn = useCallback((tokens: AuthTokens) => {
    setAccessToken(tokens.access_token);
    setUser(tokens.user);
  }, []);
  const signOut = useCallback(async () => {
    const { error, response } = await api.POST('/auth/logout');
    setAccessToken(null);
    setUser(null);
    // The session ends locally either way; a server that refused is reported, not hidden.
    if (error !== undefined && response.status !== 401) throw failure(error, response);
  }, []);
  const value = useMemo(() => ({ user, signIn, signOut }), [user, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
