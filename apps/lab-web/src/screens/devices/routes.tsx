// Devices and calibration: due and overdue, certificates, device status.
import { Route } from 'react-router';
import { NotBuiltYet } from '../../components/NotBuiltYet.tsx';

export const devicesRoutes = (
  <>
    <Route path="devices" element={<NotBuiltYet title="devices" />} />
  </>
);
