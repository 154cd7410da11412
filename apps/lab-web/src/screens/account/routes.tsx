// The signed-in user's account: MFA enrolment and password change. Loaded only when opened.
import { lazy, type ReactNode, Suspense } from 'react';
import { Route } from 'react-router';

const Account = lazy(() => import('./Account.tsx'));
const ChangePassword = lazy(() => import('./ChangePassword.tsx'));
const MfaEnrolment = lazy(() => import('./MfaEnrolment.tsx'));

const loading = (screen: ReactNode) => (
  <Suspense fallback={<p className="muted">Loading…</p>}>{screen}</Suspense>
);

export const accountRoutes = (
  <>
    <Route path="account" element={loading(<Account />)} />
    <Route path="account/password" element={loading(<ChangePassword />)} />
    <Route path="account/mfa" element={loading(<MfaEnrolment />)} />
  </>
);
