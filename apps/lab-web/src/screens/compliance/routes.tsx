// Compliance: the audit-trail browser, chain verification, export, checkpoints, signatures, the signed review.
import { Route } from 'react-router';
import { NotBuiltYet } from '../../components/NotBuiltYet.tsx';

export const complianceRoutes = (
  <>
    <Route path="compliance" element={<NotBuiltYet title="compliance" />} />
  </>
);
