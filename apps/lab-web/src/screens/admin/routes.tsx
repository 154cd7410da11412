// Administration: users, the MFA policy, organizations and labs. Loaded only when opened.
import { lazy, type ReactNode, Suspense } from 'react';
import { Route } from 'react-router';

const AdminLayout = lazy(() => import('./AdminLayout.tsx'));
const Users = lazy(() => import('./Users.tsx'));
const NewUser = lazy(() => import('./NewUser.tsx'));
const UserDetail = lazy(() => import('./UserDetail.tsx'));
const MfaPolicy = lazy(() => import('./MfaPolicy.tsx'));
const Sites = lazy(() => import('./Sites.tsx'));

const loading = (screen: ReactNode) => (
  <Suspense fallback={<p className="muted">Loading…</p>}>{screen}</Suspense>
);

export const adminRoutes = (
  <Route path="admin" element={loading(<AdminLayout />)}>
    <Route index element={loading(<Users />)} />
    <Route path="users/new" element={loading(<NewUser />)} />
    <Route path="users/:email" element={loading(<UserDetail />)} />
    <Route path="mfa-policy" element={loading(<MfaPolicy />)} />
    <Route path="sites" element={loading(<Sites />)} />
  </Route>
);
