import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { callerOf } from '../../platform/access/lab-scope.ts';
import { Code, Limit, Offset, Reason, Sort } from '../../platform/http/common-schemas.ts';
import { type InventoryService, ITEM_SORTS, LOT_SORTS } from './service.ts';

const tags = ['inventory'];
const Amount = Type.Number({ minimum: 0, maximum: 1e12 });
const Day = Type.String({ format: 'date' });
const LotParam = Type.Object({ lot: Code });
const LotStatus = Type.Union(['available', 'quarantined', 'expired', 'depleted'].map((s) => Type.Literal(s)));

/** /api/inventory: vendors, items, lots (receive, consume, adjust, quarantine) and alerts. */
export async function inventoryRoutes(app: FastifyInstance, opts: { inventory: InventoryService }) {
  const { inventory } = opts;
  const read = { permission: 'inventory:read' };
  const create = { permission: 'inventory:create' };
  const update = { permission: 'inventory:update' };
  const page = { limit: Limit, offset: Offset };

  app.post(
    '/api/inventory/vendors',
    {
      config: create,
      schema: {
        tags,
        body: Type.Object(
          {
            vendor_id: Code,
            name: Type.String({ minLength: 1, maxLength: 200 }),
            contact_email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
            phone: Type.Optional(Type.String({ maxLength: 50 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) =>
      reply.code(201).send(await inventory.createVendor(req.body as never, callerOf(req))),
  );
  app.get(
    '/api/inventory/vendors',
    { config: read, schema: { tags, querystring: Type.Object(page) } },
    async (req) => inventory.listVendors(req.query as never),
  );
  app.get(
    '/api/inventory/vendors/:vendorId',
    { config: read, schema: { tags, params: Type.Object({ vendorId: Code }) } },
    async (req) => inventory.getVendor((req.params as { vendorId: string }).vendorId),
  );

  app.post(
    '/api/inventory/items',
    {
      config: create,
      schema: {
        tags,
        body: Type.Object(
          {
            item_code: Code,
            name: Type.String({ minLength: 1, maxLength: 200 }),
            category: Type.String({ minLength: 1, maxLength: 64 }),
            unit: Type.String({ minLength: 1, maxLength: 20 }),
            min_stock: Type.Optional(Amount),
            reorder_point: Type.Optional(Amount),
            vendor_id: Type.Optional(Code),
            lab_id: Type.Optional(Code),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => reply.code(201).send(await inventory.createItem(req.body as never, callerOf(req))),
  );
  app.get(
    '/api/inventory/items',
    {
      config: read,
      schema: {
        tags,
        querystring: Type.Object(
          {
            ...page,
            category: Type.Optional(Type.String({ maxLength: 64 })),
            low_stock: Type.Optional(Type.Boolean()),
            q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            sort: Sort(ITEM_SORTS),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => inventory.listItems(req.query as never, callerOf(req)),
  );
  const ItemParam = Type.Object({ itemCode: Code });
  app.get(
    '/api/inventory/items/:itemCode',
    { config: read, schema: { tags, params: ItemParam } },
    async (req) => inventory.getItem((req.params as { itemCode: string }).itemCode, callerOf(req)),
  );
  app.patch(
    '/api/inventory/items/:itemCode',
    {
      config: update,
      schema: {
        tags,
        params: ItemParam,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            category: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            min_stock: Type.Optional(Amount),
            reorder_point: Type.Optional(Amount),
            reason: Reason,
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) =>
      inventory.updateItem((req.params as { itemCode: string }).itemCode, req.body as never, callerOf(req)),
  );

  app.post(
    '/api/inventory/lots',
    {
      config: create,
      schema: {
        tags,
        summary: "Receive a lot: sets quantity_remaining and raises the item's stock",
        body: Type.Object(
          {
            lot_number: Code,
            item_code: Code,
            quantity: Type.Number({ exclusiveMinimum: 0, maximum: 1e12 }),
            vendor_id: Type.Optional(Code),
            received_date: Type.Optional(Day),
            expiration_date: Type.Optional(Day),
            location: Type.Optional(Type.String({ maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => reply.code(201).send(await inventory.receiveLot(req.body as never, callerOf(req))),
  );
  app.get(
    '/api/inventory/lots',
    {
      config: read,
      schema: {
        tags,
        querystring: Type.Object(
          {
            ...page,
            item_code: Type.Optional(Code),
            status: Type.Optional(LotStatus),
            sort: Sort(LOT_SORTS),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => inventory.listLots(req.query as never, callerOf(req)),
  );
  app.get('/api/inventory/lots/:lot', { config: read, schema: { tags, params: LotParam } }, async (req) =>
    inventory.getLot((req.params as { lot: string }).lot, callerOf(req)),
  );
  app.post(
    '/api/inventory/lots/:lot/consume',
    {
      config: { permission: 'inventory:consume' },
      schema: {
        tags,
        summary: 'Take stock from a lot; 409 if expired, quarantined, depleted or not enough is left',
        params: LotParam,
        body: Type.Object(
          { quantity: Type.Number({ exclusiveMinimum: 0, maximum: 1e12 }), reason: Type.Optional(Reason) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => inventory.consume((req.params as { lot: string }).lot, req.body as never, callerOf(req)),
  );
  app.post(
    '/api/inventory/lots/:lot/adjust',
    {
      config: update,
      schema: {
        tags,
        summary: 'Stock adjustment (+/-) after a count; reason required',
        params: LotParam,
        body: Type.Object(
          { delta: Type.Number({ minimum: -1e12, maximum: 1e12, not: { const: 0 } }), reason: Reason },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => inventory.adjust((req.params as { lot: string }).lot, req.body as never, callerOf(req)),
  );
  app.post(
    '/api/inventory/lots/:lot/status',
    {
      config: update,
      schema: {
        tags,
        summary: 'Quarantine or release a lot; reason required',
        params: LotParam,
        body: Type.Object(
          { status: Type.Union([Type.Literal('available'), Type.Literal('quarantined')]), reason: Reason },
          { additionalProperties: false },
        ),
      },
    },
    async (req) =>
      inventory.setLotStatus((req.params as { lot: string }).lot, req.body as never, callerOf(req)),
  );

  app.get(
    '/api/inventory/alerts/low-stock',
    { config: read, schema: { tags, summary: 'Items below their reorder point' } },
    async (req) => inventory.lowStock(callerOf(req)),
  );
  app.get(
    '/api/inventory/alerts/expiring',
    {
      config: read,
      schema: {
        tags,
        summary: 'Available lots expiring within `days` days',
        querystring: Type.Object({ days: Type.Integer({ minimum: 0, maximum: 3650, default: 30 }) }),
      },
    },
    async (req) => inventory.expiring((req.query as { days: number }).days, callerOf(req)),
  );
}
