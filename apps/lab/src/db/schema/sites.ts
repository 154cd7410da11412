import { boolean, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const organizations = pgTable('organizations', {
  id: uuid('id').primaryKey().defaultRandom(),
  orgId: text('org_id').notNull().unique(),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const labs = pgTable(
  'labs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    labId: text('lab_id').notNull().unique(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    location: text('location'),
    timezone: text('timezone').notNull().default('UTC'),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('labs_organization_id_idx').on(t.organizationId)],
);

// A node is a bench computer that hosts device hubs close to the instruments.
export const nodes = pgTable(
  'nodes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    nodeId: text('node_id').notNull().unique(),
    labId: uuid('lab_id')
      .notNull()
      .references(() => labs.id),
    hostname: text('hostname').notNull(),
    status: text('status').notNull().default('offline'),
    lastHeartbeatAt: timestamp('last_heartbeat_at', { withTimezone: true }),
    capabilities: jsonb('capabilities').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('nodes_lab_id_idx').on(t.labId), index('nodes_status_idx').on(t.status)],
);

export const deviceHubs = pgTable(
  'device_hubs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    hubId: text('hub_id').notNull().unique(),
    nodeId: uuid('node_id')
      .notNull()
      .references(() => nodes.id),
    hubType: text('hub_type').notNull(),
    config: jsonb('config').$type<Record<string, unknown>>().notNull().default({}),
    status: text('status').notNull().default('offline'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('device_hubs_node_id_idx').on(t.nodeId)],
);
