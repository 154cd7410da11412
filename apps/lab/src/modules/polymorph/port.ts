// What the runs module uses of polymorph identification: the `polymorph` classifier of a run, built
// at run start from the reference versions its workflow pins (read in the caller's transaction), and
// the storing of each run identification beside the run event that carried it.
import type {
  Classifier,
  ClassifierResult,
  Command,
  EngineEvent,
  Json,
} from '@polymorph/run-engine/commands';
import type { Spectrum } from '@polymorph/run-engine/drivers';
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import type { AppendAudit, AuditContext } from '../../platform/audit/audit-trail.ts';
import { auditIdentification, storeIdentification } from './identifications.ts';
import { identifyAgainst, type LoadedReference, type Result } from './identifier.ts';
import { parsePins } from './pins.ts';
import { defaultReferences, loadPinned } from './references.ts';

export const POLYMORPH_CLASSIFIER = 'polymorph';
const IDENTIFIER = 'polymorph';

type Tx = Pick<LabTx, 'execute'>;

/** Why a run cannot use its pinned references: the classify step and the message. */
export interface PinRefusal {
  stepId: string;
  message: string;
}

/**
 * The `polymorph` classifier for these commands: every classify step naming it gets the reference
 * versions its `references` option pins (the built-in ones when it pins none), loaded now. A pin
 * that is malformed, unknown in the run's lab or retired refuses the run before it starts.
 */
export async function polymorphClassifier(
  tx: Tx,
  labUuid: string,
  commands: readonly Command[],
): Promise<{ ok: true; classifier: Classifier } | ({ ok: false } & PinRefusal)> {
  const libraries = new Map<string, LoadedReference[]>();
  for (const c of commands) {
    if (c.op !== 'classify' || c.classifier !== POLYMORPH_CLASSIFIER) continue;
    const pinned = c.options['references'];
    const key = String(pinned ?? '');
    if (libraries.has(key)) continue;
    if (pinned === undefined) {
      libraries.set(key, defaultReferences());
      continue;
    }
    const pins = parsePins(String(pinned));
    if (typeof pins === 'string') return { ok: false, stepId: c.stepId, message: `references ${pins}` };
    const loaded = await loadPinned(tx, labUuid, pins);
    if (!loaded.ok) return { ok: false, stepId: c.stepId, message: loaded.message };
    libraries.set(key, loaded.references);
  }
  const classifier: Classifier = (spectrum, options) => {
    const refs = libraries.get(String(options['references'] ?? ''));
    if (!refs) throw new Error('polymorph classifier: references not loaded at run start');
    return classifierResult(identifyAgainst(refs, asXy(spectrum)));
  };
  return { ok: true, classifier };
}

const asXy = (s: Spectrum) => ({ x: s.shiftCm1, y: s.intensities });

function classifierResult(r: Result): ClassifierResult {
  return {
    label: r.form,
    confidence: r.confidence,
    scores: Object.fromEntries(Object.entries(r.fractions).map(([form, f]) => [form, f.value])),
    fractions: r.fractions,
    detail: {
      identifier: IDENTIFIER,
      hits: r.hits,
      preprocessing: r.preprocessing.map(toJson),
      references: r.references,
    },
  };
}

/** Plain data as Json (what a JSON round trip keeps), without a cast. */
function toJson(value: unknown): Json {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return null;
}

/**
 * Stores a run's polymorph identification (a `classified` event from the `polymorph` classifier) in
 * the recorder's transaction, linked to the run, the step, the event, the classified spectrum and the
 * run's sample (when it has exactly one); audited with the run's actor. Other classifiers: nothing.
 */
export async function recordRunIdentification(
  tx: Tx,
  audit: AppendAudit,
  ctx: AuditContext,
  run: { executionId: string; seq: number },
  event: Extract<EngineEvent, { type: 'classified' }>,
): Promise<void> {
  const { result } = event;
  const detail = result.detail;
  if (detail?.['identifier'] !== IDENTIFIER || !result.fractions) return;
  const [context] = await queryRows<{ lab_id: string; sample_uuid: string | null; sha256: string | null }>(
    tx,
    sql`SELECT x.lab_id,
          (SELECT CASE WHEN count(*) = 1 THEN min(a.sample_id::text) END FROM workflow_sample_assignments a
            WHERE a.execution_id = x.id)::uuid AS sample_uuid,
          (SELECT l.sha256 FROM run_spectrum_links l WHERE l.execution_id = x.id AND l.role = 'cleaned'
              AND l.event_seq < ${run.seq} ORDER BY l.event_seq DESC LIMIT 1) AS sha256
        FROM workflow_executions x WHERE x.id = ${run.executionId}`,
  );
  if (!context?.lab_id || !context.sha256) return;
  const view = await storeIdentification(tx, {
    labUuid: context.lab_id,
    origin: 'run',
    executionId: run.executionId,
    eventSeq: run.seq,
    stepId: event.stepId,
    sampleUuid: context.sample_uuid,
    spectrumSha256: context.sha256,
    measuredAt: event.spectrumAt ?? Date.now(),
    result: {
      form: result.label,
      confidence: result.confidence,
      fractions: result.fractions,
      hits: detail['hits'] ?? [],
      preprocessing: detail['preprocessing'] ?? [],
      references: detail['references'] ?? [],
    },
    createdBy: ctx.actor,
  });
  auditIdentification(audit, ctx, view);
}
