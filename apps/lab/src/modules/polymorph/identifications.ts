// Identification results: the HTTP endpoint's (POST /api/polymorph/identify) and a run's classify
// steps' (through port.ts), stored append-only and audited, and a run's series with its onset.
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { iso } from '../../db/sql-values.ts';
import { type Caller, notFound, visibleTo } from '../../platform/access/lab-scope.ts';
import type { AppendAudit, AuditContext } from '../../platform/audit/audit-trail.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import type { UnitOfWork } from '../../platform/unit-of-work.ts';
import {
  checkedSpectrum,
  crystallizationOnset,
  identifyAgainst,
  type LoadedReference,
  type Result,
} from './identifier.ts';
import { parsePins } from './pins.ts';
import { defaultReferences, loadPinned, sha256Of, spectrumJson } from './references.ts';
import type { IdentificationView, IdentifyRequest, RunIdentification } from './schemas.ts';

type Tx = Pick<LabTx, 'execute'>;

/** What one identification row holds, before it is stored. */
export interface IdentificationRecord {
  labUuid: string;
  origin: 'api' | 'run';
  executionId: string | null;
  eventSeq: number | null;
  stepId: string | null;
  sampleUuid: string | null;
  spectrumSha256: string;
  /** Epoch ms. */
  measuredAt: number;
  /** The result; hits, preprocessing and references are stored as the JSON they are. */
  result: Pick<Result, 'form' | 'confidence' | 'fractions'> & {
    hits: unknown;
    preprocessing: unknown;
    references: unknown;
  };
  createdBy: string;
}

interface Row {
  id: string;
  origin: 'api' | 'run';
  run_id: string | null;
  step_id: string | null;
  sample_id: string | null;
  measured_at: unknown;
  form: string;
  confidence: number;
  fractions: IdentificationView['fractions'];
  hits: IdentificationView['hits'];
  preprocessing: IdentificationView['preprocessing'];
  references: IdentificationView['references'];
  spectrum_sha256: string;
  created_by: string;
  created_at: unknown;
}

const VIEW = sql`SELECT i.id, i.origin, x.run_id, i.step_id, s.sample_id, i.measured_at, i.form, i.confidence,
    i.fractions, i.hits, i.preprocessing, i."references", i.spectrum_sha256, i.created_by, i.created_at
  FROM polymorph_identifications i
  LEFT JOIN workflow_executions x ON x.id = i.execution_id
  LEFT JOIN samples s ON s.id = i.sample_uuid`;

const toView = (r: Row): IdentificationView => ({
  ...r,
  measured_at: iso(r.measured_at)!,
  created_at: iso(r.created_at)!,
});

/** Stores one identification in the caller's transaction; returns its view. */
export async function storeIdentification(tx: Tx, rec: IdentificationRecord): Promise<IdentificationView> {
  const r = rec.result;
  const [row] = await queryRows<{ id: string }>(
    tx,
    sql`INSERT INTO polymorph_identifications (lab_id, origin, execution_id, event_seq, step_id, sample_uuid,
          spectrum_sha256, measured_at, form, confidence, fractions, hits, preprocessing, "references", created_by)
        VALUES (${rec.labUuid}, ${rec.origin}, ${rec.executionId}, ${rec.eventSeq}, ${rec.stepId}, ${rec.sampleUuid},
          ${rec.spectrumSha256}, ${new Date(rec.measuredAt).toISOString()}, ${r.form}, ${r.confidence},
          ${JSON.stringify(r.fractions)}::jsonb, ${JSON.stringify(r.hits)}::jsonb,
          ${JSON.stringify(r.preprocessing)}::jsonb, ${JSON.stringify(r.references)}::jsonb, ${rec.createdBy})
        RETURNING id`,
  );
  const [view] = await queryRows<Row>(tx, sql`${VIEW} WHERE i.id = ${row!.id}`);
  return toView(view!);
}

/** The audit event of a stored identification (the result, not the spectrum: its SHA-256 names it). */
export function auditIdentification(audit: AppendAudit, ctx: AuditContext, view: IdentificationView): void {
  audit(ctx, {
    action: 'polymorph.identified',
    entityType: 'polymorph_identification',
    entityId: view.id,
    after: view,
  });
}

const fieldProblem = (field: string, message: string) =>
  new HttpProblem(400, 'validation-error', 'Invalid request', `${field} ${message}`, [{ field, message }]);

export class IdentificationService {
  constructor(private readonly uow: UnitOfWork) {}

  async identify(body: IdentifyRequest, caller: Caller): Promise<IdentificationView> {
    const spectrum = checkedSpectrum(body.spectrum);
    if (!spectrum.ok) throw fieldProblem(`body.spectrum.${spectrum.field}`, spectrum.message);
    return this.uow.create(async (tx, audit) => {
      const run = body.run_id ? await visibleRun(tx, body.run_id, caller) : null;
      const labUuid = run?.lab_id ?? caller.labId;
      if (!labUuid) throw fieldProblem('body.run_id', 'is required for an account without a lab');
      const sampleUuid = body.sample_id ? await visibleSample(tx, body.sample_id, caller) : null;
      const references = await this.references(tx, labUuid, body.references);
      const result = identify(references, spectrum.value);
      const view = await storeIdentification(tx, {
        labUuid,
        origin: 'api',
        executionId: run?.id ?? null,
        eventSeq: null,
        stepId: body.step_id ?? null,
        sampleUuid,
        spectrumSha256: sha256Of(spectrumJson(body.spectrum.x, body.spectrum.y)),
        measuredAt: Date.now(),
        result,
        createdBy: caller.email,
      });
      auditIdentification(audit, caller.ctx, view);
      return view;
    });
  }

  private async references(tx: Tx, labUuid: string, pins: readonly string[] | undefined) {
    if (!pins) return defaultReferences();
    const parsed = parsePins(pins.join(','));
    if (typeof parsed === 'string') throw fieldProblem('body.references', parsed);
    const loaded = await loadPinned(tx, labUuid, parsed);
    if (!loaded.ok) throw fieldProblem(`body.references[${loaded.index}]`, loaded.message);
    return loaded.references;
  }

  /** A run's identifications in measurement order, the crystallization onset over them, and the last. */
  async forRun(runId: string, caller: Caller): Promise<RunIdentification> {
    const rows = await this.uow.read(async (tx) => {
      const run = await visibleRun(tx, runId, caller);
      return queryRows<Row>(
        tx,
        sql`${VIEW} WHERE i.execution_id = ${run.id} ORDER BY i.measured_at, i.created_at`,
      );
    });
    const series = rows.map((r) => ({
      measured_at: iso(r.measured_at)!,
      step_id: r.step_id,
      form: r.form,
      confidence: r.confidence,
      crystalline: crystallineShare(r.fractions),
      fractions: Object.fromEntries(Object.entries(r.fractions).map(([k, f]) => [k, f.value])),
    }));
    const onset = crystallizationOnset(
      series.map((p) => ({ t: Date.parse(p.measured_at), crystalline: p.crystalline })),
    );
    return {
      run_id: runId,
      series,
      onset: onset && { ...onset.detail, at: new Date(onset.t).toISOString(), index: onset.index },
      last: rows.length > 0 ? toView(rows.at(-1)!) : null,
    };
  }
}

/** Share of the compound that is crystalline: every form but the dissolved one. */
export const crystallineShare = (fractions: Record<string, { value: number }>) =>
  Object.entries(fractions).reduce((sum, [form, f]) => (form === 'dissolved' ? sum : sum + f.value), 0);

function identify(references: readonly LoadedReference[], spectrum: Parameters<typeof identifyAgainst>[1]) {
  try {
    return identifyAgainst(references, spectrum);
  } catch (error) {
    // a spectrum that does not cover the references' range, say: the client's input
    if (error instanceof Error && error.name === 'SpectrumError')
      throw fieldProblem('body.spectrum.x', error.message);
    throw error;
  }
}

async function visibleRun(tx: Tx, runId: string, caller: Caller) {
  const [run] = await queryRows<{ id: string; lab_id: string | null }>(
    tx,
    sql`SELECT id, lab_id FROM workflow_executions WHERE run_id = ${runId} AND ${visibleTo(caller, sql`lab_id`)}`,
  );
  if (!run) throw notFound('Run', runId);
  return run;
}

async function visibleSample(tx: Tx, sampleId: string, caller: Caller): Promise<string> {
  const [sample] = await queryRows<{ id: string }>(
    tx,
    sql`SELECT id FROM samples WHERE sample_id = ${sampleId} AND deleted_at IS NULL AND ${visibleTo(caller, sql`lab_id`)}`,
  );
  if (!sample) throw fieldProblem('body.sample_id', 'does not name a sample you can see');
  return sample.id;
}
