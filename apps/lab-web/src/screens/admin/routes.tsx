// Administration: users, the MFA policy, organizations and labs.
import { Route } from 'react-router';
import { NotBuiltYet } from '../../components/NotBuiltYet.tsx';

export const adminRoutes = (
  <>
    <Route path="admin" element={<NotBuiltYet title="admin" />} />
  </>
);
