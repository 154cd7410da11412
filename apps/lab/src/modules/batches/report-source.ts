import type { ReportSource } from '../reports/port.ts';
import { batchInScope } from './service.ts';

/** A batch in its report: its values, checked against the last event that recorded them. */
export const batchReportSource: ReportSource = async (tx, batchId, scope) => {
  const batch = await batchInScope(tx, batchId, scope);
  if (!batch) return null;
  return {
    values: batch,
    auditEntities: [{ entityType: 'batch', entityId: batch.batch_id }],
    auditedState: { actions: ['batch.created', 'batch.updated', 'batch.released', 'batch.rejected'] },
  };
};
