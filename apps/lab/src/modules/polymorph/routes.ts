import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { callerOf } from '../../platform/access/lab-scope.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import type { IdentificationService } from './identifications.ts';
import { parseReferenceFile } from './jcamp.ts';
import type { ReferenceFile, ReferenceService } from './references.ts';
import {
  IdentificationView,
  IdentifyRequest,
  JCAMP_MAX_BYTES,
  MAX_POINTS,
  ReferenceList,
  ReferenceParams,
  ReferenceRetire,
  ReferenceUpload,
  ReferenceVersionDetail,
  ReferenceVersionList,
  ReferenceVersionParams,
  ReferenceVersionUpload,
  ReferenceVersionView,
  ReferenceView,
  RunIdentification,
  RunParams,
} from './schemas.ts';
import { readUpload, referenceFields } from './upload.ts';

const tags = ['polymorph'];
const REFERENCE_FIELDS = ['reference_id', 'name', 'form', 'source'] as const;

const problem = (status: number, description: string) => ({
  ...problemResponses(status)[status]!,
  description,
});
const uploadProblems = {
  413: problem(413, `The JCAMP-DX file is larger than ${JCAMP_MAX_BYTES / 1024 / 1024} MB`),
  415: problem(415, 'Not multipart/form-data'),
};

/** The request's form: its fields and its JCAMP-DX file, parsed (400 on `body.file` naming the parser's message). */
async function uploaded(req: FastifyRequest, allowed: readonly string[]) {
  if (!req.isMultipart()) {
    throw new HttpProblem(
      415,
      'unsupported-media-type',
      'Unsupported content type',
      'Send multipart/form-data',
    );
  }
  const form = await readUpload(req.parts(), allowed);
  const parsed = parseReferenceFile(form.file.text);
  if (!parsed.ok) {
    throw new HttpProblem(
      400,
      'validation-error',
      'Invalid request',
      `The file is not a usable JCAMP-DX spectrum: ${parsed.message}`,
      [{ field: 'body.file', message: parsed.message }],
    );
  }
  const file: ReferenceFile = { fileName: form.file.fileName, content: form.file.text, ...parsed.spectrum };
  return { fields: form.fields, file };
}

/** /api/polymorph: the reference library and identification; a run's identification series. */
export const polymorphRoutes: LabRoutes<{
  references: ReferenceService;
  identifications: IdentificationService;
}> = async (app, { references, identifications }) => {
  // Scoped to this plugin: only the reference uploads accept multipart.
  await app.register(multipart, {
    limits: { fileSize: JCAMP_MAX_BYTES, files: 1, fields: 4, parts: 5, fieldSize: 1000, headerPairs: 100 },
  });

  app.get(
    '/api/polymorph/references',
    {
      config: { permission: 'polymorph:read' },
      schema: {
        operationId: 'listPolymorphReferences',
        summary: "The lab's reference spectra: the built-in simulator forms, then the uploaded ones",
        tags,
        response: { 200: ReferenceList },
      },
    },
    async (req) => references.list(callerOf(req)),
  );
  app.post(
    '/api/polymorph/references',
    {
      config: {
        permission: 'polymorph:manage',
        noIdempotencyKey: 'a reference id is taken once: a retry answers 409 and GET shows the reference',
      },
      schema: {
        operationId: 'createPolymorphReference',
        summary: 'Add a reference from a JCAMP-DX file (multipart: reference_id, name, form, source, file)',
        description:
          'The file is parsed (jcampconverter) and checked (x strictly ascending, finite, at least 16 points); ' +
          'a file that fails is 400 on `body.file` with the parser’s message, and nothing is stored. ' +
          'The reference starts at version 1; its spectrum, its SHA-256 and the file as uploaded are kept.',
        tags,
        body: { content: { 'multipart/form-data': { schema: ReferenceUpload } } },
        response: {
          201: ReferenceView,
          409: problem(409, 'The reference id exists in this lab'),
          ...uploadProblems,
        },
      },
    },
    async (req, reply) => {
      const { fields, file } = await uploaded(req, REFERENCE_FIELDS);
      return reply.code(201).send(await references.create(referenceFields(fields), file, callerOf(req)));
    },
  );
  app.get(
    '/api/polymorph/references/:referenceId',
    {
      config: { permission: 'polymorph:read' },
      schema: {
        operationId: 'getPolymorphReference',
        summary: 'A reference, with its latest version number',
        tags,
        params: ReferenceParams,
        response: { 200: ReferenceView, ...problemResponses(404) },
      },
    },
    async (req) => references.get(req.params.referenceId, callerOf(req)),
  );
  app.get(
    '/api/polymorph/references/:referenceId/versions',
    {
      config: { permission: 'polymorph:read' },
      schema: {
        operationId: 'listPolymorphReferenceVersions',
        summary: "A reference's versions, oldest first (without their spectra)",
        tags,
        params: ReferenceParams,
        response: { 200: ReferenceVersionList, ...problemResponses(404) },
      },
    },
    async (req) => references.versions(req.params.referenceId, callerOf(req)),
  );
  app.post(
    '/api/polymorph/references/:referenceId/versions',
    {
      config: {
        permission: 'polymorph:manage',
        noIdempotencyKey:
          'the same spectrum as the latest version is refused (409), so a retried upload adds no second version',
      },
      schema: {
        operationId: 'addPolymorphReferenceVersion',
        summary: 'Add the next version of a reference from a JCAMP-DX file (multipart: file)',
        description:
          'Earlier versions never change: a workflow that pins REF@1 keeps identifying against version 1. ' +
          'A retired reference takes no version (409 `reference-retired`).',
        tags,
        params: ReferenceParams,
        body: { content: { 'multipart/form-data': { schema: ReferenceVersionUpload } } },
        response: {
          201: ReferenceVersionView,
          ...problemResponses(404),
          409: problem(
            409,
            'The reference is retired, built in, or the file holds the latest version’s spectrum',
          ),
          ...uploadProblems,
        },
      },
    },
    async (req, reply) => {
      const { file } = await uploaded(req, []);
      return reply.code(201).send(await references.addVersion(req.params.referenceId, file, callerOf(req)));
    },
  );
  app.get(
    '/api/polymorph/references/:referenceId/versions/:version',
    {
      config: { permission: 'polymorph:read' },
      schema: {
        operationId: 'getPolymorphReferenceVersion',
        summary: 'One version of a reference, with its spectrum',
        tags,
        params: ReferenceVersionParams,
        response: { 200: ReferenceVersionDetail, ...problemResponses(404) },
      },
    },
    async (req) => references.version(req.params.referenceId, req.params.version, callerOf(req)),
  );
  app.post(
    '/api/polymorph/references/:referenceId/retire',
    {
      config: { permission: 'polymorph:manage' },
      schema: {
        operationId: 'retirePolymorphReference',
        summary: 'Retire a reference (audited, with a reason): no new version or use',
        description:
          'Refused (409 `reference-in-use`, naming each workflow) while an effective workflow version pins it; ' +
          'built-in references are never retired (409).',
        tags,
        params: ReferenceParams,
        body: ReferenceRetire,
        response: { 200: ReferenceView, ...problemResponses(404, 409) },
      },
    },
    async (req) => references.retire(req.params.referenceId, req.body.reason, callerOf(req)),
  );
  app.post(
    '/api/polymorph/identify',
    {
      config: { permission: 'polymorph:identify' },
      schema: {
        operationId: 'identifyPolymorph',
        summary: 'Identify the solid form of a Raman spectrum; the result is stored',
        description:
          `The spectrum (at most ${MAX_POINTS} points, x strictly ascending, finite; else 400 on ` +
          '`body.spectrum.x` or `.y`) is preprocessed and compared with the references (default: the built-in ' +
          'ones; or the pinned reference_id@version list). Answers the form, its confidence, the form fractions ' +
          'with their uncertainty, the top hits by HQI and the preprocessing applied. The result is stored as an ' +
          'identification (append-only, audited), linked to the run, step and sample given.',
        tags,
        body: IdentifyRequest,
        response: { 201: IdentificationView, ...problemResponses(404) },
      },
    },
    async (req, reply) => reply.code(201).send(await identifications.identify(req.body, callerOf(req))),
  );
  app.get(
    '/api/runs/:runId/identification',
    {
      config: { permission: 'runs:read' },
      schema: {
        operationId: 'getRunIdentification',
        summary:
          "A run's polymorph identifications in time order, the crystallization onset and the last result",
        description:
          'The onset is the change point of the crystalline share (every form but the dissolved one) over ' +
          "the run's identifications, at the measurement time of the spectrum after the change; null while " +
          'the series shows none.',
        tags: ['runs', ...tags],
        params: RunParams,
        response: { 200: RunIdentification, ...problemResponses(404) },
      },
    },
    async (req) => identifications.forRun(req.params.runId, callerOf(req)),
  );
};
