import type { ProblemResponse } from '@polymorph/http-problem/schema';
import type { TSchema } from 'typebox';
import type { Permission } from '../access/permissions.ts';
import { problemResponses } from './route-contract.ts';

type Resource = 'projects' | 'batches' | 'containers';

/** What a create-and-list resource declares: its schemas, and the noun its operation ids use. */
export interface CreateAndListContract<
  Body extends TSchema,
  Query extends TSchema,
  View extends TSchema,
  List extends TSchema,
> {
  /** Singular and plural noun for operation ids and summaries, e.g. ['Project', 'Projects']. */
  noun: readonly [string, string];
  tags: string[];
  body: Body;
  query: Query;
  view: View;
  list: List;
  /** Problems creation can answer besides the ones every route has (e.g. 409 for a duplicate id). */
  createProblems: number[];
}

/**
 * The route options of POST (create, 201) and GET (list) for a LIMS resource, under its own URL and the
 * seed's alias under /api/samples (e.g. /api/projects and /api/samples/projects), with one permission
 * pair. The module registers the handlers, so their types come from its own schemas.
 */
export function createAndListRoutes<
  Body extends TSchema,
  Query extends TSchema,
  View extends TSchema,
  List extends TSchema,
>(resource: Resource, contract: CreateAndListContract<Body, Query, View, List>) {
  const [one, many] = contract.noun;
  const create: Permission = `${resource}:create`;
  const read: Permission = `${resource}:read`;
  const createProblems: Record<number, ProblemResponse> = problemResponses(...contract.createProblems);
  return (
    [
      [`/api/${resource}`, ''],
      [`/api/samples/${resource}`, 'UnderSamples'],
    ] as const
  ).map(([url, alias]) => {
    const note = alias ? ` (same as /api/${resource})` : '';
    return {
      url,
      create: {
        config: { permission: create },
        schema: {
          operationId: `create${one}${alias}`,
          summary: `Create a ${one.toLowerCase()}${note}`,
          tags: contract.tags,
          body: contract.body,
          response: { 201: contract.view, ...createProblems },
        },
      },
      list: {
        config: { permission: read },
        schema: {
          operationId: `list${many}${alias}`,
          summary: `List ${many.toLowerCase()}${note}`,
          tags: contract.tags,
          querystring: contract.query,
          response: { 200: contract.list },
        },
      },
    };
  });
}
