// Runs: start, the live view, pause, resume and abort, the report, signed review and approval.
import { Route } from 'react-router';
import { NotBuiltYet } from '../../components/NotBuiltYet.tsx';

export const runsRoutes = (
  <>
    <Route path="runs" element={<NotBuiltYet title="runs" />} />
  </>
);
