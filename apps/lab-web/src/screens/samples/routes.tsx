// Samples: the searchable table, detail with lineage, history and signatures, create, import, split, move, status.
// Loaded lazily, so the table's code and Radix arrive only when Samples is opened.
import { lazy, type ReactNode, Suspense } from 'react';
import { Route } from 'react-router';

const SamplesList = lazy(() => import('./SamplesList.tsx').then((m) => ({ default: m.SamplesList })));
const SampleDetail = lazy(() => import('./SampleDetail.tsx').then((m) => ({ default: m.SampleDetail })));
const SampleCreate = lazy(() => import('./SampleCreate.tsx').then((m) => ({ default: m.SampleCreate })));
const SampleImport = lazy(() => import('./SampleImport.tsx').then((m) => ({ default: m.SampleImport })));

const loading = (screen: ReactNode) => (
  <Suspense fallback={<p className="muted">Loading…</p>}>{screen}</Suspense>
);

export const samplesRoutes = (
  <>
    <Route path="samples" element={loading(<SamplesList />)} />
    <Route path="samples/new" element={loading(<SampleCreate />)} />
    <Route path="samples/import" element={loading(<SampleImport />)} />
    <Route path="samples/:sampleId" element={loading(<SampleDetail />)} />
  </>
);
