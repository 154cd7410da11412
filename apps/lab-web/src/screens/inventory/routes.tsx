// Inventory: items, lots, consumption and alerts, loaded when the area is first opened.
import { lazy, Suspense } from 'react';
import { Route } from 'react-router';

const InventoryScreen = lazy(() => import('./Inventory.tsx').then((m) => ({ default: m.InventoryScreen })));
const ItemDetailScreen = lazy(() => import('./Inventory.tsx').then((m) => ({ default: m.ItemDetailScreen })));
const fallback = <p className="muted">Loading…</p>;

export const inventoryRoutes = (
  <>
    <Route
      path="inventory"
      element={
        <Suspense fallback={fallback}>
          <InventoryScreen />
        </Suspense>
      }
    />
    <Route
      path="inventory/items/:itemCode"
      element={
        <Suspense fallback={fallback}>
          <ItemDetailScreen />
        </Suspense>
      }
    />
  </>
);
