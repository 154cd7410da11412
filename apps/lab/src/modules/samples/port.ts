// What sibling modules may use of samples: moving a sample between containers (containers' placement
// route), the sample as the API shows it (its response schema), the shape of a new sample, and the
// check that a run's samples exist in the caller's lab.
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { type Caller, visibleTo } from '../../platform/access/lab-scope.ts';
import type { FieldError } from '../../platform/http/problem.ts';
import type { SampleView } from './schemas.ts';

export { type SampleInput, SampleView } from './schemas.ts';

/** Places a sample in a container (or takes it out with null), audited as `sample.moved`; SampleService implements it. */
export interface SampleMover {
  move(sampleId: string, containerId: string | null, reason: string, caller: Caller): Promise<SampleView>;
}

/**
 * The samples a run is assigned, read FOR SHARE in the run's start transaction: each id not found in
 * the caller's lab (or deleted, disposed, consumed) is a field error under `field`, so another lab's
 * sample answers exactly like one that does not exist.
 */
export async function runSamples(
  tx: Pick<LabTx, 'execute'>,
  caller: Caller,
  sampleIds: readonly string[],
  field: string,
  errors: FieldError[],
): Promise<{ id: string; sample_id: string }[]> {
  const found: { id: string; sample_id: string }[] = [];
  for (const [i, sampleId] of sampleIds.entries()) {
    const [row] = await queryRows<{ id: string; sample_id: string; status: string; deleted: boolean }>(
      tx,
      sql`SELECT id, sample_id, status, deleted_at IS NOT NULL AS deleted FROM samples
           WHERE sample_id = ${sampleId} AND ${visibleTo(caller, sql`lab_id`)} FOR SHARE`,
    );
    if (!row) errors.push({ field: `${field}[${i}]`, message: `no sample ${sampleId} in your lab` });
    else if (row.deleted || row.status === 'disposed' || row.status === 'consumed') {
      errors.push({
        field: `${field}[${i}]`,
        message: `sample ${sampleId} is ${row.deleted ? 'deleted' : row.status}`,
      });
    } else found.push({ id: row.id, sample_id: row.sample_id });
  }
  return found;
}
