// The signed-in user's account: MFA enrolment and password change.
import { Route } from 'react-router';
import { NotBuiltYet } from '../../components/NotBuiltYet.tsx';

export const accountRoutes = (
  <>
    <Route path="account" element={<NotBuiltYet title="account" />} />
  </>
);
