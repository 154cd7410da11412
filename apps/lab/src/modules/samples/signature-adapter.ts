import type { RecordSigning } from '../signatures/port.ts';
import { sampleSignableContent } from './service.ts';

/** Makes samples signable (record type `sample`: the sample as it is, its creator as author). */
export function connectSampleSignatures(signatures: RecordSigning): void {
  signatures.registerRecordType('sample', sampleSignableContent);
}
