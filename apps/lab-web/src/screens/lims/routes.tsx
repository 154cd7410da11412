// Projects, batches (release by signature) and containers.
import { Route } from 'react-router';
import { NotBuiltYet } from '../../components/NotBuiltYet.tsx';

export const limsRoutes = (
  <>
    <Route path="projects" element={<NotBuiltYet title="projects" />} />
    <Route path="batches" element={<NotBuiltYet title="batches" />} />
    <Route path="containers" element={<NotBuiltYet title="containers" />} />
  </>
);
