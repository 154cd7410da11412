import type { ReportSource } from '../reports/port.ts';
import { sampleInScope } from './service.ts';

/** A sample in its report: its values, checked against the last event that recorded them. */
export const sampleReportSource: ReportSource = async (tx, sampleId, scope) => {
  const sample = await sampleInScope(tx, sampleId, scope);
  if (!sample) return null;
  return {
    values: sample,
    auditEntities: [{ entityType: 'sample', entityId: sample.sample_id }],
    // sample.split's `after` is the parent with its children; only the parent's fields are compared.
    auditedState: {
      actions: ['sample.created', 'sample.updated', 'sample.moved', 'sample.deleted', 'sample.split'],
    },
  };
};
