// Workflows: definitions, version history with a diff, the editor, signed approve and activate.
import { Route } from 'react-router';
import { NotBuiltYet } from '../../components/NotBuiltYet.tsx';

export const workflowsRoutes = (
  <>
    <Route path="workflows" element={<NotBuiltYet title="workflows" />} />
  </>
);
