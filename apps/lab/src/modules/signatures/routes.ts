import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { auditContext } from '../../platform/http/request-context.ts';
import { SIGNATURE_MEANINGS } from '../../platform/signatures/manifest.ts';
import type { SignatureService } from './service.ts';

const Signature = Type.Object({
  id: Type.String(),
  record_type: Type.String(),
  record_id: Type.String(),
  record_hash: Type.String(),
  signer_email: Type.String(),
  signer_name: Type.String(),
  meaning: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  signed_at: Type.String(),
  key_id: Type.String(),
  server_signature: Type.String(),
  manifestation: Type.String(),
  current: Type.Boolean(),
  signature_valid: Type.Boolean(),
});
const tags = ['signatures'];

export async function signatureRoutes(app: FastifyInstance, opts: { signatures: SignatureService }) {
  const { signatures } = opts;

  app.post(
    '/api/signatures',
    {
      config: { permission: 'signatures:create' },
      schema: {
        tags,
        summary:
          'Sign a record: re-authenticates with password (and MFA code when enrolled) on every signing',
        body: Type.Object(
          {
            record_type: Type.String({ minLength: 1, maxLength: 64 }),
            record_id: Type.String({ minLength: 1, maxLength: 256 }),
            meaning: Type.Union(SIGNATURE_MEANINGS.map((m) => Type.Literal(m))),
            reason: Type.Optional(Type.String({ maxLength: 1000 })),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
            mfa_code: Type.Optional(Type.String({ pattern: '^[0-9 ]{6,8}$' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Signature },
      },
    },
    async (request, reply) => {
      const signature = await signatures.sign(
        request.principal!.email,
        request.body as Parameters<SignatureService['sign']>[1],
        auditContext(request),
      );
      return reply.code(201).send(signature);
    },
  );

  app.get(
    '/api/signatures',
    {
      config: { permission: 'signatures:read' },
      schema: {
        tags,
        summary:
          'The signatures of a record, each with `current` (false once the record changed after signing)',
        querystring: Type.Object({
          record_type: Type.String({ minLength: 1, maxLength: 64 }),
          record_id: Type.String({ minLength: 1, maxLength: 256 }),
        }),
        response: { 200: Type.Object({ items: Type.Array(Signature) }) },
      },
    },
    async (request) => {
      const q = request.query as { record_type: string; record_id: string };
      return { items: await signatures.list(q.record_type, q.record_id) };
    },
  );
}
