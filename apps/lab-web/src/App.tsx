import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { SessionProvider, useSession } from './auth/session.tsx';
import { Dashboard } from './screens/Dashboard.tsx';
import { SignIn } from './screens/SignIn.tsx';

// A failed call is shown, not retried three times behind a spinner.
const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });

function RequireSignIn({ children }: { children: ReactNode }) {
  const { user } = useSession();
  return user ? children : <Navigate to="/sign-in" replace />;
}

function Header() {
  const { user, signOut } = useSession();
  if (!user) return null;
  return (
    <header className="top">
      <span>POLYMORPH-LITE</span>
      <button type="button" onClick={() => void signOut()}>
        Sign out
      </button>
    </header>
  );
}

// Client paths must not start with /api/ or /auth/: the lab answers those itself (docs/ui.md).
export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <BrowserRouter>
          <Header />
          <Routes>
            <Route path="/sign-in" element={<SignIn />} />
            <Route
              path="/"
              element={
                <RequireSignIn>
                  <Dashboard />
                </RequireSignIn>
              }
            />
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </BrowserRouter>
      </SessionProvider>
    </QueryClientProvider>
  );
}
