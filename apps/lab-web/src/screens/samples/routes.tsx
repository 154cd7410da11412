// Samples: the searchable table, detail with lineage, history and signatures, create, import, split, move, status.
import { Route } from 'react-router';
import { NotBuiltYet } from '../../components/NotBuiltYet.tsx';

export const samplesRoutes = (
  <>
    <Route path="samples" element={<NotBuiltYet title="samples" />} />
  </>
);
