// After a signing route answers, the manifestation the signature dialog shows (printed name, UTC time,
// meaning) is read back from the signature record itself, so the screen shows what was stored.
import { api, failure } from '../api/client.ts';
import type { Manifestation } from './SignatureDialog.tsx';

/** The record's signature `signatureId`, or (when the route answers no id) its newest with `meaning`. */
export async function signatureManifestation(
  recordType: string,
  recordId: string,
  signatureId: string | null,
  meaning?: string,
): Promise<Manifestation> {
  const { data, error, response } = await api.GET('/api/signatures', {
    params: { query: { record_type: recordType, record_id: recordId } },
  });
  if (!data) throw failure(error, response);
  const signature =
    signatureId !== null
      ? data.items.find((s) => s.id === signatureId)
      : data.items
          .filter((s) => s.meaning === meaning)
          .sort((a, b) => b.signed_at.localeCompare(a.signed_at))[0];
  if (!signature) throw new Error(`signature ${signatureId} of ${recordType} ${recordId} not found`);
  return { signer_name: signature.signer_name, signed_at: signature.signed_at, meaning: signature.meaning };
}
