import { callerOf } from '../../platform/access/lab-scope.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import {
  ExpiringLots,
  ExpiringQuery,
  ItemCreate,
  ItemDetail,
  ItemList,
  ItemParams,
  ItemQuery,
  ItemUpdate,
  ItemView,
  LotAdjust,
  LotConsume,
  LotList,
  LotParams,
  LotQuery,
  LotReceive,
  LotReceived,
  LotStatusChange,
  LotView,
  LowStockItems,
  PageQuery,
  VendorCreate,
  VendorList,
  VendorParams,
  VendorView,
} from './schemas.ts';
import type { InventoryService } from './service.ts';

const tags = ['inventory'];

/** /api/inventory: vendors, items, lots (receive, consume, adjust, quarantine) and alerts. */
export const inventoryRoutes: LabRoutes<{ inventory: InventoryService }> = async (app, { inventory }) => {
  app.post(
    '/api/inventory/vendors',
    {
      config: { permission: 'inventory:create' },
      schema: {
        operationId: 'createVendor',
        summary: 'Register a vendor (vendors are shared by every lab)',
        tags,
        body: VendorCreate,
        response: { 201: VendorView, ...problemResponses(409) },
      },
    },
    async (req, reply) => reply.code(201).send(await inventory.createVendor(req.body, callerOf(req))),
  );
  app.get(
    '/api/inventory/vendors',
    {
      config: { permission: 'inventory:read' },
      schema: {
        operationId: 'listVendors',
        summary: 'Vendors, by vendor id',
        tags,
        querystring: PageQuery,
        response: { 200: VendorList },
      },
    },
    async (req) => inventory.listVendors(req.query),
  );
  app.get(
    '/api/inventory/vendors/:vendorId',
    {
      config: { permission: 'inventory:read' },
      schema: {
        operationId: 'getVendor',
        summary: 'A vendor',
        tags,
        params: VendorParams,
        response: { 200: VendorView, ...problemResponses(404) },
      },
    },
    async (req) => inventory.getVendor(req.params.vendorId),
  );

  app.post(
    '/api/inventory/items',
    {
      config: { permission: 'inventory:create' },
      schema: {
        operationId: 'createInventoryItem',
        summary: 'Create an inventory item, with no stock until a lot is received',
        tags,
        body: ItemCreate,
        response: { 201: ItemView, ...problemResponses(409) },
      },
    },
    async (req, reply) => reply.code(201).send(await inventory.createItem(req.body, callerOf(req))),
  );
  app.get(
    '/api/inventory/items',
    {
      config: { permission: 'inventory:read' },
      schema: {
        operationId: 'listInventoryItems',
        summary: 'Inventory items the caller can see, filtered by category, low stock or text',
        tags,
        querystring: ItemQuery,
        response: { 200: ItemList },
      },
    },
    async (req) => inventory.listItems(req.query, callerOf(req)),
  );
  app.get(
    '/api/inventory/items/:itemCode',
    {
      config: { permission: 'inventory:read' },
      schema: {
        operationId: 'getInventoryItem',
        summary: 'An inventory item with its lots, soonest expiring first',
        tags,
        params: ItemParams,
        response: { 200: ItemDetail, ...problemResponses(404) },
      },
    },
    async (req) => inventory.getItem(req.params.itemCode, callerOf(req)),
  );
  app.patch(
    '/api/inventory/items/:itemCode',
    {
      config: { permission: 'inventory:update' },
      schema: {
        operationId: 'updateInventoryItem',
        summary: 'Rename, recategorise or change stock thresholds (audited, with a reason)',
        tags,
        params: ItemParams,
        body: ItemUpdate,
        response: { 200: ItemView, ...problemResponses(404) },
      },
    },
    async (req) => inventory.updateItem(req.params.itemCode, req.body, callerOf(req)),
  );

  app.post(
    '/api/inventory/lots',
    {
      config: { permission: 'inventory:create' },
      schema: {
        operationId: 'receiveLot',
        summary: "Receive a lot: sets quantity_remaining and raises the item's stock",
        description: 'An unknown item_code or vendor_id is a 400.',
        tags,
        body: LotReceive,
        response: { 201: LotReceived, ...problemResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await inventory.receiveLot(req.body, callerOf(req))),
  );
  app.get(
    '/api/inventory/lots',
    {
      config: { permission: 'inventory:read' },
      schema: {
        operationId: 'listLots',
        summary: 'Lots the caller can see, filtered by item or status',
        tags,
        querystring: LotQuery,
        response: { 200: LotList },
      },
    },
    async (req) => inventory.listLots(req.query, callerOf(req)),
  );
  app.get(
    '/api/inventory/lots/:lot',
    {
      config: { permission: 'inventory:read' },
      schema: {
        operationId: 'getLot',
        summary: 'A lot',
        tags,
        params: LotParams,
        response: { 200: LotView, ...problemResponses(404) },
      },
    },
    async (req) => inventory.getLot(req.params.lot, callerOf(req)),
  );
  app.post(
    '/api/inventory/lots/:lot/consume',
    {
      config: { permission: 'inventory:consume' },
      schema: {
        operationId: 'consumeLot',
        summary: 'Take stock from a lot; 409 if expired, quarantined, depleted or not enough is left',
        description: 'A lot that reaches 0 becomes depleted. Concurrent consumers queue on the lot.',
        tags,
        params: LotParams,
        body: LotConsume,
        response: { 200: LotView, ...problemResponses(404, 409) },
      },
    },
    async (req) => inventory.consume(req.params.lot, req.body, callerOf(req)),
  );
  app.post(
    '/api/inventory/lots/:lot/adjust',
    {
      config: { permission: 'inventory:update' },
      schema: {
        operationId: 'adjustLot',
        summary: 'Stock adjustment (+/-) after a count; reason required',
        description: 'The remaining quantity never goes below 0 (409).',
        tags,
        params: LotParams,
        body: LotAdjust,
        response: { 200: LotView, ...problemResponses(404, 409) },
      },
    },
    async (req) => inventory.adjust(req.params.lot, req.body, callerOf(req)),
  );
  app.post(
    '/api/inventory/lots/:lot/status',
    {
      config: { permission: 'inventory:update' },
      schema: {
        operationId: 'setLotStatus',
        summary: 'Quarantine or release a lot; reason required',
        description: 'Expired and depleted lots keep their status (409).',
        tags,
        params: LotParams,
        body: LotStatusChange,
        response: { 200: LotView, ...problemResponses(404, 409) },
      },
    },
    async (req) => inventory.setLotStatus(req.params.lot, req.body, callerOf(req)),
  );

  app.get(
    '/api/inventory/alerts/low-stock',
    {
      config: { permission: 'inventory:read' },
      schema: {
        operationId: 'listLowStockItems',
        summary: 'Items below their reorder point',
        tags,
        response: { 200: LowStockItems },
      },
    },
    async (req) => inventory.lowStock(callerOf(req)),
  );
  app.get(
    '/api/inventory/alerts/expiring',
    {
      config: { permission: 'inventory:read' },
      schema: {
        operationId: 'listExpiringLots',
        summary: 'Available lots expiring within `days` days',
        tags,
        querystring: ExpiringQuery,
        response: { 200: ExpiringLots },
      },
    },
    async (req) => inventory.expiring(req.query.days, callerOf(req)),
  );
};
