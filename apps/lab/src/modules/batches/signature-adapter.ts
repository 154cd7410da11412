import type { RecordSigning } from '../signatures/port.ts';
import { type BatchService, batchSignableContent } from './service.ts';

/**
 * Makes batches signable (record type `batch`: the batch as reviewed, its creator as author) and lets
 * release/reject sign through the e-signature service inside their own transaction.
 */
export function connectBatchSignatures(batches: BatchService, signatures: RecordSigning): void {
  signatures.registerRecordType('batch', batchSignableContent);
  batches.useSigner({
    async sign(tx, append, input) {
      const outcome = await signatures.signInTransaction(tx, append, input.signer, {
        user_id: input.user_id,
        record_type: 'batch',
        record_id: input.batchId,
        meaning: input.meaning,
        reason: input.reason,
        password: input.password,
        mfa_code: input.mfa_code,
      });
      return outcome.ok
        ? { ok: true, signatureId: outcome.signature.id }
        : { ok: false, problem: outcome.problem };
    },
  });
}
