import { auditContext } from '../../platform/http/request-context.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import { SignatureCreate, SignatureList, SignatureQuery, SignatureView } from './schemas.ts';
import type { SignatureService } from './service.ts';

const tags = ['signatures'];

/** A problem response whose description names this operation's problem types. */
const problem = (status: number, description: string) => {
  const response = problemResponses(status)[status]!;
  return { [status]: { ...response, description } };
};

export const signatureRoutes: LabRoutes<{ signatures: SignatureService }> = async (app, { signatures }) => {
  app.post(
    '/api/signatures',
    {
      config: { permission: 'signatures:create' },
      schema: {
        operationId: 'signRecord',
        tags,
        summary:
          'Sign a record: re-authenticates with password (and MFA code when enrolled) on every signing',
        description:
          'Wrong credentials answer 401 `invalid-credentials` (or `mfa-required`) and count towards the lockout; an author signing their own record as reviewer or approver answers 403 `segregation-of-duties`; a record type that cannot be signed answers 400.',
        body: SignatureCreate,
        response: {
          201: SignatureView,
          ...problem(404, 'No such record (`not-found`)'),
          ...problem(423, 'Too many failed attempts: the account is locked (`account-locked`)'),
        },
      },
    },
    async (request, reply) => {
      const signature = await signatures.sign(request.principal!.email, request.body, auditContext(request));
      return reply.code(201).send(signature);
    },
  );

  app.get(
    '/api/signatures',
    {
      config: { permission: 'signatures:read' },
      schema: {
        operationId: 'listSignatures',
        tags,
        summary:
          'The signatures of a record, each with `current` (false once the record changed after signing)',
        querystring: SignatureQuery,
        response: { 200: SignatureList },
      },
    },
    async (request) => ({
      items: await signatures.list(request.query.record_type, request.query.record_id),
    }),
  );
};
