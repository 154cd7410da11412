import { type SQL, sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { isNumericOverflow, isUniqueViolation } from '../../db/errors.ts';
import { iso, likePattern } from '../../db/sql-values.ts';
import { type Caller, labForNewRecord, notFound, visibleTo } from '../../platform/access/lab-scope.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import type {
  ExpiringLots,
  ITEM_SORTS,
  ItemCreate,
  ItemDetail,
  ItemList,
  ItemQuery,
  ItemUpdate,
  ItemView,
  LOT_SORTS,
  LotAdjust,
  LotConsume,
  LotList,
  LotQuery,
  LotReceive,
  LotReceived,
  LotStatusChange,
  LotView,
  LowStockItems,
  PageQuery,
  VendorCreate,
  VendorList,
  VendorView,
} from './schemas.ts';

type Tx = Pick<LabTx, 'execute'>;

/**
 * A lot's status as read: `expired` once its expiration date has passed, whatever is stored, so an
 * expired lot is expired on every read and every consume without a background job.
 */
const LOT_STATUS = sql.raw(
  `CASE WHEN sl.status IN ('available', 'quarantined') AND sl.expiration_date < current_date THEN 'expired' ELSE sl.status END`,
);
const LOT_VIEW = sql`SELECT sl.id, sl.lot_number, i.item_code, v.vendor_id, sl.quantity_received::float8 AS quantity_received,
    sl.quantity_remaining::float8 AS quantity_remaining, i.unit, sl.received_date::text AS received_date,
    sl.expiration_date::text AS expiration_date, ${LOT_STATUS} AS status, sl.status AS stored_status, sl.location,
    sl.created_at, sl.updated_at, sl.item_id, il.lab_id
  FROM stock_lots sl JOIN inventory_items i ON i.id = sl.item_id LEFT JOIN vendors v ON v.id = sl.vendor_id
  LEFT JOIN labs il ON il.id = i.lab_id`;
const ITEM_VIEW = sql`SELECT i.id, i.item_code, i.name, i.category, i.unit, i.current_stock::float8 AS current_stock,
    i.min_stock::float8 AS min_stock, i.reorder_point::float8 AS reorder_point, v.vendor_id,
    (i.current_stock < i.reorder_point) AS low_stock, il.lab_id, i.created_at, i.updated_at
  FROM inventory_items i LEFT JOIN vendors v ON v.id = i.vendor_id LEFT JOIN labs il ON il.id = i.lab_id`;
const ITEM_SORTS_SQL: Record<(typeof ITEM_SORTS)[number], SQL> = {
  item_code: sql`i.item_code`,
  name: sql`i.name, i.item_code`,
  current_stock: sql`i.current_stock, i.item_code`,
  '-current_stock': sql`i.current_stock DESC, i.item_code`,
};
const LOT_SORTS_SQL: Record<(typeof LOT_SORTS)[number], SQL> = {
  expiration_date: sql`sl.expiration_date NULLS LAST, sl.lot_number`,
  lot_number: sql`sl.lot_number`,
  '-received_date': sql`sl.received_date DESC, sl.lot_number`,
};
const VENDOR_VIEW = sql`SELECT id, vendor_id, name, contact_email, phone, created_at FROM vendors`;

/** A row as read: the view's columns, its uuid, and timestamps not yet in ISO form. */
type Raw<V> = Omit<V, 'created_at' | 'updated_at'> & { id: string; created_at: unknown; updated_at: unknown };
type VendorRow = Omit<Raw<VendorView>, 'updated_at'>;
type ItemRow = Raw<ItemView>;
type LotRow = Raw<LotView> & { item_id: string; stored_status: string };

const vendorView = ({ id: _id, ...r }: VendorRow): VendorView => ({ ...r, created_at: iso(r.created_at)! });
const itemView = ({ id: _id, ...r }: ItemRow): ItemView => ({
  ...r,
  created_at: iso(r.created_at)!,
  updated_at: iso(r.updated_at)!,
});
const lotView = ({ id: _id, item_id: _item, stored_status: _stored, ...r }: LotRow): LotView => ({
  ...r,
  created_at: iso(r.created_at)!,
  updated_at: iso(r.updated_at)!,
});

const conflict = (slug: string, title: string, detail: string) => new HttpProblem(409, slug, title, detail);
const badRef = (field: string, detail: string) =>
  new HttpProblem(400, 'validation-error', 'Invalid request', detail, [
    { field, message: 'does not name an existing record' },
  ]);
/** The item's or lot's total would not fit numeric(18,6): the request is refused, nothing is written. */
const stockOverflow = (field: string) =>
  new HttpProblem(
    400,
    'validation-error',
    'Invalid request',
    'The resulting stock exceeds the largest quantity recorded (10^12)',
    [{ field, message: 'would take the stock past 10^12' }],
  );
/** Numbers from JSON to numeric text at the columns' 6 decimals, so sums are exact in PostgreSQL. */
const qty = (n: number) => n.toFixed(6);

/**
 * Inventory: vendors, items, lots. Stock moves (receive, consume, adjust) lock the lot row and then the
 * item row (always in that order), change both, and append the audit event last, in one transaction.
 * Items (and their lots) belong to a lab and are scoped like samples; vendors are shared.
 */
export class InventoryService {
  constructor(private readonly uow: UnitOfWork) {}

  // --- vendors ---

  async createVendor(input: VendorCreate, caller: Caller): Promise<VendorView> {
    try {
      return await this.uow.create(async (tx, append) => {
        await tx.execute(sql`INSERT INTO vendors (vendor_id, name, contact_email, phone)
          VALUES (${input.vendor_id}, ${input.name}, ${input.contact_email ?? null}, ${input.phone ?? null})`);
        const [row] = await queryRows<VendorRow>(
          tx,
          sql`${VENDOR_VIEW} WHERE vendor_id = ${input.vendor_id}`,
        );
        const view = vendorView(row!);
        append(caller.ctx, {
          action: 'vendor.created',
          entityType: 'vendor',
          entityId: input.vendor_id,
          after: view,
        });
        return view;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('conflict', 'Conflict', `Vendor ${input.vendor_id} exists`);
      throw err;
    }
  }

  async listVendors(q: PageQuery): Promise<VendorList> {
    const rows = await this.uow.read((tx) =>
      queryRows<VendorRow>(
        tx,
        sql`${VENDOR_VIEW} ORDER BY vendor_id LIMIT ${q.limit + 1} OFFSET ${q.offset}`,
      ),
    );
    return {
      items: rows.slice(0, q.limit).map(vendorView),
      next_offset: rows.length > q.limit ? q.offset + q.limit : null,
    };
  }

  async getVendor(vendorId: string): Promise<VendorView> {
    const [row] = await this.uow.read((tx) =>
      queryRows<VendorRow>(tx, sql`${VENDOR_VIEW} WHERE vendor_id = ${vendorId}`),
    );
    if (!row) throw notFound('Vendor', vendorId);
    return vendorView(row);
  }

  // --- items ---

  async createItem(input: ItemCreate, caller: Caller): Promise<ItemView> {
    try {
      return await this.uow.create(async (tx, append) => {
        const vendor = await this.vendorRef(tx, input.vendor_id);
        const labId = await labForNewRecord(tx, caller, input.lab_id);
        await tx.execute(sql`INSERT INTO inventory_items (item_code, name, category, unit, min_stock, reorder_point, vendor_id, lab_id)
          VALUES (${input.item_code}, ${input.name}, ${input.category}, ${input.unit}, ${qty(input.min_stock ?? 0)}::numeric,
                  ${qty(input.reorder_point ?? 0)}::numeric, ${vendor}, ${labId})`);
        const view = itemView(await this.itemRow(tx, input.item_code, { ...caller, allLabs: true }));
        append(caller.ctx, {
          action: 'inventory_item.created',
          entityType: 'inventory_item',
          entityId: input.item_code,
          after: view,
        });
        return view;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('conflict', 'Conflict', `Item ${input.item_code} exists`);
      throw err;
    }
  }

  private async vendorRef(tx: Tx, vendorId: string | undefined): Promise<string | null> {
    if (vendorId === undefined) return null;
    const [v] = await queryRows<{ id: string }>(
      tx,
      sql`SELECT id FROM vendors WHERE vendor_id = ${vendorId}`,
    );
    if (!v) throw badRef('body.vendor_id', `No vendor ${vendorId}`);
    return v.id;
  }

  private async itemRow(tx: Tx, code: string, caller: Caller, lock = false): Promise<ItemRow> {
    const [row] = await queryRows<ItemRow>(
      tx,
      sql`${ITEM_VIEW} WHERE i.item_code = ${code} AND ${visibleTo(caller, sql`i.lab_id`)} ${lock ? sql`FOR UPDATE OF i` : sql``}`,
    );
    if (!row) throw notFound('Item', code);
    return row;
  }

  async listItems(q: ItemQuery, caller: Caller): Promise<ItemList> {
    const where: SQL[] = [visibleTo(caller, sql`i.lab_id`)];
    if (q.category) where.push(sql`i.category = ${q.category}`);
    if (q.low_stock !== undefined) where.push(sql`(i.current_stock < i.reorder_point) = ${q.low_stock}`);
    if (q.q) where.push(sql`(i.item_code ILIKE ${likePattern(q.q)} OR i.name ILIKE ${likePattern(q.q)})`);
    const rows = await this.uow.read((tx) =>
      queryRows<ItemRow>(
        tx,
        sql`${ITEM_VIEW} WHERE ${sql.join(where, sql` AND `)} ORDER BY ${ITEM_SORTS_SQL[q.sort ?? 'item_code']} LIMIT ${q.limit + 1} OFFSET ${q.offset}`,
      ),
    );
    return {
      items: rows.slice(0, q.limit).map(itemView),
      next_offset: rows.length > q.limit ? q.offset + q.limit : null,
    };
  }

  async getItem(code: string, caller: Caller): Promise<ItemDetail> {
    return this.uow.read(async (tx) => {
      const item = await this.itemRow(tx, code, caller);
      const lots = await queryRows<LotRow>(
        tx,
        sql`${LOT_VIEW} WHERE sl.item_id = ${item.id} ORDER BY sl.expiration_date NULLS LAST, sl.lot_number`,
      );
      return { ...itemView(item), lots: lots.map(lotView) };
    });
  }

  async updateItem(code: string, patch: ItemUpdate, caller: Caller): Promise<ItemView> {
    return this.uow.write(async (tx, append) => {
      const before = await this.itemRow(tx, code, caller, true);
      await tx.execute(sql`UPDATE inventory_items SET name = coalesce(${patch.name ?? null}, name),
          category = coalesce(${patch.category ?? null}, category),
          min_stock = coalesce(${patch.min_stock === undefined ? null : qty(patch.min_stock)}::numeric, min_stock),
          reorder_point = coalesce(${patch.reorder_point === undefined ? null : qty(patch.reorder_point)}::numeric, reorder_point),
          updated_at = now() WHERE id = ${before.id}`);
      const after = itemView(await this.itemRow(tx, code, caller));
      append(caller.ctx, {
        action: 'inventory_item.updated',
        entityType: 'inventory_item',
        entityId: code,
        before: itemView(before),
        after,
        reason: patch.reason,
      });
      return after;
    });
  }

  // --- lots ---

  private async lotRow(tx: Tx, lotNumber: string, caller: Caller, lock = false): Promise<LotRow> {
    const [row] = await queryRows<LotRow>(
      tx,
      sql`${LOT_VIEW} WHERE sl.lot_number = ${lotNumber} AND ${visibleTo(caller, sql`i.lab_id`)} ${lock ? sql`FOR UPDATE OF sl` : sql``}`,
    );
    if (!row) throw notFound('Lot', lotNumber);
    return row;
  }

  /** Receiving a lot: quantity_remaining = quantity received, and the item's stock rises by it. */
  async receiveLot(input: LotReceive, caller: Caller): Promise<LotReceived> {
    try {
      return await this.uow.create(async (tx, append) => {
        const [item] = await queryRows<{ id: string }>(
          tx,
          sql`SELECT id FROM inventory_items WHERE item_code = ${input.item_code}`,
        );
        if (!item) throw badRef('body.item_code', `No item ${input.item_code}`);
        const vendor = await this.vendorRef(tx, input.vendor_id);
        const [lot] = await queryRows<{ id: string }>(
          tx,
          sql`INSERT INTO stock_lots (lot_number, item_id, vendor_id, quantity_received, quantity_remaining, received_date, expiration_date, location)
              VALUES (${input.lot_number}, ${item.id}, ${vendor}, ${qty(input.quantity)}::numeric, ${qty(input.quantity)}::numeric,
                      coalesce(${input.received_date ?? null}::date, current_date), ${input.expiration_date ?? null}::date, ${input.location ?? null})
              RETURNING id`,
        );
        await tx.execute(sql`SELECT 1 FROM inventory_items WHERE id = ${item.id} FOR UPDATE`);
        await tx.execute(sql`UPDATE inventory_items SET current_stock = current_stock + ${qty(input.quantity)}::numeric, updated_at = now()
          WHERE id = ${item.id}`);
        const view = lotView(await this.lotRow(tx, input.lot_number, caller));
        append(caller.ctx, {
          action: 'stock_lot.received',
          entityType: 'stock_lot',
          entityId: input.lot_number,
          after: view,
        });
        return { ...view, lot_id: lot!.id };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('conflict', 'Conflict', `Lot ${input.lot_number} exists`);
      if (isNumericOverflow(err)) throw stockOverflow('body.quantity');
      throw err;
    }
  }

  async listLots(q: LotQuery, caller: Caller): Promise<LotList> {
    const where: SQL[] = [visibleTo(caller, sql`i.lab_id`)];
    if (q.item_code) where.push(sql`i.item_code = ${q.item_code}`);
    if (q.status) where.push(sql`${LOT_STATUS} = ${q.status}`);
    const rows = await this.uow.read((tx) =>
      queryRows<LotRow>(
        tx,
        sql`${LOT_VIEW} WHERE ${sql.join(where, sql` AND `)} ORDER BY ${LOT_SORTS_SQL[q.sort ?? 'expiration_date']} LIMIT ${q.limit + 1} OFFSET ${q.offset}`,
      ),
    );
    return {
      items: rows.slice(0, q.limit).map(lotView),
      next_offset: rows.length > q.limit ? q.offset + q.limit : null,
    };
  }

  async getLot(lotNumber: string, caller: Caller): Promise<LotView> {
    return lotView(await this.uow.read((tx) => this.lotRow(tx, lotNumber, caller)));
  }

  /**
   * Consumes from a lot under SELECT ... FOR UPDATE: concurrent consumers queue on the row, so the
   * remaining quantity never goes negative. Expired, quarantined or depleted lots, and asking for more
   * than is left, get 409. A lot that reaches 0 becomes `depleted`.
   */
  async consume(lotNumber: string, input: LotConsume, caller: Caller): Promise<LotView> {
    return this.uow.write(async (tx, append) => {
      const before = await this.lotRow(tx, lotNumber, caller, true);
      if (before.status !== 'available') {
        throw conflict(
          `lot-${before.status}`,
          `Lot ${before.status}`,
          `Lot ${lotNumber} is ${before.status} and cannot be consumed`,
        );
      }
      const [fit] = await queryRows<{ ok: boolean }>(
        tx,
        sql`SELECT quantity_remaining >= ${qty(input.quantity)}::numeric AS ok FROM stock_lots WHERE id = ${before.id}`,
      );
      if (!fit!.ok) {
        throw conflict(
          'insufficient-stock',
          'Insufficient stock',
          `Lot ${lotNumber} has ${before.quantity_remaining} ${before.unit} left; ${input.quantity} requested`,
        );
      }
      await tx.execute(sql`UPDATE stock_lots SET quantity_remaining = quantity_remaining - ${qty(input.quantity)}::numeric,
          status = CASE WHEN quantity_remaining - ${qty(input.quantity)}::numeric = 0 THEN 'depleted' ELSE status END, updated_at = now()
        WHERE id = ${before.id}`);
      await tx.execute(sql`SELECT 1 FROM inventory_items WHERE id = ${before.item_id} FOR UPDATE`);
      await tx.execute(sql`UPDATE inventory_items SET current_stock = greatest(current_stock - ${qty(input.quantity)}::numeric, 0), updated_at = now()
        WHERE id = ${before.item_id}`);
      const after = lotView(await this.lotRow(tx, lotNumber, caller));
      append(caller.ctx, {
        action: 'stock_lot.consumed',
        entityType: 'stock_lot',
        entityId: lotNumber,
        before: { quantity_remaining: before.quantity_remaining, status: before.status },
        after: {
          quantity_remaining: after.quantity_remaining,
          status: after.status,
          consumed: input.quantity,
        },
        reason: input.reason ?? null,
      });
      return after;
    });
  }

  /** A counted correction (+ or -), with a reason; never below 0. */
  async adjust(lotNumber: string, input: LotAdjust, caller: Caller): Promise<LotView> {
    try {
      return await this.adjustWithin(lotNumber, input, caller);
    } catch (err) {
      if (isNumericOverflow(err)) throw stockOverflow('body.delta');
      throw err;
    }
  }

  private adjustWithin(lotNumber: string, input: LotAdjust, caller: Caller): Promise<LotView> {
    return this.uow.write(async (tx, append) => {
      const before = await this.lotRow(tx, lotNumber, caller, true);
      const [next] = await queryRows<{ remaining: string; ok: boolean }>(
        tx,
        sql`SELECT (quantity_remaining + ${qty(input.delta)}::numeric)::text AS remaining,
                   quantity_remaining + ${qty(input.delta)}::numeric >= 0 AS ok FROM stock_lots WHERE id = ${before.id}`,
      );
      if (!next!.ok) {
        throw conflict(
          'insufficient-stock',
          'Insufficient stock',
          `Lot ${lotNumber} has ${before.quantity_remaining} left; cannot adjust by ${input.delta}`,
        );
      }
      await tx.execute(sql`UPDATE stock_lots SET quantity_remaining = ${next!.remaining}::numeric,
          status = CASE WHEN ${next!.remaining}::numeric = 0 AND status = 'available' THEN 'depleted'
                        WHEN ${next!.remaining}::numeric > 0 AND status = 'depleted' THEN 'available' ELSE status END,
          updated_at = now() WHERE id = ${before.id}`);
      await tx.execute(sql`SELECT 1 FROM inventory_items WHERE id = ${before.item_id} FOR UPDATE`);
      await tx.execute(sql`UPDATE inventory_items SET current_stock = greatest(current_stock + ${qty(input.delta)}::numeric, 0), updated_at = now()
        WHERE id = ${before.item_id}`);
      const after = lotView(await this.lotRow(tx, lotNumber, caller));
      append(caller.ctx, {
        action: 'stock_lot.adjusted',
        entityType: 'stock_lot',
        entityId: lotNumber,
        before: lotView(before),
        after: { ...after, delta: input.delta },
        reason: input.reason,
      });
      return after;
    });
  }

  /** Quarantine or release a lot (available <-> quarantined); expired and depleted lots stay as they are. */
  async setLotStatus(lotNumber: string, input: LotStatusChange, caller: Caller): Promise<LotView> {
    return this.uow.write(async (tx, append) => {
      const before = await this.lotRow(tx, lotNumber, caller, true);
      const from = before.status as string;
      if (from !== 'available' && from !== 'quarantined') {
        throw conflict(
          'invalid-status-transition',
          'Status transition not allowed',
          `Lot ${lotNumber} is ${from}`,
        );
      }
      await tx.execute(
        sql`UPDATE stock_lots SET status = ${input.status}, updated_at = now() WHERE id = ${before.id}`,
      );
      const after = lotView(await this.lotRow(tx, lotNumber, caller));
      append(caller.ctx, {
        action: 'stock_lot.status_changed',
        entityType: 'stock_lot',
        entityId: lotNumber,
        before: lotView(before),
        after,
        reason: input.reason,
      });
      return after;
    });
  }

  // --- alerts ---

  async lowStock(caller: Caller): Promise<LowStockItems> {
    const rows = await this.uow.read((tx) =>
      queryRows<ItemRow>(
        tx,
        sql`${ITEM_VIEW} WHERE i.current_stock < i.reorder_point AND ${visibleTo(caller, sql`i.lab_id`)} ORDER BY i.item_code`,
      ),
    );
    return { items: rows.map(itemView) };
  }

  /** Lots still usable that expire within `days` (today included), soonest first. */
  async expiring(days: number, caller: Caller): Promise<ExpiringLots> {
    const rows = await this.uow.read((tx) =>
      queryRows<LotRow>(
        tx,
        sql`${LOT_VIEW} WHERE ${visibleTo(caller, sql`i.lab_id`)} AND sl.status = 'available' AND sl.quantity_remaining > 0
              AND sl.expiration_date >= current_date
              AND sl.expiration_date <= current_date + ${days}::int ORDER BY sl.expiration_date, sl.lot_number`,
      ),
    );
    return { days, items: rows.map(lotView) };
  }
}
