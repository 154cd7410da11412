// Inventory: items, lots, consumption and alerts.
import { Route } from 'react-router';
import { NotBuiltYet } from '../../components/NotBuiltYet.tsx';

export const inventoryRoutes = (
  <>
    <Route path="inventory" element={<NotBuiltYet title="inventory" />} />
  </>
);
