import { callerOf } from '../../platform/access/lab-scope.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import {
  AuditTrailReviewCreate,
  AuditTrailReviewList,
  AuditTrailReviewParams,
  AuditTrailReviewQuery,
  AuditTrailReviewSign,
  AuditTrailReviewView,
} from './schemas.ts';
import type { AuditTrailReviewService } from './service.ts';

const tags = ['compliance'];
const URL = '/api/audit-trail-reviews';

/** Periodic audit-trail reviews as signed records (docs/compliance.md). */
export const auditTrailReviewRoutes: LabRoutes<{ reviews: AuditTrailReviewService }> = async (
  app,
  { reviews },
) => {
  app.post(
    URL,
    {
      config: { permission: 'audit:verify' },
      schema: {
        operationId: 'createAuditTrailReview',
        summary: 'Record a review of a range of the audit trail, with the chain verified over it',
        description:
          'The range is audit sequence numbers from_seq..to_seq; a range that names no event answers 400 naming the field. The whole chain is verified (as `GET /api/compliance/audit/verify`) and the result over the range is stored with the hashes at its ends. The review is open until someone other than its creator signs it.',
        tags,
        body: AuditTrailReviewCreate,
        response: { 201: AuditTrailReviewView },
      },
    },
    async (req, reply) => reply.code(201).send(await reviews.create(req.body, callerOf(req))),
  );
  app.get(
    URL,
    {
      config: { permission: 'audit:read' },
      schema: {
        operationId: 'listAuditTrailReviews',
        summary: 'Audit-trail reviews, newest first',
        tags,
        querystring: AuditTrailReviewQuery,
        response: { 200: AuditTrailReviewList },
      },
    },
    async (req) => reviews.list(req.query),
  );
  app.get(
    `${URL}/:reviewId`,
    {
      config: { permission: 'audit:read' },
      schema: {
        operationId: 'getAuditTrailReview',
        summary: 'One audit-trail review',
        tags,
        params: AuditTrailReviewParams,
        response: { 200: AuditTrailReviewView, ...problemResponses(404) },
      },
    },
    async (req) => reviews.get(req.params.reviewId),
  );
  app.post(
    `${URL}/:reviewId/sign`,
    {
      // Signing is the write; who may sign an audit-trail review is the signing-authority table.
      config: { permission: 'signatures:create' },
      schema: {
        operationId: 'signAuditTrailReview',
        summary: 'Sign the review with an electronic signature (meaning audit_trail_reviewed)',
        description:
          'open -> signed. The signer re-authenticates (401, 423 when locked). Only roles that read the audit trail may sign (others: 404, as for a record they cannot see); its creator may not (403 `segregation-of-duties`); 409 `conflict` once signed.',
        tags,
        params: AuditTrailReviewParams,
        body: AuditTrailReviewSign,
        response: { 200: AuditTrailReviewView, ...problemResponses(404, 409, 423) },
      },
    },
    async (req) => reviews.sign(req.params.reviewId, req.body, callerOf(req)),
  );
};
