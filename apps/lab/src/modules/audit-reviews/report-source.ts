import type { ReportSource } from '../reports/port.ts';
import { auditTrailReviewById } from './service.ts';

/** A review in its report: the range it covers, the verification it recorded, checked against its trail. */
export const auditTrailReviewReportSource: ReportSource = async (tx, reviewId) => {
  const review = await auditTrailReviewById(tx, reviewId);
  if (!review) return null;
  return {
    values: review,
    auditEntities: [{ entityType: 'audit_trail_review', entityId: review.id }],
    auditedState: { actions: ['audit_trail_review.created', 'audit_trail_review.signed'] },
  };
};
