import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { iso } from '../../db/sql-values.ts';
import { type Caller, notFound } from '../../platform/access/lab-scope.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';

type Tx = Pick<LabTx, 'execute'>;

/** The lab code of the default lab, where users without an assignment belong. */
export const DEFAULT_LAB_CODE = 'default';
export const DEFAULT_ORG_CODE = 'default';
/** A node is shown offline when its last heartbeat is older than this. */
export const NODE_HEARTBEAT_TIMEOUT_S = 90;

export interface DefaultSite {
  organizationId: string;
  labId: string;
}

/**
 * An empty database gets one organization and one lab (names configurable); users without a lab belong
 * there, and `create-admin` places the first admin there. Idempotent; audited as `system` when it creates.
 */
export async function ensureDefaultSite(
  uow: UnitOfWork,
  names: { organization?: string | undefined; lab?: string | undefined } = {},
): Promise<DefaultSite> {
  return uow.write(async (tx, append) => {
    const [existing] = await queryRows<{ id: string; organization_id: string }>(
      tx,
      sql`SELECT id, organization_id FROM labs WHERE lab_id = ${DEFAULT_LAB_CODE}`,
    );
    if (existing) return { organizationId: existing.organization_id, labId: existing.id };
    const system = { actor: 'system', requestId: null, ip: null };
    let [org] = await queryRows<{ id: string }>(
      tx,
      sql`SELECT id FROM organizations WHERE org_id = ${DEFAULT_ORG_CODE}`,
    );
    if (!org) {
      [org] = await queryRows<{ id: string }>(
        tx,
        sql`INSERT INTO organizations (org_id, name) VALUES (${DEFAULT_ORG_CODE}, ${names.organization ?? 'Default organization'})
            ON CONFLICT (org_id) DO NOTHING RETURNING id`,
      );
      if (!org) return ensureAgain(tx);
    }
    const [lab] = await queryRows<{ id: string }>(
      tx,
      sql`INSERT INTO labs (lab_id, organization_id, name) VALUES (${DEFAULT_LAB_CODE}, ${org.id}, ${names.lab ?? 'Default lab'})
          ON CONFLICT (lab_id) DO NOTHING RETURNING id`,
    );
    // Another instance starting at the same moment won the race; use its rows.
    if (!lab) return ensureAgain(tx);
    append(system, {
      action: 'site.default_created',
      entityType: 'lab',
      entityId: DEFAULT_LAB_CODE,
      after: { org_id: DEFAULT_ORG_CODE, lab_id: DEFAULT_LAB_CODE, name: names.lab ?? 'Default lab' },
    });
    return { organizationId: org.id, labId: lab.id };
  });
}

async function ensureAgain(tx: Tx): Promise<DefaultSite> {
  const [row] = await queryRows<{ id: string; organization_id: string }>(
    tx,
    sql`SELECT id, organization_id FROM labs WHERE lab_id = ${DEFAULT_LAB_CODE}`,
  );
  if (!row) throw new Error('default lab vanished');
  return { organizationId: row.organization_id, labId: row.id };
}

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

type Row = Record<string, unknown>;
const dates = (r: Row) => {
  const out: Row = {};
  for (const [k, v] of Object.entries(r)) {
    if (k === 'id' || k === 'lab_uuid') continue;
    out[k] = v instanceof Date || k.endsWith('_at') ? iso(v) : v;
  }
  return out;
};

/** Organizations, labs, nodes (with heartbeat), device hubs, and lab membership. */
export class SiteService {
  constructor(private readonly uow: UnitOfWork) {}

  // --- organizations (admin: sites:create/update; reading is open to sites:read) ---

  listOrganizations() {
    return this.uow.read(async (tx) => ({
      items: (await queryRows<Row>(tx, sql`${ORG_VIEW} ORDER BY o.org_id`)).map(dates),
    }));
  }

  async getOrganization(orgId: string) {
    const [row] = await this.uow.read((tx) => queryRows<Row>(tx, sql`${ORG_VIEW} WHERE o.org_id = ${orgId}`));
    if (!row) throw notFound('Organization', orgId);
    return dates(row);
  }

  createOrganization(input: { org_id: string; name: string }, caller: Caller) {
    return uniqueViolation(
      () =>
        this.uow.write(async (tx, append) => {
          await tx.execute(
            sql`INSERT INTO organizations (org_id, name) VALUES (${input.org_id}, ${input.name})`,
          );
          const [row] = await queryRows<Row>(tx, sql`${ORG_VIEW} WHERE o.org_id = ${input.org_id}`);
          const view = dates(row!);
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

  updateOrganization(orgId: string, patch: { name?: string | undefined; reason: string }, caller: Caller) {
    return this.uow.write(async (tx, append) => {
      const [before] = await queryRows<Row>(tx, sql`${ORG_VIEW} WHERE o.org_id = ${orgId} FOR UPDATE OF o`);
      if (!before) throw notFound('Organization', orgId);
      await tx.execute(
        sql`UPDATE organizations SET name = coalesce(${patch.name ?? null}, name) WHERE org_id = ${orgId}`,
      );
      const [after] = await queryRows<Row>(tx, sql`${ORG_VIEW} WHERE o.org_id = ${orgId}`);
      append(caller.ctx, {
        action: 'organization.updated',
        entityType: 'organization',
        entityId: orgId,
        before: dates(before),
        after: dates(after!),
        reason: patch.reason,
      });
      return dates(after!);
    });
  }

  /** Only an organization without labs can go; labs are deactivated, never deleted. */
  deleteOrganization(orgId: string, reason: string, caller: Caller) {
    return this.uow.write(async (tx, append) => {
      const [before] = await queryRows<Row>(tx, sql`${ORG_VIEW} WHERE o.org_id = ${orgId} FOR UPDATE OF o`);
      if (!before) throw notFound('Organization', orgId);
      if ((before['lab_count'] as number) > 0) throw conflict(`Organization ${orgId} still has labs`);
      const [member] = await queryRows(
        tx,
        sql`SELECT 1 FROM users WHERE organization_id = ${before['id']} LIMIT 1`,
      );
      if (member) throw conflict(`Organization ${orgId} still has members`);
      await tx.execute(sql`DELETE FROM organizations WHERE org_id = ${orgId}`);
      append(caller.ctx, {
        action: 'organization.deleted',
        entityType: 'organization',
        entityId: orgId,
        before: dates(before),
        reason,
      });
    });
  }

  // --- labs ---

  listLabs(caller: Caller) {
    return this.uow.read(async (tx) => ({
      items: (
        await queryRows<Row>(
          tx,
          sql`${LAB_VIEW} WHERE ${caller.allLabs ? sql`TRUE` : sql`l.id = ${caller.labId}`} ORDER BY l.lab_id`,
        )
      ).map(dates),
    }));
  }

  async getLab(labCode: string, caller: Caller) {
    const [row] = await this.uow.read((tx) =>
      queryRows<Row>(tx, sql`${LAB_VIEW} WHERE l.lab_id = ${labCode}`),
    );
    if (!row || (!caller.allLabs && row['id'] !== caller.labId)) throw notFound('Lab', labCode);
    return dates(row);
  }

  createLab(
    input: {
      lab_id: string;
      org_id: string;
      name: string;
      location?: string | undefined;
      timezone?: string | undefined;
    },
    caller: Caller,
  ) {
    return uniqueViolation(
      () =>
        this.uow.write(async (tx, append) => {
          const [org] = await queryRows<{ id: string }>(
            tx,
            sql`SELECT id FROM organizations WHERE org_id = ${input.org_id}`,
          );
          if (!org) throw badRef('body.org_id', `No organization ${input.org_id}`);
          await tx.execute(sql`INSERT INTO labs (lab_id, organization_id, name, location, timezone)
            VALUES (${input.lab_id}, ${org.id}, ${input.name}, ${input.location ?? null}, ${input.timezone ?? 'UTC'})`);
          const [row] = await queryRows<Row>(tx, sql`${LAB_VIEW} WHERE l.lab_id = ${input.lab_id}`);
          const view = dates(row!);
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
  updateLab(
    labCode: string,
    patch: {
      name?: string | undefined;
      location?: string | undefined;
      timezone?: string | undefined;
      is_active?: boolean | undefined;
      reason: string;
    },
    caller: Caller,
  ) {
    return this.uow.write(async (tx, append) => {
      const [before] = await queryRows<Row>(tx, sql`${LAB_VIEW} WHERE l.lab_id = ${labCode} FOR UPDATE OF l`);
      if (!before) throw notFound('Lab', labCode);
      if (patch.is_active === false && labCode === DEFAULT_LAB_CODE)
        throw conflict('The default lab cannot be deactivated');
      await tx.execute(sql`UPDATE labs SET name = coalesce(${patch.name ?? null}, name),
          location = coalesce(${patch.location ?? null}, location), timezone = coalesce(${patch.timezone ?? null}, timezone),
          is_active = coalesce(${patch.is_active ?? null}::boolean, is_active)
        WHERE lab_id = ${labCode}`);
      const [after] = await queryRows<Row>(tx, sql`${LAB_VIEW} WHERE l.lab_id = ${labCode}`);
      append(caller.ctx, {
        action: patch.is_active === false ? 'lab.deactivated' : 'lab.updated',
        entityType: 'lab',
        entityId: labCode,
        before: dates(before),
        after: dates(after!),
        reason: patch.reason,
      });
      return dates(after!);
    });
  }

  /** Membership: places a user in a lab (and its organization). */
  setMembership(labCode: string, email: string, reason: string, caller: Caller) {
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

  async listMembers(labCode: string, caller: Caller) {
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
    return { lab_id: lab['lab_id'], items: rows };
  }

  // --- nodes ---

  listNodes(caller: Caller) {
    return this.uow.read(async (tx) => ({
      items: (
        await queryRows<Row>(
          tx,
          sql`${NODE_VIEW} WHERE ${caller.allLabs ? sql`TRUE` : sql`n.lab_id = ${caller.labId}`} ORDER BY n.node_id`,
        )
      ).map(dates),
    }));
  }

  private async nodeRow(tx: Tx, nodeId: string, caller: Caller, lock = false) {
    const [row] = await queryRows<Row>(
      tx,
      sql`${NODE_VIEW} WHERE n.node_id = ${nodeId} ${lock ? sql`FOR UPDATE OF n` : sql``}`,
    );
    if (!row || (!caller.allLabs && row['lab_uuid'] !== caller.labId)) throw notFound('Node', nodeId);
    return row;
  }

  async getNode(nodeId: string, caller: Caller) {
    return dates(await this.uow.read((tx) => this.nodeRow(tx, nodeId, caller)));
  }

  createNode(
    input: {
      node_id: string;
      lab_id?: string | undefined;
      hostname: string;
      capabilities?: Record<string, unknown> | undefined;
    },
    caller: Caller,
  ) {
    return uniqueViolation(
      () =>
        this.uow.write(async (tx, append) => {
          const labId = await this.labUuid(tx, input.lab_id, caller);
          await tx.execute(sql`INSERT INTO nodes (node_id, lab_id, hostname, capabilities)
            VALUES (${input.node_id}, ${labId}, ${input.hostname}, ${JSON.stringify(input.capabilities ?? {})}::jsonb)`);
          const view = dates(await this.nodeRow(tx, input.node_id, caller));
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

  updateNode(
    nodeId: string,
    patch: {
      hostname?: string | undefined;
      capabilities?: Record<string, unknown> | undefined;
      reason: string;
    },
    caller: Caller,
  ) {
    return this.uow.write(async (tx, append) => {
      const before = dates(await this.nodeRow(tx, nodeId, caller, true));
      await tx.execute(sql`UPDATE nodes SET hostname = coalesce(${patch.hostname ?? null}, hostname),
        capabilities = coalesce(${patch.capabilities ? JSON.stringify(patch.capabilities) : null}::jsonb, capabilities)
        WHERE node_id = ${nodeId}`);
      const after = dates(await this.nodeRow(tx, nodeId, caller));
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
  heartbeat(nodeId: string, caller: Caller) {
    return this.uow.write(async (tx, append) => {
      const before = await this.nodeRow(tx, nodeId, caller, true);
      await tx.execute(
        sql`UPDATE nodes SET last_heartbeat_at = now(), status = 'online' WHERE node_id = ${nodeId}`,
      );
      const after = dates(await this.nodeRow(tx, nodeId, caller));
      if (before['status'] !== 'online') {
        append(caller.ctx, {
          action: 'node.online',
          entityType: 'node',
          entityId: nodeId,
          before: { status: before['status'], last_heartbeat_at: iso(before['last_heartbeat_at']) },
          after: { status: 'online' },
        });
      }
      return after;
    });
  }

  deleteNode(nodeId: string, reason: string, caller: Caller) {
    return this.uow.write(async (tx, append) => {
      const before = await this.nodeRow(tx, nodeId, caller, true);
      const [hub] = await queryRows(
        tx,
        sql`SELECT 1 FROM device_hubs WHERE node_id = ${before['id']} LIMIT 1`,
      );
      if (hub) throw conflict(`Node ${nodeId} still hosts device hubs`);
      await tx.execute(sql`DELETE FROM nodes WHERE node_id = ${nodeId}`);
      append(caller.ctx, {
        action: 'node.deleted',
        entityType: 'node',
        entityId: nodeId,
        before: dates(before),
        reason,
      });
    });
  }

  // --- device hubs ---

  listHubs(caller: Caller) {
    return this.uow.read(async (tx) => ({
      items: (
        await queryRows<Row>(
          tx,
          sql`${HUB_VIEW} WHERE ${caller.allLabs ? sql`TRUE` : sql`n.lab_id = ${caller.labId}`} ORDER BY h.hub_id`,
        )
      ).map(dates),
    }));
  }

  private async hubRow(tx: Tx, hubId: string, caller: Caller, lock = false) {
    const [row] = await queryRows<Row>(
      tx,
      sql`${HUB_VIEW} WHERE h.hub_id = ${hubId} ${lock ? sql`FOR UPDATE OF h` : sql``}`,
    );
    if (!row || (!caller.allLabs && row['lab_uuid'] !== caller.labId)) throw notFound('Device hub', hubId);
    return row;
  }

  async getHub(hubId: string, caller: Caller) {
    return dates(await this.uow.read((tx) => this.hubRow(tx, hubId, caller)));
  }

  createHub(
    input: {
      hub_id: string;
      node_id: string;
      hub_type: string;
      config?: Record<string, unknown> | undefined;
    },
    caller: Caller,
  ) {
    return uniqueViolation(
      () =>
        this.uow.write(async (tx, append) => {
          const node = await this.nodeRow(tx, input.node_id, caller).catch(() => {
            throw badRef('body.node_id', `No node ${input.node_id}`);
          });
          await tx.execute(sql`INSERT INTO device_hubs (hub_id, node_id, hub_type, config)
            VALUES (${input.hub_id}, ${node['id']}, ${input.hub_type}, ${JSON.stringify(input.config ?? {})}::jsonb)`);
          const view = dates(await this.hubRow(tx, input.hub_id, caller));
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

  updateHub(
    hubId: string,
    patch: {
      hub_type?: string | undefined;
      config?: Record<string, unknown> | undefined;
      status?: string | undefined;
      reason: string;
    },
    caller: Caller,
  ) {
    return this.uow.write(async (tx, append) => {
      const before = dates(await this.hubRow(tx, hubId, caller, true));
      await tx.execute(sql`UPDATE device_hubs SET hub_type = coalesce(${patch.hub_type ?? null}, hub_type),
        config = coalesce(${patch.config ? JSON.stringify(patch.config) : null}::jsonb, config),
        status = coalesce(${patch.status ?? null}, status)
        WHERE hub_id = ${hubId}`);
      const after = dates(await this.hubRow(tx, hubId, caller));
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

  deleteHub(hubId: string, reason: string, caller: Caller) {
    return this.uow.write(async (tx, append) => {
      const before = await this.hubRow(tx, hubId, caller, true);
      const [device] = await queryRows(tx, sql`SELECT 1 FROM devices WHERE hub_id = ${before['id']} LIMIT 1`);
      if (device) throw conflict(`Device hub ${hubId} still has devices`);
      await tx.execute(sql`DELETE FROM device_hubs WHERE hub_id = ${hubId}`);
      append(caller.ctx, {
        action: 'device_hub.deleted',
        entityType: 'device_hub',
        entityId: hubId,
        before: dates(before),
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
