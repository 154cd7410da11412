import { callerOf } from '../../platform/access/lab-scope.ts';
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
          'The first signing of a login session takes `user_id` (your email) and `password`; later signings in the same session take `password` (400 naming `body.user_id` when it is missing on the first). Wrong credentials, or a `user_id` that is not yours, answer 401 `invalid-credentials` (or `mfa-required`) and wrong passwords count towards the lockout. Who may sign which meaning on which record type is a table (docs/compliance/signatures.md): without the authority, 403 `forbidden`; a record you may not read, or of another lab, answers the same 404 as an unknown one. An author signing their own record as reviewer or approver answers 403 `segregation-of-duties`; the same signature (signer, record content, meaning) twice in one session answers 409 `conflict`; a record type that cannot be signed answers 400, and so does a meaning its record type signs only through its own route, which records the decision with it (`reviewed`, `approved` and `rejected` on a run; `audit_trail_reviewed` on an audit-trail review), naming `body.meaning`.',
        body: SignatureCreate,
        response: {
          201: SignatureView,
          ...problem(404, 'No such record, or none you may see (`not-found`)'),
          ...problem(409, 'You already made this signature in this session (`conflict`)'),
          ...problem(423, 'Too many failed attempts: the account is locked (`account-locked`)'),
        },
      },
    },
    async (request, reply) => {
      const signature = await signatures.sign(callerOf(request), request.body);
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
        description: 'A record you may not read, or of another lab, answers the same 404 as an unknown one.',
        querystring: SignatureQuery,
        response: {
          200: SignatureList,
          ...problem(404, 'No such record, or none you may see (`not-found`)'),
        },
      },
    },
    async (request) => ({
      items: await signatures.list(request.query.record_type, request.query.record_id, callerOf(request)),
    }),
  );
};
