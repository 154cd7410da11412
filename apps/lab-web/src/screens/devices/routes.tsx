// Devices and calibration: due and overdue, certificates, device status; loaded when first opened.
import { lazy, Suspense } from 'react';
import { Route } from 'react-router';

const DevicesScreen = lazy(() => import('./Devices.tsx').then((m) => ({ default: m.DevicesScreen })));
const DeviceDetailScreen = lazy(() =>
  import('./Devices.tsx').then((m) => ({ default: m.DeviceDetailScreen })),
);
const fallback = <p className="muted">Loading…</p>;

export const devicesRoutes = (
  <>
    <Route
      path="devices"
      element={
        <Suspense fallback={fallback}>
          <DevicesScreen />
        </Suspense>
      }
    />
    <Route
      path="devices/:deviceId"
      element={
        <Suspense fallback={fallback}>
          <DeviceDetailScreen />
        </Suspense>
      }
    />
  </>
);
