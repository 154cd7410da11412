// Projects, batches (release by signature) and containers, loaded when the area is first opened.
import { lazy, type ReactNode, Suspense } from 'react';
import { Route } from 'react-router';

const ProjectsScreen = lazy(() => import('./Projects.tsx').then((m) => ({ default: m.ProjectsScreen })));
const ProjectDetailScreen = lazy(() =>
  import('./Projects.tsx').then((m) => ({ default: m.ProjectDetailScreen })),
);
const BatchesScreen = lazy(() => import('./Batches.tsx').then((m) => ({ default: m.BatchesScreen })));
const BatchDetailScreen = lazy(() => import('./Batches.tsx').then((m) => ({ default: m.BatchDetailScreen })));
const ContainersScreen = lazy(() =>
  import('./Containers.tsx').then((m) => ({ default: m.ContainersScreen })),
);
const ContainerDetailScreen = lazy(() =>
  import('./Containers.tsx').then((m) => ({ default: m.ContainerDetailScreen })),
);

const loading = (screen: ReactNode) => (
  <Suspense fallback={<p className="muted">Loading…</p>}>{screen}</Suspense>
);

export const limsRoutes = (
  <>
    <Route path="projects" element={loading(<ProjectsScreen />)} />
    <Route path="projects/:projectId" element={loading(<ProjectDetailScreen />)} />
    <Route path="batches" element={loading(<BatchesScreen />)} />
    <Route path="batches/:batchId" element={loading(<BatchDetailScreen />)} />
    <Route path="containers" element={loading(<ContainersScreen />)} />
    <Route path="containers/:containerId" element={loading(<ContainerDetailScreen />)} />
  </>
);
