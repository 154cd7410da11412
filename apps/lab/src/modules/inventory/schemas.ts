import { type Static, Type } from 'typebox';
import {
  Code,
  Day,
  Decimal,
  Limit,
  ListQuery,
  NullableString,
  Offset,
  Page,
  Reason,
  Timestamp,
} from '../../platform/http/common-schemas.ts';

export const ITEM_SORTS = ['item_code', 'name', 'current_stock', '-current_stock'] as const;
export const LOT_SORTS = ['expiration_date', 'lot_number', '-received_date'] as const;
export const LOT_STATUSES = ['available', 'quarantined', 'expired', 'depleted'] as const;

const Amount = Decimal({ minimum: 0 });
const Quantity = Decimal({ exclusiveMinimum: 0 });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Category = Type.String({ minLength: 1, maxLength: 64 });
const LotStatus = Type.Union(
  LOT_STATUSES.map((s) => Type.Literal(s)),
  { description: 'expired once the expiration date has passed, whatever was stored' },
);

export const VendorParams = Type.Object({ vendorId: Code });
export const ItemParams = Type.Object({ itemCode: Code });
export const LotParams = Type.Object({ lot: Code });
export const PageQuery = Type.Object({ limit: Limit, offset: Offset });
export type PageQuery = Static<typeof PageQuery>;
export const ExpiringQuery = Type.Object({ days: Type.Integer({ minimum: 0, maximum: 3650, default: 30 }) });

// --- vendors ---

export const VendorCreate = Type.Object(
  {
    vendor_id: Code,
    name: Name,
    contact_email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    phone: Type.Optional(Type.String({ maxLength: 50 })),
  },
  {
    additionalProperties: false,
    examples: [
      {
        vendor_id: 'V-SIGMA',
        name: 'Sigma-Aldrich',
        contact_email: 'orders@sigma.example',
        phone: '+1 800 325 3010',
      },
    ],
  },
);
export type VendorCreate = Static<typeof VendorCreate>;

export const VendorView = Type.Object(
  {
    vendor_id: Type.String(),
    name: Type.String(),
    contact_email: NullableString(),
    phone: NullableString(),
    created_at: Timestamp,
  },
  { title: 'Vendor', additionalProperties: false },
);
export type VendorView = Static<typeof VendorView>;
export const VendorList = Page(VendorView);
export type VendorList = Static<typeof VendorList>;

// --- items ---

export const ItemCreate = Type.Object(
  {
    item_code: Code,
    name: Name,
    category: Category,
    unit: Type.String({ minLength: 1, maxLength: 20 }),
    min_stock: Type.Optional(Amount),
    reorder_point: Type.Optional(Amount),
    vendor_id: Type.Optional(Code),
    lab_id: Type.Optional(Code),
  },
  {
    additionalProperties: false,
    examples: [
      {
        item_code: 'ACN-HPLC',
        name: 'Acetonitrile, HPLC grade',
        category: 'solvent',
        unit: 'L',
        min_stock: 4,
        reorder_point: 10,
        vendor_id: 'V-SIGMA',
      },
    ],
  },
);
export type ItemCreate = Static<typeof ItemCreate>;

export const ItemQuery = ListQuery(
  {
    category: Type.Optional(Type.String({ maxLength: 64 })),
    low_stock: Type.Optional(Type.Boolean()),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  ITEM_SORTS,
);
export type ItemQuery = Static<typeof ItemQuery>;

export const ItemUpdate = Type.Object(
  {
    name: Type.Optional(Name),
    category: Type.Optional(Category),
    min_stock: Type.Optional(Amount),
    reorder_point: Type.Optional(Amount),
    reason: Reason,
  },
  {
    additionalProperties: false,
    examples: [{ reorder_point: 20, reason: 'Usage doubled with the new assay' }],
  },
);
export type ItemUpdate = Static<typeof ItemUpdate>;

export const ItemView = Type.Object(
  {
    item_code: Type.String(),
    name: Type.String(),
    category: Type.String(),
    unit: Type.String(),
    current_stock: Type.Number({ minimum: 0 }),
    min_stock: Type.Number({ minimum: 0 }),
    reorder_point: Type.Number({ minimum: 0 }),
    vendor_id: NullableString(),
    low_stock: Type.Boolean({ description: 'current_stock is below reorder_point' }),
    lab_id: NullableString({ description: 'Code of the lab whose stores hold the item' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'InventoryItem', additionalProperties: false },
);
export type ItemView = Static<typeof ItemView>;
export const ItemList = Page(ItemView);
export type ItemList = Static<typeof ItemList>;

// --- lots ---

export const LotReceive = Type.Object(
  {
    lot_number: Code,
    item_code: Code,
    quantity: Quantity,
    vendor_id: Type.Optional(Code),
    received_date: Type.Optional(Day),
    expiration_date: Type.Optional(Day),
    location: Type.Optional(Type.String({ maxLength: 500 })),
  },
  {
    additionalProperties: false,
    examples: [
      {
        lot_number: 'SHBK1234',
        item_code: 'ACN-HPLC',
        quantity: 20,
        vendor_id: 'V-SIGMA',
        received_date: '2026-03-02',
        expiration_date: '2027-03-01',
        location: 'Solvent cabinet 1',
      },
    ],
  },
);
export type LotReceive = Static<typeof LotReceive>;

export const LotQuery = ListQuery(
  {
    item_code: Type.Optional(Code),
    status: Type.Optional(LotStatus),
  },
  LOT_SORTS,
);
export type LotQuery = Static<typeof LotQuery>;

export const LotConsume = Type.Object(
  { quantity: Quantity, reason: Type.Optional(Reason) },
  { additionalProperties: false, examples: [{ quantity: 0.5, reason: 'Mobile phase for run R-2026-0142' }] },
);
export type LotConsume = Static<typeof LotConsume>;

export const LotAdjust = Type.Object(
  { delta: Decimal({ not: { const: 0 } }), reason: Reason },
  {
    additionalProperties: false,
    examples: [{ delta: -0.25, reason: 'Monthly count: 0.25 L less than recorded' }],
  },
);
export type LotAdjust = Static<typeof LotAdjust>;

export const LotStatusChange = Type.Object(
  { status: Type.Union([Type.Literal('available'), Type.Literal('quarantined')]), reason: Reason },
  {
    additionalProperties: false,
    examples: [{ status: 'quarantined', reason: 'Supplier recall notice 2026-17' }],
  },
);
export type LotStatusChange = Static<typeof LotStatusChange>;

export const LotView = Type.Object(
  {
    lot_number: Type.String(),
    item_code: Type.String(),
    vendor_id: NullableString(),
    quantity_received: Type.Number({ minimum: 0 }),
    quantity_remaining: Type.Number({ minimum: 0 }),
    unit: Type.String(),
    received_date: Day,
    expiration_date: Type.Union([Day, Type.Null()]),
    status: LotStatus,
    location: NullableString(),
    lab_id: NullableString({ description: "Code of the lab that holds the lot's item" }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'StockLot', additionalProperties: false },
);
export type LotView = Static<typeof LotView>;
export const LotList = Page(LotView);
export type LotList = Static<typeof LotList>;

export const LotReceived = Type.Object(
  { ...LotView.properties, lot_id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);
export type LotReceived = Static<typeof LotReceived>;

export const ItemDetail = Type.Object(
  { ...ItemView.properties, lots: Type.Array(LotView) },
  { additionalProperties: false },
);
export type ItemDetail = Static<typeof ItemDetail>;

// --- alerts ---

export const LowStockItems = Type.Object({ items: Type.Array(ItemView) }, { additionalProperties: false });
export type LowStockItems = Static<typeof LowStockItems>;
export const ExpiringLots = Type.Object(
  { days: Type.Integer({ minimum: 0 }), items: Type.Array(LotView) },
  { additionalProperties: false },
);
export type ExpiringLots = Static<typeof ExpiringLots>;
