import { type Static, Type } from 'typebox';
import { literalUnion, NullableString, Timestamp } from '../../platform/http/common-schemas.ts';
import { signerCredentials } from '../../platform/signatures/credentials-schema.ts';
import { SIGNATURE_MEANINGS } from '../../platform/signatures/manifest.ts';

/** A union of string literals typed as such (Type.Union over a mapped array is typed `never`). */
const Meaning = literalUnion(SIGNATURE_MEANINGS, {
  description: 'What the signature attests (21 CFR 11.50(a)(3))',
});
const RecordType = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'A signable record type, e.g. batch or user',
});
const RecordId = Type.String({ minLength: 1, maxLength: 256 });

export const SignatureView = Type.Object(
  {
    id: Type.String(),
    record_type: Type.String(),
    record_id: Type.String(),
    record_hash: Type.String({ description: 'SHA-256 of the record content signed (canonical JSON)' }),
    signer_email: Type.String(),
    signer_name: Type.String({ description: 'Printed name at the time of signing' }),
    meaning: Meaning,
    reason: NullableString(),
    signed_at: Timestamp,
    key_id: Type.String(),
    server_signature: Type.String({ description: 'Ed25519 (base64url) by the server over the manifest' }),
    manifestation: Type.String({ description: 'Name, date and time, and meaning, as displayed' }),
    current: Type.Boolean({ description: 'False once the record changed after signing (11.70)' }),
    signature_valid: Type.Boolean({ description: "The server's signature over the manifest verifies" }),
  },
  { title: 'Signature', additionalProperties: false },
);
export type SignatureView = Static<typeof SignatureView>;

export const SignatureCreate = Type.Object(
  {
    record_type: RecordType,
    record_id: RecordId,
    meaning: Meaning,
    reason: Type.Optional(Type.String({ maxLength: 1000 })),
    ...signerCredentials,
  },
  {
    additionalProperties: false,
    examples: [
      {
        record_type: 'batch',
        record_id: 'B-2026-0042',
        meaning: 'approved',
        reason: 'Release testing complete; all results within specification',
        user_id: 'qa.lead@lab.example',
        password: 'Crystal-Form-II-2026',
        mfa_code: '492039',
      },
    ],
  },
);
export type SignatureCreate = Static<typeof SignatureCreate>;

export const SignatureQuery = Type.Object({ record_type: RecordType, record_id: RecordId });

export const SignatureList = Type.Object(
  { items: Type.Array(SignatureView) },
  { additionalProperties: false },
);
