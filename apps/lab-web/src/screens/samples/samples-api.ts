// The samples screens' calls to the lab, typed from its OpenAPI document; a refusal throws its problem.
import { api, failure } from '../../api/client.ts';
import type { components, operations } from '../../api/generated/lab.d.ts';
import type { Manifestation, SigningCredentials } from '../../components/SignatureDialog.tsx';

export type Sample = components['schemas']['Sample'];
export type SampleStatus = Sample['status'];
export type ListQuery = NonNullable<operations['listSamples']['parameters']['query']>;
export type SampleSort = NonNullable<ListQuery['sort']>;
export type NewSample = operations['createSample']['requestBody']['content']['application/json'];
export type SampleChange = operations['updateSample']['requestBody']['content']['application/json'];
export type SplitRequest = operations['splitSample']['requestBody']['content']['application/json'];

export const STATUSES: readonly SampleStatus[] = ['active', 'quarantined', 'consumed', 'disposed'];
/** The API's state machine (modules/samples/sample-status.ts), so the form offers only allowed moves. */
export const TRANSITIONS: Record<SampleStatus, readonly SampleStatus[]> = {
  active: ['quarantined', 'consumed', 'disposed'],
  quarantined: ['active', 'disposed'],
  consumed: ['disposed'],
  disposed: [],
};
export const SORTS: readonly { value: SampleSort; label: string }[] = [
  { value: '-created_at', label: 'Newest first' },
  { value: 'created_at', label: 'Oldest first' },
  { value: 'sample_id', label: 'Sample ID A–Z' },
  { value: '-sample_id', label: 'Sample ID Z–A' },
  { value: 'status', label: 'Status' },
];
export const PAGE_SIZE = 50;

export async function listSamples(query: ListQuery) {
  const { data, error, response } = await api.GET('/api/samples', { params: { query } });
  if (!data) throw failure(error, response);
  return data;
}

export async function getSample(sampleId: string) {
  const { data, error, response } = await api.GET('/api/samples/{sampleId}', {
    params: { path: { sampleId } },
  });
  if (!data) throw failure(error, response);
  return data;
}

export async function getLineage(sampleId: string) {
  const { data, error, response } = await api.GET('/api/samples/{sampleId}/lineage', {
    params: { path: { sampleId }, query: { depth: 10 } },
  });
  if (!data) throw failure(error, response);
  return data;
}

export async function getHistory(sampleId: string) {
  const { data, error, response } = await api.GET('/api/samples/{sampleId}/history', {
    params: { path: { sampleId }, query: { limit: 1000 } },
  });
  if (!data) throw failure(error, response);
  return data;
}

export async function getSignatures(sampleId: string) {
  const { data, error, response } = await api.GET('/api/signatures', {
    params: { query: { record_type: 'sample', record_id: sampleId } },
  });
  if (!data) throw failure(error, response);
  return data.items;
}

export async function createSample(body: NewSample) {
  const { data, error, response } = await api.POST('/api/samples', { body });
  if (!data) throw failure(error, response);
  return data;
}

export async function createSamples(samples: NewSample[]) {
  const { data, error, response } = await api.POST('/api/samples/bulk', { body: { samples } });
  if (!data) throw failure(error, response);
  return data.items;
}

export async function changeSample(sampleId: string, body: SampleChange) {
  const { data, error, response } = await api.PATCH('/api/samples/{sampleId}', {
    params: { path: { sampleId } },
    body,
  });
  if (!data) throw failure(error, response);
  return data;
}

export async function splitSample(sampleId: string, body: SplitRequest) {
  const { data, error, response } = await api.POST('/api/samples/{sampleId}/split', {
    params: { path: { sampleId } },
    body,
  });
  if (!data) throw failure(error, response);
  return data;
}

export type SampleMeaning = 'authored' | 'reviewed' | 'approved' | 'verified' | 'rejected';
export const SAMPLE_MEANINGS: readonly SampleMeaning[] = [
  'authored',
  'reviewed',
  'approved',
  'verified',
  'rejected',
];

export async function signSample(
  sampleId: string,
  meaning: SampleMeaning,
  credentials: SigningCredentials,
): Promise<Manifestation> {
  const { data, error, response } = await api.POST('/api/signatures', {
    body: { record_type: 'sample', record_id: sampleId, meaning, ...credentials },
  });
  if (!data) throw failure(error, response);
  return data;
}
