// Workflows: definitions, version history with a diff, the editor, signed approve and activate.
// Screens load lazily, so their code loads only when this area is opened.
import { lazy, type ReactNode, Suspense } from 'react';
import { Route } from 'react-router';

const WorkflowList = lazy(() => import('./WorkflowList.tsx'));
const WorkflowDetail = lazy(() => import('./WorkflowDetail.tsx'));
const WorkflowEditor = lazy(() => import('./WorkflowEditor.tsx'));

const loading = (screen: ReactNode) => (
  <Suspense fallback={<p className="muted">Loading…</p>}>{screen}</Suspense>
);

export const workflowsRoutes = (
  <>
    <Route path="workflows" element={loading(<WorkflowList />)} />
    <Route path="workflows/new" element={loading(<WorkflowEditor />)} />
    <Route path="workflows/:name" element={loading(<WorkflowDetail />)} />
    <Route path="workflows/:name/new-version" element={loading(<WorkflowEditor />)} />
  </>
);
