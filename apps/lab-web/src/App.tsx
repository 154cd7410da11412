import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, NavLink, Outlet, Route, Routes, useLocation } from 'react-router';
import { restrictionPath, SessionProvider, useSession } from './auth/session.tsx';
import { accountRoutes } from './screens/account/routes.tsx';
import { adminRoutes } from './screens/admin/routes.tsx';
import { complianceRoutes } from './screens/compliance/routes.tsx';
import { Dashboard } from './screens/Dashboard.tsx';
import { devicesRoutes } from './screens/devices/routes.tsx';
import { inventoryRoutes } from './screens/inventory/routes.tsx';
import { limsRoutes } from './screens/lims/routes.tsx';
import { runsRoutes } from './screens/runs/routes.tsx';
import { SignIn } from './screens/SignIn.tsx';
import { samplesRoutes } from './screens/samples/routes.tsx';
import { workflowsRoutes } from './screens/workflows/routes.tsx';

// A failed call is shown, not retried three times behind a spinner.
const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });

// One entry per area; each area's screens live in screens/<area>/ and declare their routes there.
const NAVIGATION = [
  { to: '/', label: 'Dashboard' },
  { to: '/samples', label: 'Samples' },
  { to: '/projects', label: 'Projects' },
  { to: '/batches', label: 'Batches' },
  { to: '/containers', label: 'Containers' },
  { to: '/inventory', label: 'Inventory' },
  { to: '/devices', label: 'Devices' },
  { to: '/workflows', label: 'Workflows' },
  { to: '/runs', label: 'Runs' },
  { to: '/compliance', label: 'Compliance' },
  { to: '/admin', label: 'Administration' },
] as const;

function SignedInLayout() {
  const { user, signOut } = useSession();
  const { pathname } = useLocation();
  if (!user) return <Navigate to="/sign-in" replace />;
  // A restricted session may only lift its restriction (the API refuses everything else with 403).
  const forced = restrictionPath(user.restrictions);
  if (forced && pathname !== forced) return <Navigate to={forced} replace />;
  return (
    <>
      <header className="top">
        <span>POLYMORPH-LITE</span>
        <span>
          <NavLink to="/account">{user.name}</NavLink>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </span>
      </header>
      <div className="shell">
        <nav aria-label="Main" className="side">
          <ul>
            {NAVIGATION.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.to === '/'}>
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <Outlet />
      </div>
    </>
  );
}

// Client paths must not start with /api/ or /auth/: the lab answers those itself (docs/ui.md).
export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <BrowserRouter>
          <Routes>
            <Route path="/sign-in" element={<SignIn />} />
            <Route element={<SignedInLayout />}>
              <Route index element={<Dashboard />} />
              {samplesRoutes}
              {limsRoutes}
              {inventoryRoutes}
              {devicesRoutes}
              {workflowsRoutes}
              {runsRoutes}
              {complianceRoutes}
              {adminRoutes}
              {accountRoutes}
            </Route>
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </BrowserRouter>
      </SessionProvider>
    </QueryClientProvider>
  );
}
