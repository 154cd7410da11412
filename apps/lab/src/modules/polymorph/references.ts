// The reference library of a lab: the built-in simulator forms (served from code, the same in every
// lab, version 1 for ever) and the references users upload as JCAMP-DX. Each upload is a new,
// immutable version; retiring a reference is refused while an effective workflow pins it.
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { iso } from '../../db/sql-values.ts';
import { type Caller, notFound, visibleTo } from '../../platform/access/lab-scope.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import { builtInId, builtInSpectra, type LoadedReference } from './identifier.ts';
import { BUILT_IN_PREFIX, type Pin, pinsReference, pinText } from './pins.ts';
import type {
  ReferenceFields,
  ReferenceVersionDetail,
  ReferenceVersionView,
  ReferenceView,
} from './schemas.ts';

type Tx = Pick<LabTx, 'execute'>;

/** A parsed upload: the spectrum and the file it came from. */
export interface ReferenceFile {
  fileName: string;
  content: string;
  x: number[];
  y: number[];
}

const BUILT_IN_SOURCE =
  'Built in: the simulator’s SYNTHETIC peak lists, noise-free (not a measured compound)';
const BUILT_IN_AT = '2026-01-01T00:00:00.000Z';

export const spectrumJson = (x: readonly number[], y: readonly number[]) => JSON.stringify({ x, y });
export const sha256Of = (text: string) => createHash('sha256').update(text).digest('hex');

interface BuiltIn {
  view: ReferenceView;
  version: ReferenceVersionDetail;
  loaded: LoadedReference;
}

let builtInCache: Map<string, BuiltIn> | undefined;
function builtIns(): Map<string, BuiltIn> {
  if (builtInCache) return builtInCache;
  builtInCache = new Map();
  for (const ref of builtInSpectra()) {
    const id = builtInId(ref.form);
    const json = spectrumJson(ref.x, ref.y);
    const sha256 = sha256Of(json);
    const view: ReferenceView = {
      reference_id: id,
      name: ref.name,
      form: ref.form,
      source: BUILT_IN_SOURCE,
      built_in: true,
      status: 'active',
      latest_version: 1,
      lab_id: null,
      created_by: 'system',
      created_at: BUILT_IN_AT,
      retired_by: null,
      retired_at: null,
      retire_reason: null,
    };
    const version: ReferenceVersionDetail = {
      ...versionSummary(id, 1, sha256, ref.x, null, null, 'system', BUILT_IN_AT),
      spectrum: { x: [...ref.x], y: [...ref.y] },
    };
    const loaded = {
      referenceId: id,
      version: 1,
      form: ref.form,
      name: ref.name,
      sha256,
      x: ref.x,
      y: ref.y,
    };
    builtInCache.set(id, { view, version, loaded });
  }
  return builtInCache;
}

/** The library a classify step or request gets when it pins nothing: every built-in reference. */
export const defaultReferences = (): LoadedReference[] => [...builtIns().values()].map((b) => b.loaded);

function versionSummary(
  referenceId: string,
  version: number,
  sha256: string,
  x: readonly number[],
  fileName: string | null,
  fileSha256: string | null,
  uploadedBy: string,
  uploadedAt: string,
): ReferenceVersionView {
  return {
    reference_id: referenceId,
    version,
    sha256,
    points: x.length,
    x_min: x[0] ?? 0,
    x_max: x.at(-1) ?? 0,
    file_name: fileName,
    file_sha256: fileSha256,
    uploaded_by: uploadedBy,
    uploaded_at: uploadedAt,
  };
}

interface RefRow {
  id: string;
  lab_uuid: string;
  reference_id: string;
  name: string;
  form: string;
  source: string;
  status: 'active' | 'retired';
  lab_id: string | null;
  created_by: string;
  created_at: unknown;
  retired_by: string | null;
  retired_at: unknown;
  retire_reason: string | null;
  latest_version: number;
}

const REF_VIEW = sql`SELECT r.id, r.lab_id AS lab_uuid, r.reference_id, r.name, r.form, r.source, r.status,
    l.lab_id, r.created_by, r.created_at, r.retired_by, r.retired_at, r.retire_reason,
    (SELECT max(v.version) FROM polymorph_reference_versions v WHERE v.reference_uuid = r.id)::int AS latest_version
  FROM polymorph_references r JOIN labs l ON l.id = r.lab_id`;

const toView = (r: RefRow): ReferenceView => ({
  reference_id: r.reference_id,
  name: r.name,
  form: r.form,
  source: r.source,
  built_in: false,
  status: r.status,
  latest_version: r.latest_version,
  lab_id: r.lab_id,
  created_by: r.created_by,
  created_at: iso(r.created_at)!,
  retired_by: r.retired_by,
  retired_at: iso(r.retired_at),
  retire_reason: r.retire_reason,
});

/** The caller's own lab's reference (an admin sees every lab, where ids may repeat). */
const ownLab = (caller: Caller) =>
  sql`${caller.labId === null ? sql`TRUE` : sql`r.lab_id = ${caller.labId}`} AND ${visibleTo(caller, sql`r.lab_id`)}`;

async function referenceRow(tx: Tx, id: string, caller: Caller, lock = false): Promise<RefRow> {
  const [row] = await queryRows<RefRow>(
    tx,
    sql`${REF_VIEW} WHERE r.reference_id = ${id} AND ${ownLab(caller)} ${lock ? sql`FOR UPDATE OF r` : sql``}`,
  );
  if (!row) throw notFound('Reference', id);
  return row;
}

interface VersionRow {
  version: number;
  sha256: string;
  spectrum?: string;
  points: number;
  file_name: string;
  file_sha256: string;
  uploaded_by: string;
  uploaded_at: unknown;
}

function versionView(referenceId: string, v: VersionRow, x: readonly number[]): ReferenceVersionView {
  return versionSummary(
    referenceId,
    v.version,
    v.sha256,
    x,
    v.file_name,
    v.file_sha256,
    v.uploaded_by,
    iso(v.uploaded_at)!,
  );
}

/** x range without reading the whole spectrum: the stored JSON starts with x. */
const rangeSql = sql`(v.spectrum::jsonb->'x'->>0)::float8 AS x_min,
  (v.spectrum::jsonb->'x'->>(jsonb_array_length(v.spectrum::jsonb->'x') - 1))::float8 AS x_max`;

export class ReferenceService {
  constructor(private readonly uow: UnitOfWork) {}

  async list(caller: Caller): Promise<{ items: ReferenceView[] }> {
    const rows = await this.uow.read((tx) =>
      queryRows<RefRow>(
        tx,
        sql`${REF_VIEW} WHERE ${visibleTo(caller, sql`r.lab_id`)} ORDER BY l.lab_id, r.reference_id`,
      ),
    );
    return { items: [...[...builtIns().values()].map((b) => b.view), ...rows.map(toView)] };
  }

  async get(referenceId: string, caller: Caller): Promise<ReferenceView> {
    const builtIn = builtIns().get(referenceId);
    if (builtIn) return builtIn.view;
    return toView(await this.uow.read((tx) => referenceRow(tx, referenceId, caller)));
  }

  async versions(referenceId: string, caller: Caller): Promise<{ items: ReferenceVersionView[] }> {
    const builtIn = builtIns().get(referenceId);
    if (builtIn) {
      const { spectrum: _, ...summary } = builtIn.version;
      return { items: [summary] };
    }
    return this.uow.read(async (tx) => {
      const ref = await referenceRow(tx, referenceId, caller);
      const rows = await queryRows<VersionRow & { x_min: number; x_max: number }>(
        tx,
        sql`SELECT v.version, v.sha256, v.points, v.file_name, v.file_sha256, v.uploaded_by, v.uploaded_at, ${rangeSql}
              FROM polymorph_reference_versions v WHERE v.reference_uuid = ${ref.id} ORDER BY v.version`,
      );
      return {
        items: rows.map((v) => ({ ...versionView(referenceId, v, []), x_min: v.x_min, x_max: v.x_max })),
      };
    });
  }

  async version(referenceId: string, version: number, caller: Caller): Promise<ReferenceVersionDetail> {
    const builtIn = builtIns().get(referenceId);
    if (builtIn && version === 1) return builtIn.version;
    if (builtIn) throw notFound('Reference version', `${referenceId}@${version}`);
    return this.uow.read(async (tx) => {
      const ref = await referenceRow(tx, referenceId, caller);
      const [v] = await queryRows<VersionRow>(
        tx,
        sql`SELECT version, sha256, spectrum, points, file_name, file_sha256, uploaded_by, uploaded_at
              FROM polymorph_reference_versions WHERE reference_uuid = ${ref.id} AND version = ${version}`,
      );
      if (!v?.spectrum) throw notFound('Reference version', `${referenceId}@${version}`);
      const spectrum = JSON.parse(v.spectrum) as { x: number[]; y: number[] };
      return { ...versionView(referenceId, v, spectrum.x), spectrum };
    });
  }

  /** A new reference with its first version, from an uploaded JCAMP-DX file. */
  async create(fields: ReferenceFields, file: ReferenceFile, caller: Caller): Promise<ReferenceView> {
    if (fields.reference_id.startsWith(BUILT_IN_PREFIX)) {
      throw new HttpProblem(
        400,
        'validation-error',
        'Invalid request',
        'SIM- ids are the built-in references',
        [{ field: 'body.reference_id', message: `must not start with ${BUILT_IN_PREFIX}` }],
      );
    }
    if (caller.labId === null) {
      throw new HttpProblem(
        409,
        'conflict',
        'Conflict',
        'A reference belongs to a lab; this account has none',
      );
    }
    const labId = caller.labId;
    try {
      return await this.uow.write(async (tx, audit) => {
        const [row] = await queryRows<{ id: string }>(
          tx,
          sql`INSERT INTO polymorph_references (lab_id, reference_id, name, form, source, created_by)
              VALUES (${labId}, ${fields.reference_id}, ${fields.name}, ${fields.form}, ${fields.source}, ${caller.email})
              RETURNING id`,
        );
        const version = await insertVersion(
          tx,
          { uuid: row!.id, referenceId: fields.reference_id },
          1,
          file,
          caller.email,
        );
        const view = toView(await referenceRow(tx, fields.reference_id, caller));
        audit(caller.ctx, {
          action: 'polymorph_reference.created',
          entityType: 'polymorph_reference',
          entityId: fields.reference_id,
          after: { ...view, version },
        });
        return view;
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new HttpProblem(
          409,
          'conflict',
          'Conflict',
          `Reference ${fields.reference_id} exists; upload a new version`,
        );
      }
      throw err;
    }
  }

  /** The next version of a reference; the same spectrum as the latest is refused (a retry adds nothing). */
  async addVersion(referenceId: string, file: ReferenceFile, caller: Caller): Promise<ReferenceVersionView> {
    if (builtIns().has(referenceId)) throw builtInUnchangeable(referenceId);
    return this.uow.write(async (tx, audit) => {
      const ref = await referenceRow(tx, referenceId, caller, true);
      if (ref.status === 'retired') {
        throw new HttpProblem(
          409,
          'reference-retired',
          'Reference retired',
          `Reference ${referenceId} is retired`,
        );
      }
      const [latest] = await queryRows<{ sha256: string }>(
        tx,
        sql`SELECT sha256 FROM polymorph_reference_versions WHERE reference_uuid = ${ref.id} AND version = ${ref.latest_version}`,
      );
      if (latest?.sha256 === sha256Of(spectrumJson(file.x, file.y))) {
        throw new HttpProblem(
          409,
          'conflict',
          'Conflict',
          `The file holds the same spectrum as ${referenceId}@${ref.latest_version}; no version was added`,
        );
      }
      const version = await insertVersion(
        tx,
        { uuid: ref.id, referenceId },
        ref.latest_version + 1,
        file,
        caller.email,
      );
      audit(caller.ctx, {
        action: 'polymorph_reference.version_added',
        entityType: 'polymorph_reference',
        entityId: referenceId,
        before: { latest_version: ref.latest_version },
        after: version,
      });
      return version;
    });
  }

  /** Retire: no new use. Refused (409 naming them) while an effective workflow version pins it. */
  async retire(referenceId: string, reason: string, caller: Caller): Promise<ReferenceView> {
    if (builtIns().has(referenceId)) throw builtInUnchangeable(referenceId);
    return this.uow.write(async (tx, audit) => {
      const ref = await referenceRow(tx, referenceId, caller, true);
      if (ref.status === 'retired') {
        throw new HttpProblem(
          409,
          'reference-retired',
          'Reference retired',
          `Reference ${referenceId} is retired`,
        );
      }
      const users = await effectiveUsers(tx, ref.lab_uuid, referenceId);
      if (users.length > 0) {
        const names = users.map((u) => `${u.workflow} v${u.version} (${pinText(u.pin)})`);
        throw new HttpProblem(
          409,
          'reference-in-use',
          'Reference in use',
          `Reference ${referenceId} is pinned by the effective workflow ${names.join(', ')}; retire or replace that version first`,
          undefined,
          { workflows: users.map((u) => ({ name: u.workflow, version: u.version, pin: pinText(u.pin) })) },
        );
      }
      await tx.execute(
        sql`UPDATE polymorph_references SET status = 'retired', retired_by = ${caller.email}, retired_at = now(),
              retire_reason = ${reason} WHERE id = ${ref.id}`,
      );
      const after = toView(await referenceRow(tx, referenceId, caller));
      audit(caller.ctx, {
        action: 'polymorph_reference.retired',
        entityType: 'polymorph_reference',
        entityId: referenceId,
        before: toView(ref),
        after,
        reason,
      });
      return after;
    });
  }
}

const builtInUnchangeable = (id: string) =>
  new HttpProblem(
    409,
    'conflict',
    'Conflict',
    `${id} is a built-in reference: it has one version and is never retired`,
  );

async function insertVersion(
  tx: Tx,
  ref: { uuid: string; referenceId: string },
  version: number,
  file: ReferenceFile,
  by: string,
): Promise<ReferenceVersionView> {
  const json = spectrumJson(file.x, file.y);
  const sha256 = sha256Of(json);
  const fileSha256 = sha256Of(file.content);
  const [row] = await queryRows<{ uploaded_at: unknown }>(
    tx,
    sql`INSERT INTO polymorph_reference_versions
          (reference_uuid, version, spectrum, sha256, points, file_name, file_content, file_sha256, uploaded_by)
        VALUES (${ref.uuid}, ${version}, ${json}, ${sha256}, ${file.x.length}, ${file.fileName},
                ${file.content}, ${fileSha256}, ${by})
        RETURNING uploaded_at`,
  );
  return versionSummary(
    ref.referenceId,
    version,
    sha256,
    file.x,
    file.fileName,
    fileSha256,
    by,
    iso(row!.uploaded_at)!,
  );
}

/** Effective workflow versions of the lab whose polymorph classify steps pin the reference. */
async function effectiveUsers(tx: Tx, labUuid: string, referenceId: string) {
  const rows = await queryRows<{ workflow_name: string; version: number; definition: { steps?: unknown[] } }>(
    tx,
    sql`SELECT workflow_name, version, definition FROM workflow_versions
         WHERE lab_id = ${labUuid} AND status = 'effective' FOR SHARE`,
  );
  const users: { workflow: string; version: number; pin: Pin }[] = [];
  for (const row of rows) {
    for (const step of classifySteps(row.definition.steps ?? [])) {
      const pin = step.classifier === 'polymorph' ? pinsReference(step.options, referenceId) : null;
      if (pin) users.push({ workflow: row.workflow_name, version: row.version, pin });
    }
  }
  return users;
}

interface ClassifyStep {
  classifier: string;
  options?: Record<string, unknown>;
}

/** Every classify step, loops included. */
function classifySteps(steps: readonly unknown[]): ClassifyStep[] {
  const out: ClassifyStep[] = [];
  for (const step of steps) {
    if (typeof step !== 'object' || step === null) continue;
    const s = step as {
      type?: unknown;
      classifier?: unknown;
      options?: Record<string, unknown>;
      steps?: unknown[];
    };
    if (s.type === 'classify' && typeof s.classifier === 'string') {
      out.push({ classifier: s.classifier, ...(s.options ? { options: s.options } : {}) });
    }
    if (Array.isArray(s.steps)) out.push(...classifySteps(s.steps));
  }
  return out;
}

/**
 * The pinned reference versions of the lab, in pin order; the problem says which pin fails (unknown,
 * or retired: a retired reference is not used again).
 */
export async function loadPinned(
  tx: Tx,
  labUuid: string,
  pins: readonly Pin[],
): Promise<{ ok: true; references: LoadedReference[] } | { ok: false; index: number; message: string }> {
  const references: LoadedReference[] = [];
  for (const [index, pin] of pins.entries()) {
    const builtIn = builtIns().get(pin.referenceId);
    if (builtIn) {
      if (pin.version !== 1)
        return { ok: false, index, message: `${pinText(pin)}: built-in references have version 1 only` };
      references.push(builtIn.loaded);
      continue;
    }
    const [row] = await queryRows<{
      status: string;
      name: string;
      form: string;
      sha256: string;
      spectrum: string;
    }>(
      tx,
      sql`SELECT r.status, r.name, r.form, v.sha256, v.spectrum
            FROM polymorph_references r JOIN polymorph_reference_versions v ON v.reference_uuid = r.id
           WHERE r.lab_id = ${labUuid} AND r.reference_id = ${pin.referenceId} AND v.version = ${pin.version}`,
    );
    if (!row) return { ok: false, index, message: `${pinText(pin)} does not exist in this lab` };
    if (row.status === 'retired') return { ok: false, index, message: `${pin.referenceId} is retired` };
    // the stored text is what the hash covers: check it before use
    if (sha256Of(row.spectrum) !== row.sha256) {
      return { ok: false, index, message: `${pinText(pin)} does not match its recorded SHA-256` };
    }
    const { x, y } = JSON.parse(row.spectrum) as { x: number[]; y: number[] };
    references.push({
      referenceId: pin.referenceId,
      version: pin.version,
      form: row.form,
      name: row.name,
      sha256: row.sha256,
      x,
      y,
    });
  }
  return { ok: true, references };
}
