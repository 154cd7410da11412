import { definitionJsonSchema } from '@polymorph/run-engine/json-schema';
import { callerOf } from '../../platform/access/lab-scope.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import {
  DefinitionJsonSchema,
  DiffQuery,
  ExecutionQuery,
  VersionParams,
  WorkflowDetail,
  WorkflowDiff,
  WorkflowEdit,
  WorkflowExecutionList,
  WorkflowList,
  WorkflowParams,
  WorkflowQuery,
  WorkflowSigning,
  WorkflowSource,
  WorkflowTransition,
  WorkflowVersionDetail,
  WorkflowVersionList,
  WorkflowVersionView,
} from './schemas.ts';
import type { WorkflowService } from './service.ts';

const tags = ['workflows'];
const VERSION = '/api/workflows/:name/versions/:version';

/** /api/workflows: definitions, their versions and lifecycle (docs/workflows.md). */
export const workflowRoutes: LabRoutes<{ workflows: WorkflowService }> = async (app, { workflows }) => {
  const schemaDocument = definitionJsonSchema();
  app.get(
    '/api/workflows/schema',
    {
      config: { authenticated: true },
      schema: {
        operationId: 'getWorkflowDefinitionSchema',
        summary: 'The JSON Schema of the workflow definition format',
        tags,
        response: { 200: DefinitionJsonSchema },
      },
    },
    async () => schemaDocument,
  );
  app.post(
    '/api/workflows',
    {
      config: { permission: 'workflows:create' },
      schema: {
        operationId: 'createWorkflow',
        summary: 'Create a workflow: version 1, a draft, from YAML or JSON source',
        description:
          "The name is the definition's `name`. 400 lists each fault of the source with `field` and `pointer` into the parsed definition (`body.source.steps[2].seconds`); 409 when the workflow exists.",
        tags,
        body: WorkflowSource,
        response: { 201: WorkflowVersionDetail, ...problemResponses(409) },
      },
    },
    async (req, reply) => reply.code(201).send(await workflows.create(req.body, callerOf(req))),
  );
  app.get(
    '/api/workflows',
    {
      config: { permission: 'workflows:read' },
      schema: {
        operationId: 'listWorkflows',
        summary: 'Workflows, each with its latest and its effective version',
        tags,
        querystring: WorkflowQuery,
        response: { 200: WorkflowList },
      },
    },
    async (req) => workflows.list(req.query, callerOf(req)),
  );
  app.get(
    '/api/workflows/:name',
    {
      config: { permission: 'workflows:read' },
      schema: {
        operationId: 'getWorkflow',
        summary: 'A workflow: its latest and its effective version',
        tags,
        params: WorkflowParams,
        response: { 200: WorkflowDetail, ...problemResponses(404) },
      },
    },
    async (req) => workflows.get(req.params.name, callerOf(req)),
  );
  app.get(
    '/api/workflows/:name/versions',
    {
      config: { permission: 'workflows:read' },
      schema: {
        operationId: 'listWorkflowVersions',
        summary: 'Every version of a workflow, newest first',
        tags,
        params: WorkflowParams,
        response: { 200: WorkflowVersionList, ...problemResponses(404) },
      },
    },
    async (req) => workflows.versions(req.params.name, callerOf(req)),
  );
  app.post(
    '/api/workflows/:name/versions',
    {
      config: { permission: 'workflows:create' },
      schema: {
        operationId: 'createWorkflowVersion',
        summary: 'Add the next version of a workflow, as a draft',
        description:
          'How an approved (locked) version is changed. 400 as for createWorkflow; the source must keep the name.',
        tags,
        params: WorkflowParams,
        body: WorkflowSource,
        response: { 201: WorkflowVersionDetail, ...problemResponses(404, 409) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await workflows.createVersion(req.params.name, req.body, callerOf(req))),
  );
  app.get(
    VERSION,
    {
      config: { permission: 'workflows:read' },
      schema: {
        operationId: 'getWorkflowVersion',
        summary: 'One version: its source, parsed definition and definition hash',
        tags,
        params: VersionParams,
        response: { 200: WorkflowVersionDetail, ...problemResponses(404) },
      },
    },
    async (req) => workflows.version(req.params.name, req.params.version, callerOf(req)),
  );
  app.put(
    VERSION,
    {
      config: { permission: 'workflows:update' },
      schema: {
        operationId: 'editWorkflowVersion',
        summary: 'Replace the source of a draft (its author only; audited with a reason)',
        description:
          '409 `workflow-version-locked` for any version that is not a draft: create a new version instead. 403 for anyone but the author.',
        tags,
        params: VersionParams,
        body: WorkflowEdit,
        response: { 200: WorkflowVersionDetail, ...problemResponses(404, 409) },
      },
    },
    async (req) => workflows.edit(req.params.name, req.params.version, req.body, callerOf(req)),
  );
  const transitions = [
    ['submit', 'workflows:update', 'Submit a draft for review (draft -> in_review)'],
    ['retire', 'workflows:activate', 'Retire an approved or effective version; no run starts from it'],
  ] as const;
  for (const [step, permission, summary] of transitions) {
    app.post(
      `${VERSION}/${step}`,
      {
        config: { permission },
        schema: {
          operationId: `${step}WorkflowVersion`,
          summary,
          description:
            '409 `workflow-transition-not-allowed` when the version is not in a status this step starts from.',
          tags,
          params: VersionParams,
          body: WorkflowTransition,
          response: { 200: WorkflowVersionView, ...problemResponses(404, 409) },
        },
      },
      async (req) => workflows[step](req.params.name, req.params.version, req.body, callerOf(req)),
    );
  }
  const signedSteps = [
    [
      'approve',
      'workflows:approve',
      'Approve a version in review with an electronic signature (meaning approved); it is then locked',
      '409 unless the version is in_review.',
    ],
    [
      'activate',
      'workflows:activate',
      'Make an approved version effective with an electronic signature (meaning made_effective); the effective one is retired',
      '409 unless the version is approved, or when another version became effective at the same moment.',
    ],
  ] as const;
  for (const [step, permission, summary, conflict] of signedSteps) {
    app.post(
      `${VERSION}/${step}`,
      {
        config: { permission },
        schema: {
          operationId: `${step}WorkflowVersion`,
          summary,
          description: `The signer re-authenticates (401 on a wrong password, 423 when locked) and must not be the author (403 \`segregation-of-duties\`). ${conflict}`,
          tags,
          params: VersionParams,
          body: WorkflowSigning,
          response: { 200: WorkflowVersionView, ...problemResponses(404, 409, 423) },
        },
      },
      async (req) => workflows[step](req.params.name, req.params.version, req.body, callerOf(req)),
    );
  }
  app.get(
    `${VERSION}/diff`,
    {
      config: { permission: 'workflows:read' },
      schema: {
        operationId: 'diffWorkflowVersions',
        summary: 'What changed from version `against` to this one, by JSON Pointer',
        tags,
        params: VersionParams,
        querystring: DiffQuery,
        response: { 200: WorkflowDiff, ...problemResponses(404) },
      },
    },
    async (req) => workflows.diff(req.params.name, req.params.version, req.query.against, callerOf(req)),
  );
  app.get(
    '/api/workflows/:name/executions',
    {
      config: { permission: 'workflows:read' },
      schema: {
        operationId: 'listWorkflowExecutions',
        summary: 'Runs of any version of a workflow, newest first',
        tags,
        params: WorkflowParams,
        querystring: ExecutionQuery,
        response: { 200: WorkflowExecutionList, ...problemResponses(404) },
      },
    },
    async (req) => workflows.executions(req.params.name, req.query, callerOf(req)),
  );
};
