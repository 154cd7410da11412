import { sql } from 'drizzle-orm';
import { type LabDb, queryRows } from '../../db/client.ts';
import type { LimsGaugeSource } from '../../platform/lab-metrics.ts';

/** Days ahead that count as "expiring" for the gauge (the alert endpoint takes its own `days`). */
export const EXPIRING_WINDOW_DAYS = 30;

const count = async (db: LabDb, query: ReturnType<typeof sql>) =>
  (await queryRows<{ n: number }>(db, query))[0]?.n ?? 0;

/** The LIMS gauges' counts: three small indexed queries per scrape, no labels, no ids. */
export function limsGaugeSource(db: LabDb): LimsGaugeSource {
  return {
    lowStockItems: () =>
      count(db, sql`SELECT count(*)::int AS n FROM inventory_items WHERE current_stock < reorder_point`),
    expiringLots: () =>
      count(
        db,
        sql`SELECT count(*)::int AS n FROM stock_lots
             WHERE status = 'available' AND quantity_remaining > 0
               AND expiration_date >= current_date AND expiration_date <= current_date + ${EXPIRING_WINDOW_DAYS}::int`,
      ),
    overdueCalibrations: () =>
      count(db, sql`SELECT count(*)::int AS n FROM device_status WHERE next_calibration_due < current_date`),
  };
}
