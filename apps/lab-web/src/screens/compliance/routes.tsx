// Compliance: the audit-trail browser, chain verification, export, checkpoints, signatures, the signed review.
// Each screen is loaded when first opened, so the dashboard's initial JavaScript does not carry them.
import { lazy, type ReactNode, Suspense } from 'react';
import { Route } from 'react-router';

const ComplianceLayout = lazy(() => import('./ComplianceLayout.tsx'));
const AuditTrail = lazy(() => import('./AuditTrail.tsx'));
const ChainVerification = lazy(() => import('./ChainVerification.tsx'));
const Checkpoints = lazy(() => import('./Checkpoints.tsx'));
const Signatures = lazy(() => import('./Signatures.tsx'));
const Reviews = lazy(() => import('./Reviews.tsx'));

const later = (screen: ReactNode) => (
  <Suspense fallback={<p className="muted">Loading…</p>}>{screen}</Suspense>
);

export const complianceRoutes = (
  <Route path="compliance" element={later(<ComplianceLayout />)}>
    <Route index element={later(<AuditTrail />)} />
    <Route path="verify" element={later(<ChainVerification />)} />
    <Route path="checkpoints" element={later(<Checkpoints />)} />
    <Route path="signatures" element={later(<Signatures />)} />
    <Route path="reviews" element={later(<Reviews />)} />
  </Route>
);
