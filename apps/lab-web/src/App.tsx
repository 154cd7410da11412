import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, NavLink, Outlet, Route, Routes, useLocation } from 'react-router';
import { NoAccess } from './auth/NoAccess.tsx';
import { type Permission, restrictionPath, SessionProvider, useSession } from './auth/session.tsx';
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

// One entry per area; each area's screens live in screens/<area>/ and declare their routes there. Each
// names the permission its first screen's list needs on the server (the route's `config.permission`):
// the link is shown, and the area opened, only to a user whose roles grant it.
const NAVIGATION: readonly { to: string; label: string; permission: Permission | null }[] = [
  { to: '/', label: 'Dashboard', permission: null },
  { to: '/samples', label: 'Samples', permission: 'samples:read' },
  { to: '/projects', label: 'Projects', permission: 'projects:read' },
  { to: '/batches', label: 'Batches', permission: 'batches:read' },
  { to: '/containers', label: 'Containers', permission: 'containers:read' },
  { to: '/inventory', label: 'Inventory', permission: 'inventory:read' },
  { to: '/devices', label: 'Devices', permission: 'devices:read' },
  { to: '/workflows', label: 'Workflows', permission: 'workflows:read' },
  { to: '/runs', label: 'Runs', permission: 'runs:read' },
  { to: '/compliance', label: 'Compliance', permission: 'audit:read' },
  { to: '/admin', label: 'Administration', permission: 'users:read' },
];

/** The permission the area holding this path needs; null for the dashboard and the user's own account. */
function permissionFor(pathname: string): Permission | null {
  const area = NAVIGATION.find(
    (item) => item.to !== '/' && (pathname === item.to || pathname.startsWith(`${item.to}/`)),
  );
  return area?.permission ?? null;
}

function SignedInLayout() {
  const { user, signOut, can } = useSession();
  const { pathname } = useLocation();
  if (!user) return <Navigate to="/sign-in" replace />;
  // A restricted session may only lift its restriction (the API refuses everything else with 403).
  const forced = restrictionPath(user.restrictions);
  if (forced && pathname !== forced) return <Navigate to={forced} replace />;
  const needed = permissionFor(pathname);
  const allowed = (permission: Permission | null) => permission === null || can(permission);
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
            {NAVIGATION.filter((item) => allowed(item.permission)).map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.to === '/'}>
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        {/* Not mounted, the area's screens send no request the API would refuse. */}
        {allowed(needed) ? <Outlet /> : <NoAccess />}
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
