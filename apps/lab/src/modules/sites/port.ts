// What the sites module publishes to the rest of the lab: the default lab every new database gets,
// where users without a lab assignment belong. Start-up, tests and seed-demo import it from here.
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';

/** The lab code of the default lab, where users without an assignment belong. */
export const DEFAULT_LAB_CODE = 'default';
const DEFAULT_ORG_CODE = 'default';

/** The default lab's and organization's database ids (labs.id, organizations.id). */
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

async function ensureAgain(tx: Pick<LabTx, 'execute'>): Promise<DefaultSite> {
  const [row] = await queryRows<{ id: string; organization_id: string }>(
    tx,
    sql`SELECT id, organization_id FROM labs WHERE lab_id = ${DEFAULT_LAB_CODE}`,
  );
  if (!row) throw new Error('default lab vanished');
  return { organizationId: row.organization_id, labId: row.id };
}
