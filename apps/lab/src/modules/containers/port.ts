// What sibling modules may use of containers: finding a container the caller may use, and taking one of
// its slots. Samples place, move and split samples through these inside their own transactions.
import { sql } from 'drizzle-orm';
import { type LabTx, queryRows } from '../../db/client.ts';
import { type Caller, notFound, visibleTo } from '../../platform/access/lab-scope.ts';
import { HttpProblem } from '../../platform/http/problem.ts';

type Tx = Pick<LabTx, 'execute'>;

/**
 * Locks the container row and checks there is room for one more sample; 409 when full. Every placement
 * goes through here, so two concurrent placements cannot both take the last slot.
 */
export async function reserveContainerSlot(
  tx: Tx,
  containerUuid: string,
  containerCode: string,
): Promise<void> {
  const [c] = await queryRows<{ capacity: number; used: number }>(
    tx,
    sql`SELECT c.capacity, (SELECT count(*)::int FROM samples s WHERE s.container_id = c.id AND s.deleted_at IS NULL) AS used
          FROM containers c WHERE c.id = ${containerUuid} FOR UPDATE`,
  );
  if (!c) throw notFound('Container', containerCode);
  if (c.used >= c.capacity) {
    throw new HttpProblem(
      409,
      'container-full',
      'Container full',
      `Container ${containerCode} holds ${c.used} of ${c.capacity} samples`,
    );
  }
}

/** Finds a container the caller may use: 404 if missing or in another lab. */
export async function containerRef(
  tx: Tx,
  code: string,
  caller: Caller,
): Promise<{ id: string; lab_uuid: string | null }> {
  const [row] = await queryRows<{ id: string; lab_uuid: string | null }>(
    tx,
    sql`SELECT c.id, c.lab_id AS lab_uuid FROM containers c WHERE c.container_id = ${code} AND ${visibleTo(caller, sql`c.lab_id`)}`,
  );
  if (!row) throw notFound('Container', code);
  return row;
}
