import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { iso } from '../../db/sql-values.ts';
import { type Caller, notFound, visibleTo } from '../../platform/access/lab-scope.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import { DEFAULT_LAB_CODE } from './port.ts';
import type {
  DeviceHubList,
  DeviceHubView,
  HubCreate,
  HubUpdate,
  LabCreate,
  LabList,
  LabMembers,
  LabMembership,
  LabUpdate,
  LabView,
  NodeCreate,
  NodeList,
  NodeUpdate,
  NodeView,
  OrganizationCreate,
  OrganizationList,
  OrganizationUpdate,
  OrganizationView,
} from './schemas.ts';

type Tx = Pick<LabTx, 'execute'>;

/** A node is shown offline when its last heartbeat is older than this. */
export const NODE_HEARTBEAT_TIMEOUT_S = 90;

const conflict = (detail: string) => new HttpProblem(409, 'conflict', 'Conflict', detail);
const badRef = (field: string, detail: string) =>
  new HttpProblem(400, 'validation-error', 'Invalid request', detail, [
    { field, message: 'does not name an existing record' },
  ]);

async function uniqueViolation<T>(work: () => Promise<T>, detail: string): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(detail);
    throw err;
  }
}

const ORG_VIEW = sql`SELECT o.id, o.org_id, o.name, o.created_at,
  (SELECT count(*)::int FROM labs l WHERE l.organization_id = o.id) AS lab_count FROM organizations o`;
const LAB_VIEW = sql`SELECT l.id, l.lab_id, o.org_id, l.name, l.location, l.timezone, l.is_active, l.created_at
  FROM labs l JOIN organizations o ON o.id = l.organization_id`;
const NODE_VIEW = sql`SELECT n.id, n.node_id, l.lab_id, n.hostname, n.capabilities, n.last_heartbeat_at, n.created_at,
  CASE WHEN n.last_heartbeat_at IS NOT NULL AND n.last_heartbeat_at > now() - make_interval(secs => ${NODE_HEARTBEAT_TIMEOUT_S})
       THEN 'online' ELSE 'offline' END AS status, n.lab_id AS lab_uuid
  FROM nodes n JOIN labs l ON l.id = n.lab_id`;
const HUB_VIEW = sql`SELECT h.id, h.hub_id, n.node_id, h.hub_type, h.config, h.status, h.created_at, n.lab_id AS lab_uuid
  FROM device_hubs h JOIN nodes n ON n.id = h.node_id`;

// Rows as the views above return them: database ids stay inside the service; times come as the driver's
// Date or text and leave as ISO strings.
type OrgRow = Omit<OrganizationView, 'created_at'> & { id: string; created_at: unknown };
type LabRow = Omit<LabView, 'created_at'> & { id: string; created_at: unknown };
type NodeRow = Omit<NodeView, 'created_at' | 'last_heartbeat_at'> & {
  id: string;
  lab_uuid: string;
  created_at: unknown;
  last_heartbeat_at: unknown;
};
type HubRow = Omit<DeviceHubView, 'created_at'> & { id: string; lab_uuid: string; created_at: unknown };

const orgView = (r: OrgRow): OrganizationView => ({
  org_id: r.org_id,
  name: r.name,
  created_at: iso(r.created_at)!,
  lab_count: r.lab_count,
});
const labView = (r: LabRow): LabView => ({
  lab_id: r.lab_id,
  org_id: r.org_id,
  name: r.name,
  location: r.location,
  timezone: r.timezone,
  is_active: r.is_active,
  created_at: iso(r.created_at)!,
});
const nodeView = (r: NodeRow): NodeView => ({
  node_id: r.node_id,
  lab_id: r.lab_id,
  hostname: r.hostname,
  capabilities: r.capabilities,
  last_heartbeat_at: iso(r.last_heartbeat_at),
  created_at: iso(r.created_at)!,
  status: r.status,
});
const hubView = (r: HubRow): DeviceHubView => ({
  hub_id: r.hub_id,
  node_id: r.node_id,
  hub_type: r.hub_type,
  config: r.config,
  status: r.status,
  created_at: iso(r.created_at)!,
});

/** Organizations, labs, nodes (with heartbeat), device hubs, and lab membership. */
export class SiteService {
  constructor(private readonly uow: UnitOfWork) {}

  // --- organizations (admin: sites:create/update; reading is open to sites:read) ---

  listOrganizations(): Promise<OrganizationList> {
    return this.uow.read(async (tx) => ({
      items: (await queryRows<OrgRow>(tx, sql`${ORG_VIEW} ORDER BY o.org_id`)).map(orgView),
    }));
  }

  async getOrganization(orgId: string): Promise<OrganizationView> {
    const [row] = await this.uow.read((tx) =>
      queryRows<OrgRow>(tx, sql`${ORG_VIEW} WHERE o.org_id = ${orgId}`),
    );
    if (!row) throw notFound('Organization', orgId);
    return orgView(row);
  }

  createOrganization(input: OrganizationCreate, caller: Caller): Promise<OrganizationView> {
    return uniqueViolation(
      () =>
        this.uow.create(async (tx, append) => {
          await tx.execute(
            sql`INSERT INTO organizations (org_id, name) VALUES (${input.org_id}, ${input.name})`,
          );
          const [row] = await queryRows<OrgRow>(tx, sql`${ORG_VIEW} WHERE o.org_id = ${input.org_id}`);
          const view = orgView(row!);
          append(caller.ctx, {
            action: 'organization.created',
            entityType: 'organization',
            entityId: input.org_id,
            after: view,
          });
          return view;
        }),
      `Organization ${input.org_id} exists`,
    );
  }

  updateOrganization(orgId: string, patch: OrganizationUpdate, caller: Caller): Promise<OrganizationView> {
    return this.uow.write(async (tx, append) => {
      const [before] = await queryRows<OrgRow>(
        tx,
        sql`${ORG_VIEW} WHERE o.org_id = ${orgId} FOR UPDATE OF o`,
      );
      if (!before) throw notFound('Organization', orgId);
      await tx.execute(
        sql`UPDATE organizations SET name = coalesce(${patch.name ?? null}, name) WHERE org_id = ${orgId}`,
      );
      const [after] = await queryRows<OrgRow>(tx, sql`${ORG_VIEW} WHERE o.org_id = ${orgId}`);
      const view = orgView(after!);
      append(caller.ctx, {
        action: 'organization.updated',
        entityType: 'organization',
        entityId: orgId,
        before: orgView(before),
        after: view,
        reason: patch.reason,
      });
      return view;
    });
  }

  /** Only an organization without labs can go; labs are deactivated, never deleted. */
  deleteOrganization(orgId: string, reason: string, caller: Caller): Promise<void> {
    return this.uow.write(async (tx, append) => {
      const [before] = await queryRows<OrgRow>(
        tx,
        sql`${ORG_VIEW} WHERE o.org_id = ${orgId} FOR UPDATE OF o`,
      );
      if (!before) throw notFound('Organization', orgId);
      if (before.lab_count > 0) throw conflict(`Organization ${orgId} still has labs`);
      const [member] = await queryRows(
        tx,
        sql`SELECT 1 FROM users WHERE organization_id = ${before.id} LIMIT 1`,
      );
      if (member) throw conflict(`Organization ${orgId} still has members`);
      await tx.execute(sql`DELETE FROM organizations WHERE org_id = ${orgId}`);
      append(caller.ctx, {
        action: 'organization.deleted',
        entityType: 'organization',
        entityId: orgId,
        before: orgView(before),
        reason,
      });
    });
  }

  // --- labs ---

  listLabs(caller: Caller): Promise<LabList> {
    return this.uow.read(async (tx) => ({
      items: (
        await queryRows<LabRow>(tx, sql`${LAB_VIEW} WHERE ${visibleTo(caller, sql`l.id`)} ORDER BY l.lab_id`)
      ).map(labView),
    }));
  }

  async getLab(labCode: string, caller: Caller): Promise<LabView> {
    const [row] = await this.uow.read((tx) =>
      queryRows<LabRow>(tx, sql`${LAB_VIEW} WHERE l.lab_id = ${labCode}`),
    );
    if (!row || (!caller.allLabs && row.id !== caller.labId)) throw notFound('Lab', labCode);
    return labView(row);
  }

  createLab(input: LabCreate, caller: Caller): Promise<LabView> {
    return uniqueViolation(
      () =>
        this.uow.create(async (tx, append) => {
          const [org] = await queryRows<{ id: string }>(
            tx,
            sql`SELECT id FROM organizations WHERE org_id = ${input.org_id}`,
          );
          if (!org) throw badRef('body.org_id', `No organization ${input.org_id}`);
          await tx.execute(sql`INSERT INTO labs (lab_id, organization_id, name, location, timezone)
            VALUES (${input.lab_id}, ${org.id}, ${input.name}, ${input.location ?? null}, ${input.timezone ?? 'UTC'})`);
          const [row] = await queryRows<LabRow>(tx, sql`${LAB_VIEW} WHERE l.lab_id = ${input.lab_id}`);
          const view = labView(row!);
          append(caller.ctx, {
            action: 'lab.created',
            entityType: 'lab',
            entityId: input.lab_id,
            after: view,
          });
          return view;
        }),
      `Lab ${input.lab_id} exists`,
    );
  }

  /** Name, location, timezone, active flag. Deactivating is the lab's "delete". */
  updateLab(labCode: string, patch: LabUpdate, caller: Caller): Promise<LabView> {
    return this.uow.write(async (tx, append) => {
      const [before] = await queryRows<LabRow>(
        tx,
        sql`${LAB_VIEW} WHERE l.lab_id = ${labCode} FOR UPDATE OF l`,
      );
      if (!before) throw notFound('Lab', labCode);
      if (patch.is_active === false && labCode === DEFAULT_LAB_CODE)
        throw conflict('The default lab cannot be deactivated');
      await tx.execute(sql`UPDATE labs SET name = coalesce(${patch.name ?? null}, name),
          location = coalesce(${patch.location ?? null}, location), timezone = coalesce(${patch.timezone ?? null}, timezone),
          is_active = coalesce(${patch.is_active ?? null}::boolean, is_active)
        WHERE lab_id = ${labCode}`);
      const [after] = await queryRows<LabRow>(tx, sql`${LAB_VIEW} WHERE l.lab_id = ${labCode}`);
      const view = labView(after!);
      append(caller.ctx, {
        action: patch.is_active === false ? 'lab.deactivated' : 'lab.updated',
        entityType: 'lab',
        entityId: labCode,
        before: labView(before),
        after: view,
        reason: patch.reason,
      });
      return view;
    });
  }

  /** Membership: places a user in a lab (and its organization). */
  setMembership(labCode: string, email: string, reason: string, caller: Caller): Promise<LabMembership> {
    return this.uow.write(async (tx, append) => {
      const [lab] = await queryRows<{ id: string; organization_id: string; is_active: boolean }>(
        tx,
        sql`SELECT id, organization_id, is_active FROM labs WHERE lab_id = ${labCode}`,
      );
      if (!lab) throw notFound('Lab', labCode);
      if (!lab.is_active) throw conflict(`Lab ${labCode} is deactivated`);
      const [user] = await queryRows<{ lab: string | null }>(
        tx,
        sql`SELECT (SELECT lab_id FROM labs WHERE id = u.lab_id) AS lab FROM users u WHERE email = ${email.toLowerCase()} FOR UPDATE`,
      );
      if (!user) throw notFound('User', email);
      await tx.execute(
        sql`UPDATE users SET lab_id = ${lab.id}, organization_id = ${lab.organization_id}, updated_at = now() WHERE email = ${email.toLowerCase()}`,
      );
      append(caller.ctx, {
        action: 'user.lab_assigned',
        entityType: 'user',
        entityId: email.toLowerCase(),
        before: { lab_id: user.lab ?? DEFAULT_LAB_CODE },
        after: { lab_id: labCode },
        reason,
      });
      return { email: email.toLowerCase(), lab_id: labCode };
    });
  }

  async listMembers(labCode: string, caller: Caller): Promise<LabMembers> {
    const lab = await this.getLab(labCode, caller);
    const rows = await this.uow.read((tx) =>
      queryRows<{ email: string; name: string }>(
        tx,
        sql`SELECT u.email, u.name FROM users u
             WHERE coalesce(u.lab_id, (SELECT id FROM labs WHERE lab_id = ${DEFAULT_LAB_CODE}))
                   = (SELECT id FROM labs WHERE lab_id = ${labCode})
             ORDER BY u.email`,
      ),
    );
    return { lab_id: lab.lab_id, items: rows };
  }

  // --- nodes ---

  listNodes(caller: Caller): Promise<NodeList> {
    return this.uow.read(async (tx) => ({
      items: (
        await queryRows<NodeRow>(
          tx,
          sql`${NODE_VIEW} WHERE ${visibleTo(caller, sql`n.lab_id`)} ORDER BY n.node_id`,
        )
      ).map(nodeView),
    }));
  }

  private async nodeRow(tx: Tx, nodeId: string, caller: Caller, lock = false): Promise<NodeRow> {
    const [row] = await queryRows<NodeRow>(
      tx,
      sql`${NODE_VIEW} WHERE n.node_id = ${nodeId} ${lock ? sql`FOR UPDATE OF n` : sql``}`,
    );
    if (!row || (!caller.allLabs && row.lab_uuid !== caller.labId)) throw notFound('Node', nodeId);
    return row;
  }

  async getNode(nodeId: string, caller: Caller): Promise<NodeView> {
    return nodeView(await this.uow.read((tx) => this.nodeRow(tx, nodeId, caller)));
  }

  createNode(input: NodeCreate, caller: Caller): Promise<NodeView> {
    return uniqueViolation(
      () =>
        this.uow.create(async (tx, append) => {
          const labId = await this.labUuid(tx, input.lab_id, caller);
          await tx.execute(sql`INSERT INTO nodes (node_id, lab_id, hostname, capabilities)
            VALUES (${input.node_id}, ${labId}, ${input.hostname}, ${JSON.stringify(input.capabilities ?? {})}::jsonb)`);
          const view = nodeView(await this.nodeRow(tx, input.node_id, caller));
          append(caller.ctx, {
            action: 'node.created',
            entityType: 'node',
            entityId: input.node_id,
            after: view,
          });
          return view;
        }),
      `Node ${input.node_id} exists`,
    );
  }

  updateNode(nodeId: string, patch: NodeUpdate, caller: Caller): Promise<NodeView> {
    return this.uow.write(async (tx, append) => {
      const before = nodeView(await this.nodeRow(tx, nodeId, caller, true));
      await tx.execute(sql`UPDATE nodes SET hostname = coalesce(${patch.hostname ?? null}, hostname),
        capabilities = coalesce(${patch.capabilities ? JSON.stringify(patch.capabilities) : null}::jsonb, capabilities)
        WHERE node_id = ${nodeId}`);
      const after = nodeView(await this.nodeRow(tx, nodeId, caller));
      append(caller.ctx, {
        action: 'node.updated',
        entityType: 'node',
        entityId: nodeId,
        before,
        after,
        reason: patch.reason,
      });
      return after;
    });
  }

  /**
   * A heartbeat stamps last_heartbeat_at. Only a change of state (offline -> online) is audited, so a
   * node beating every few seconds does not flood the audit trail with telemetry.
   */
  heartbeat(nodeId: string, caller: Caller): Promise<NodeView> {
    return this.uow.write(async (tx, append) => {
      const before = await this.nodeRow(tx, nodeId, caller, true);
      await tx.execute(
        sql`UPDATE nodes SET last_heartbeat_at = now(), status = 'online' WHERE node_id = ${nodeId}`,
      );
      const after = nodeView(await this.nodeRow(tx, nodeId, caller));
      if (before.status !== 'online') {
        append(caller.ctx, {
          action: 'node.online',
          entityType: 'node',
          entityId: nodeId,
          before: { status: before.status, last_heartbeat_at: iso(before.last_heartbeat_at) },
          after: { status: 'online' },
        });
      }
      return after;
    });
  }

  deleteNode(nodeId: string, reason: string, caller: Caller): Promise<void> {
    return this.uow.write(async (tx, append) => {
      const before = await this.nodeRow(tx, nodeId, caller, true);
      const [hub] = await queryRows(tx, sql`SELECT 1 FROM device_hubs WHERE node_id = ${before.id} LIMIT 1`);
      if (hub) throw conflict(`Node ${nodeId} still hosts device hubs`);
      await tx.execute(sql`DELETE FROM nodes WHERE node_id = ${nodeId}`);
      append(caller.ctx, {
        action: 'node.deleted',
        entityType: 'node',
        entityId: nodeId,
        before: nodeView(before),
        reason,
      });
    });
  }

  // --- device hubs ---

  listHubs(caller: Caller): Promise<DeviceHubList> {
    return this.uow.read(async (tx) => ({
      items: (
        await queryRows<HubRow>(
          tx,
          sql`${HUB_VIEW} WHERE ${visibleTo(caller, sql`n.lab_id`)} ORDER BY h.hub_id`,
        )
      ).map(hubView),
    }));
  }

  private async hubRow(tx: Tx, hubId: string, caller: Caller, lock = false): Promise<HubRow> {
    const [row] = await queryRows<HubRow>(
      tx,
      sql`${HUB_VIEW} WHERE h.hub_id = ${hubId} ${lock ? sql`FOR UPDATE OF h` : sql``}`,
    );
    if (!row || (!caller.allLabs && row.lab_uuid !== caller.labId)) throw notFound('Device hub', hubId);
    return row;
  }

  async getHub(hubId: string, caller: Caller): Promise<DeviceHubView> {
    return hubView(await this.uow.read((tx) => this.hubRow(tx, hubId, caller)));
  }

  createHub(input: HubCreate, caller: Caller): Promise<DeviceHubView> {
    return uniqueViolation(
      () =>
        this.uow.create(async (tx, append) => {
          const node = await this.nodeRow(tx, input.node_id, caller).catch(() => {
            throw badRef('body.node_id', `No node ${input.node_id}`);
          });
          await tx.execute(sql`INSERT INTO device_hubs (hub_id, node_id, hub_type, config)
            VALUES (${input.hub_id}, ${node.id}, ${input.hub_type}, ${JSON.stringify(input.config ?? {})}::jsonb)`);
          const view = hubView(await this.hubRow(tx, input.hub_id, caller));
          append(caller.ctx, {
            action: 'device_hub.created',
            entityType: 'device_hub',
            entityId: input.hub_id,
            after: view,
          });
          return view;
        }),
      `Device hub ${input.hub_id} exists`,
    );
  }

  updateHub(hubId: string, patch: HubUpdate, caller: Caller): Promise<DeviceHubView> {
    return this.uow.write(async (tx, append) => {
      const before = hubView(await this.hubRow(tx, hubId, caller, true));
      await tx.execute(sql`UPDATE device_hubs SET hub_type = coalesce(${patch.hub_type ?? null}, hub_type),
        config = coalesce(${patch.config ? JSON.stringify(patch.config) : null}::jsonb, config),
        status = coalesce(${patch.status ?? null}, status)
        WHERE hub_id = ${hubId}`);
      const after = hubView(await this.hubRow(tx, hubId, caller));
      append(caller.ctx, {
        action: 'device_hub.updated',
        entityType: 'device_hub',
        entityId: hubId,
        before,
        after,
        reason: patch.reason,
      });
      return after;
    });
  }

  deleteHub(hubId: string, reason: string, caller: Caller): Promise<void> {
    return this.uow.write(async (tx, append) => {
      const before = await this.hubRow(tx, hubId, caller, true);
      const [device] = await queryRows(tx, sql`SELECT 1 FROM devices WHERE hub_id = ${before.id} LIMIT 1`);
      if (device) throw conflict(`Device hub ${hubId} still has devices`);
      await tx.execute(sql`DELETE FROM device_hubs WHERE hub_id = ${hubId}`);
      append(caller.ctx, {
        action: 'device_hub.deleted',
        entityType: 'device_hub',
        entityId: hubId,
        before: hubView(before),
        reason,
      });
    });
  }

  private async labUuid(tx: Tx, labCode: string | undefined, caller: Caller): Promise<string> {
    if (labCode === undefined) {
      if (!caller.labId) throw badRef('body.lab_id', 'No lab given and the caller has none');
      return caller.labId;
    }
    const [lab] = await queryRows<{ id: string }>(tx, sql`SELECT id FROM labs WHERE lab_id = ${labCode}`);
    if (!lab || (!caller.allLabs && lab.id !== caller.labId))
      throw badRef('body.lab_id', `No lab ${labCode}`);
    return lab.id;
  }
}
