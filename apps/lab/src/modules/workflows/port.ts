// What sibling modules may use of workflows: the runs module starts a run only from an effective
// version, read inside its own transaction (so the version cannot be retired between check and start).
import type { WorkflowDefinition } from '@polymorph/run-engine/definition';
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { type Caller, notFound, visibleTo } from '../../platform/access/lab-scope.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import type { WorkflowStatus } from './schemas.ts';
import {
  storedDefinition,
  WORKFLOW_VERSION_VIEW,
  type WorkflowVersionRow,
  workflowVersionView,
} from './service.ts';

export interface RunnableWorkflow {
  /** workflow_versions.id: what workflow_executions.workflow_version_id references. */
  versionId: string;
  name: string;
  version: number;
  /** labs.id of the workflow; a run belongs to the same lab. */
  labId: string;
  status: WorkflowStatus;
  definition: WorkflowDefinition;
  /** SHA-256 of the canonical definition, checked against the stored definition on read. */
  definitionHash: string;
}

/** A workflow by name (its effective version) or one version by id. */
export type WorkflowRef = { name: string } | { versionId: string };

/**
 * The version a run may start from, read (and row-locked FOR SHARE, so it cannot be retired until the
 * caller's transaction ends) in the caller's transaction. A version of another lab is 404; one that is
 * not effective is 409 `workflow-not-effective`.
 */
export async function effectiveVersionForRun(
  tx: LabTx,
  caller: Caller,
  ref: WorkflowRef,
): Promise<RunnableWorkflow> {
  const where =
    'name' in ref
      ? // By name, the caller's own lab's workflow: an admin sees every lab, where names may repeat.
        sql`v.workflow_name = ${ref.name} AND v.status = 'effective' AND ${caller.labId === null ? sql`TRUE` : sql`v.lab_id = ${caller.labId}`}`
      : sql`v.id = ${/^[0-9a-f-]{36}$/i.test(ref.versionId) ? ref.versionId : null}::uuid`;
  const [row] = await queryRows<WorkflowVersionRow>(
    tx,
    sql`${WORKFLOW_VERSION_VIEW} WHERE ${where} AND ${visibleTo(caller, sql`v.lab_id`)} FOR SHARE OF v`,
  );
  if (!row) {
    if ('name' in ref) throw notEffective(`Workflow ${ref.name} has no effective version`);
    throw notFound('Workflow version', ref.versionId);
  }
  const view = workflowVersionView(row);
  if (view.status !== 'effective') {
    throw notEffective(
      `${view.name} v${view.version} is ${view.status}; runs start only from the effective version`,
    );
  }
  return {
    versionId: row.id,
    name: row.name,
    version: row.version,
    labId: row.lab_uuid,
    status: view.status,
    definition: storedDefinition(row),
    definitionHash: row.definition_hash,
  };
}

const notEffective = (detail: string) =>
  new HttpProblem(409, 'workflow-not-effective', 'Workflow version not effective', detail);
