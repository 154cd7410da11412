import { sql } from 'drizzle-orm';
import { check, date, index, numeric, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { labs } from './sites.ts';

export const vendors = pgTable('vendors', {
  id: uuid('id').primaryKey().defaultRandom(),
  vendorId: text('vendor_id').notNull().unique(),
  name: text('name').notNull(),
  contactEmail: text('contact_email'),
  phone: text('phone'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const inventoryItems = pgTable(
  'inventory_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    itemCode: text('item_code').notNull().unique(),
    name: text('name').notNull(),
    category: text('category').notNull(),
    unit: text('unit').notNull(),
    currentStock: numeric('current_stock', { precision: 18, scale: 6 }).notNull().default('0'),
    minStock: numeric('min_stock', { precision: 18, scale: 6 }).notNull().default('0'),
    reorderPoint: numeric('reorder_point', { precision: 18, scale: 6 }).notNull().default('0'),
    vendorId: uuid('vendor_id').references(() => vendors.id),
    /** The lab whose stores hold the item (its lots go with it); vendors are shared. */
    labId: uuid('lab_id').references(() => labs.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('inventory_items_category_idx').on(t.category),
    index('inventory_items_lab_id_idx').on(t.labId),
    check('inventory_items_stock_non_negative', sql`${t.currentStock} >= 0`),
  ],
);

export const stockLots = pgTable(
  'stock_lots',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    lotNumber: text('lot_number').notNull().unique(),
    itemId: uuid('item_id')
      .notNull()
      .references(() => inventoryItems.id),
    vendorId: uuid('vendor_id').references(() => vendors.id),
    quantityReceived: numeric('quantity_received', { precision: 18, scale: 6 }).notNull(),
    quantityRemaining: numeric('quantity_remaining', { precision: 18, scale: 6 }).notNull(),
    receivedDate: date('received_date').notNull(),
    expirationDate: date('expiration_date'),
    status: text('status').notNull().default('available'),
    location: text('location'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('stock_lots_item_id_idx').on(t.itemId),
    index('stock_lots_status_idx').on(t.status),
    index('stock_lots_expiration_date_idx').on(t.expirationDate),
    check('stock_lots_remaining_non_negative', sql`${t.quantityRemaining} >= 0`),
  ],
);
