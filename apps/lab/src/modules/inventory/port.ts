// What sibling modules may use of inventory: the runs module checks, in the transaction that starts a
// run, that every stock lot the run names can be used (not expired, quarantined or depleted).
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { type Caller, visibleTo } from '../../platform/access/lab-scope.ts';
import { catalogueProblem, type FieldError } from '../../platform/http/problem.ts';

type Tx = Pick<LabTx, 'execute'>;

/** A lot as a run records it: its number and the item it is of. */
export interface RunLot {
  lot_number: string;
  item_code: string;
  expiration_date: string | null;
}

/**
 * Reads the lots FOR SHARE (a status change waits for the run's start to commit). A lot that is not
 * visible to the caller is a field error under `field` (the caller answers 400); an expired, quarantined
 * or depleted lot is 409 `lot-expired` / `lot-quarantined` / `lot-depleted`, judged by the database's
 * date as the inventory module judges it.
 */
export async function checkRunLots(
  tx: Tx,
  caller: Caller,
  lotNumbers: readonly string[],
  field: string,
  errors: FieldError[],
): Promise<RunLot[]> {
  const lots: RunLot[] = [];
  for (const [i, lotNumber] of lotNumbers.entries()) {
    const [row] = await queryRows<RunLot & { status: string }>(
      tx,
      sql`SELECT sl.lot_number, i.item_code, sl.expiration_date::text AS expiration_date,
                 CASE WHEN sl.status IN ('available', 'quarantined') AND sl.expiration_date < current_date
                      THEN 'expired' ELSE sl.status END AS status
            FROM stock_lots sl JOIN inventory_items i ON i.id = sl.item_id
           WHERE sl.lot_number = ${lotNumber} AND ${visibleTo(caller, sql`i.lab_id`)} FOR SHARE OF sl`,
    );
    if (!row) {
      errors.push({ field: `${field}[${i}]`, message: `no lot ${lotNumber} in your lab` });
      continue;
    }
    if (row.status === 'expired' || row.status === 'quarantined' || row.status === 'depleted') {
      throw catalogueProblem(`lot-${row.status}`, `Lot ${lotNumber} is ${row.status}; a run cannot use it`, {
        extensions: { lot_number: lotNumber, expiration_date: row.expiration_date },
      });
    }
    lots.push({ lot_number: row.lot_number, item_code: row.item_code, expiration_date: row.expiration_date });
  }
  return lots;
}
