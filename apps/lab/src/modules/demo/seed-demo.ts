import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { queryRows } from '../../db/client.ts';
import { type Caller, systemCaller } from '../../platform/access/lab-scope.ts';
import type { Role } from '../../platform/access/permissions.ts';
import type { SampleInput } from '../samples/service.ts';
import { DEFAULT_LAB_CODE, ensureDefaultSite } from '../sites/port.ts';

export const DEMO_ACTOR = 'system:seed-demo';
export const DEMO_LAB_2 = 'LAB-QC2';

export interface DemoSummary {
  alreadySeeded: boolean;
  labs: string[];
  users: { email: string; role: Role; lab: string; password: string }[];
  samples: number;
  aliquots: number;
  items: number;
  lots: number;
  devices: number;
  overdueDevices: number;
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/**
 * Loads a small realistic lab through the same services the API uses, so every record is audited:
 * 2 labs, users in every role, projects and batches, 200 samples (40 of them aliquots), 30 inventory
 * items with lots (some expiring, some expired, some low), 10 devices (2 overdue, 1 failed calibration).
 * Running it again changes nothing.
 */
export async function seedDemo(
  app: FastifyInstance,
  passwordFor: (email: string) => string = demoPassword,
): Promise<DemoSummary> {
  const { lims, users, uow } = app.lab;
  const site = await ensureDefaultSite(uow);
  const empty: DemoSummary = {
    alreadySeeded: true,
    labs: [],
    users: [],
    samples: 0,
    aliquots: 0,
    items: 0,
    lots: 0,
    devices: 0,
    overdueDevices: 0,
  };
  const root = systemCaller(DEMO_ACTOR, site.labId);
  try {
    await lims.projects.get('DEMO-STAB', root);
    return empty;
  } catch {
    // not seeded yet
  }

  await lims.sites.createLab(
    { lab_id: DEMO_LAB_2, org_id: 'default', name: 'QC lab 2', location: 'Building B, floor 2' },
    root,
  );
  const lab2 = DEMO_LAB_2;
  const labIds: Record<string, string> = { [DEFAULT_LAB_CODE]: site.labId, [lab2]: await labUuid(app, lab2) };

  const summary: DemoSummary = { ...empty, alreadySeeded: false, labs: [DEFAULT_LAB_CODE, lab2] };
  const roles: Role[] = ['admin', 'scientist', 'technician', 'compliance'];
  for (const labCode of [DEFAULT_LAB_CODE, lab2]) {
    for (const role of roles) {
      const email = `demo-${role}${labCode === DEFAULT_LAB_CODE ? '' : '-2'}@polymorph.example`;
      const password = passwordFor(email);
      await users.create(
        {
          email,
          name: `Demo ${role}${labCode === DEFAULT_LAB_CODE ? '' : ' (lab 2)'}`,
          password,
          roles: [role],
        },
        root.ctx,
      );
      if (labCode !== DEFAULT_LAB_CODE)
        await lims.sites.setMembership(labCode, email, 'demo lab 2 staff', root);
      summary.users.push({ email, role, lab: labCode, password });
    }
  }

  for (const [index, labCode] of [DEFAULT_LAB_CODE, lab2].entries()) {
    const scientist = `demo-scientist${index === 0 ? '' : '-2'}@polymorph.example`;
    const caller: Caller = {
      ...systemCaller(DEMO_ACTOR, labIds[labCode]!),
      email: scientist,
      allLabs: false,
    };
    const prefix = index === 0 ? 'DEMO' : 'DEMO2';
    const projects = [`${prefix}-STAB`, `${prefix}-FORM`];
    for (const p of projects) {
      await lims.projects.create(
        { project_id: p, name: p.endsWith('STAB') ? 'Stability study' : 'Formulation screen' },
        caller,
      );
      for (const b of [1, 2])
        await lims.batches.create(
          { batch_id: `${p}-B${b}`, project_id: p, description: `Batch ${b} of ${p}` },
          caller,
        );
    }
    for (let c = 1; c <= 4; c++) {
      await lims.containers.create(
        {
          container_id: `${prefix}-BOX-${c}`,
          container_type: c === 4 ? 'rack' : 'box',
          location: `site-${index + 1}/room-1/freezer-${Math.ceil(c / 2)}/shelf-${c}/box-${c}`,
          capacity: 100,
        },
        caller,
      );
    }
    // 80 samples per lab in bulk, then 10 of them split into 2 aliquots each: 100 per lab, 200 in all.
    const batch: SampleInput[] = Array.from({ length: 80 }, (_, i) => ({
      name: `${i % 2 ? 'Tablet' : 'API'} sample ${i + 1}`,
      lot_number: `LOT-${prefix}-${1000 + (i % 7)}`,
      project_id: projects[i % 2]!,
      batch_id: `${projects[i % 2]!}-B${i % 4 < 2 ? 1 : 2}`,
      container_id: `${prefix}-BOX-${(i % 4) + 1}`,
      quantity: 10,
      unit: i % 2 ? 'g' : 'mL',
      metadata: {
        matrix: i % 3 ? 'solid' : 'solution',
        storage: i % 5 ? '2-8C' : '-20C',
        timepoint_months: [0, 3, 6, 12][i % 4],
      },
    }));
    const created = [
      ...(await lims.samples.createBulk(batch.slice(0, 40), caller)),
      ...(await lims.samples.createBulk(batch.slice(40), caller)),
    ];
    summary.samples += created.length;
    for (const parent of created.slice(0, 10)) {
      await lims.samples.split(
        parent.sample_id,
        { children: [{ quantity: 2 }, { quantity: 2 }], reason: 'aliquots for assay' },
        caller,
      );
      summary.samples += 2;
      summary.aliquots += 2;
    }
    await lims.samples.update(
      created[20]!.sample_id,
      { status: 'quarantined', reason: 'out-of-specification assay' },
      caller,
    );
  }

  // Inventory: 30 items (20 in the default lab, 10 in lab 2), lots with a spread of expiry dates; vendors are shared.
  const tech = { ...root, email: 'demo-technician@polymorph.example' };
  await lims.inventory.createVendor(
    { vendor_id: 'V-SIGMA', name: 'Sigma-Aldrich', contact_email: 'orders@sigma.example' },
    tech,
  );
  await lims.inventory.createVendor({ vendor_id: 'V-FISHER', name: 'Fisher Scientific' }, tech);
  const categories = ['solvent', 'reagent', 'standard', 'consumable', 'column'];
  for (let i = 1; i <= 30; i++) {
    const code = `ITEM-${String(i).padStart(3, '0')}`;
    await lims.inventory.createItem(
      {
        item_code: code,
        name: `${categories[i % 5]} ${i}`,
        category: categories[i % 5]!,
        unit: i % 5 === 3 ? 'box' : 'L',
        reorder_point: i % 6 === 0 ? 50 : 5,
        vendor_id: i % 2 ? 'V-SIGMA' : 'V-FISHER',
        // Items 21-30 are held in the second lab's stores.
        ...(i > 20 ? { lab_id: lab2 } : {}),
      },
      tech,
    );
    summary.items++;
    const lots = i % 3 === 0 ? 2 : 1;
    for (let l = 1; l <= lots; l++) {
      // Every 7th item has a lot expiring within 30 days, every 11th an expired one.
      const expiry =
        i % 7 === 0 && l === 1 ? day(10 + i) : i % 11 === 0 && l === 1 ? day(-5) : day(200 + 10 * i);
      await lims.inventory.receiveLot(
        {
          lot_number: `${code}-L${l}`,
          item_code: code,
          quantity: 10 + i,
          vendor_id: i % 2 ? 'V-SIGMA' : 'V-FISHER',
          received_date: day(-30),
          expiration_date: expiry,
          location: 'stores/cabinet-1',
        },
        tech,
      );
      summary.lots++;
    }
  }
  await lims.inventory.consume('ITEM-001-L1', { quantity: 3, reason: 'mobile phase prep' }, tech);

  // 10 devices, 5 per lab: 2 overdue for calibration, 1 failed.
  const types = [
    ['Agilent', '1260 Infinity II', 'hplc'],
    ['Mettler Toledo', 'XPR205', 'balance'],
    ['Thermo', 'Nicolet iS50', 'ftir'],
    ['Malvern', 'Mastersizer 3000', 'particle_size'],
    ['Bruker', 'D8 Advance', 'xrd'],
  ] as const;
  for (let d = 1; d <= 10; d++) {
    const [vendor, model, type] = types[(d - 1) % 5]!;
    const labCode = d <= 5 ? DEFAULT_LAB_CODE : lab2;
    const device = `DEV-${String(d).padStart(2, '0')}`;
    const caller = {
      ...systemCaller(DEMO_ACTOR, labIds[labCode]!),
      email: 'demo-technician@polymorph.example',
    };
    await lims.devices.create(
      {
        device_id: device,
        vendor,
        model,
        serial_number: `SN-${1000 + d}`,
        device_type: type,
        location: `${labCode}/bench-${d}`,
      },
      caller,
    );
    summary.devices++;
    const overdue = d === 3 || d === 8;
    await lims.calibration.record(
      {
        device_id: device,
        calibration_date: overdue ? day(-400) : day(-30),
        next_due_date: overdue ? day(-35) : day(d % 2 ? 20 : 150),
        result: d === 5 ? 'failed' : 'valid',
        results: { reference: 'NIST SRM', deviation_pct: d === 5 ? 2.4 : 0.2 },
        reference_standard: 'NIST traceable',
      },
      caller,
    );
    if (overdue) summary.overdueDevices++;
  }
  return summary;
}

async function labUuid(app: FastifyInstance, labCode: string): Promise<string> {
  const rows = await app.lab.uow.read((tx) =>
    queryRows<{ id: string }>(tx, sql`SELECT id FROM labs WHERE lab_id = ${labCode}`),
  );
  return rows[0]!.id;
}

/** POLYMORPH_DEMO_PASSWORD for every demo user, or a fresh random one each (printed once). */
export function demoPassword(): string {
  return process.env['POLYMORPH_DEMO_PASSWORD'] || `Demo-${randomBytes(9).toString('base64url')}-Lab`;
}
