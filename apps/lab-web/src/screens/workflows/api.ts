// The workflow calls the screens share; each throws the API's problem (ProblemError) on refusal.
import { api, failure } from '../../api/client.ts';
import type { components } from '../../api/generated/lab.d.ts';

export type WorkflowVersion = components['schemas']['WorkflowVersion'];
export type WorkflowVersionDetail = components['schemas']['WorkflowVersionDetail'];

export async function listWorkflows(status?: WorkflowVersion['status']) {
  const { data, error, response } = await api.GET('/api/workflows', {
    params: { query: { limit: 100, offset: 0, ...(status ? { status } : {}) } },
  });
  if (!data) throw failure(error, response);
  return data.items;
}

export async function versionsOf(name: string) {
  const { data, error, response } = await api.GET('/api/workflows/{name}/versions', {
    params: { path: { name } },
  });
  if (!data) throw failure(error, response);
  return data.items;
}

export async function versionDetail(name: string, version: number) {
  const { data, error, response } = await api.GET('/api/workflows/{name}/versions/{version}', {
    params: { path: { name, version } },
  });
  if (!data) throw failure(error, response);
  return data;
}

export async function diffOf(name: string, version: number, against: number) {
  const { data, error, response } = await api.GET('/api/workflows/{name}/versions/{version}/diff', {
    params: { path: { name, version }, query: { against } },
  });
  if (!data) throw failure(error, response);
  return data;
}
