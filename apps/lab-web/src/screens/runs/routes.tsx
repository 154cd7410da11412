// Runs: start, the live view, pause, resume and abort, the report, signed review and approval.
// Screens load lazily, so uPlot and this area's code load only when it is opened.
import { lazy, type ReactNode, Suspense } from 'react';
import { Route } from 'react-router';

const RunList = lazy(() => import('./RunList.tsx'));
const StartRun = lazy(() => import('./StartRun.tsx'));
const RunLive = lazy(() => import('./RunLive.tsx'));

const loading = (screen: ReactNode) => (
  <Suspense fallback={<p className="muted">Loading…</p>}>{screen}</Suspense>
);

export const runsRoutes = (
  <>
    <Route path="runs" element={loading(<RunList />)} />
    <Route path="runs/new" element={loading(<StartRun />)} />
    <Route path="runs/:runId" element={loading(<RunLive />)} />
  </>
);
