import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { callerOf } from '../../platform/access/lab-scope.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import {
  HumanInputAnswer,
  LastEventIdHeader,
  RunAbort,
  RunControl,
  RunEventPage,
  RunEventQuery,
  RunList,
  RunParams,
  RunQuery,
  RunReleaseSigning,
  RunResume,
  RunSpectrum,
  RunStart,
  RunStepList,
  RunView,
  SpectrumParams,
  StepParams,
} from './schemas.ts';
import type { RunService } from './service.ts';

const tags = ['runs'];
const RUN = '/api/runs/:runId';

/** /api/runs: start, read, control and follow runs (docs/runs.md). */
export const runRoutes: LabRoutes<{ runs: RunService }> = async (app, { runs }) => {
  const { streams } = runs;
  // Open streams end when the app closes, so shutdown does not wait on clients that never hang up.
  app.addHook('preClose', async () => streams.closeAll());

  app.post(
    '/api/runs',
    {
      config: { permission: 'runs:create' },
      schema: {
        operationId: 'startRun',
        summary: 'Start a run of an effective workflow version: every start check, then queued (pending)',
        description:
          "In one transaction: the version must be effective (409 `workflow-not-effective`), the parameters valid (400, `body.parameters.<name>`), each device bound as its kind (409 `instrument-not-bound`), operational and calibrated (409 `device-not-usable`; another lab's device 404), each sample in the caller's lab (400, `body.samples[i]`), each lot usable (409 `lot-expired`, `lot-quarantined`, `lot-depleted`; an unknown lot 400 `body.lots[i]`). A refusal stores nothing. The config snapshot and its hash are stored with the run.",
        tags,
        body: RunStart,
        response: { 201: RunView, ...problemResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await runs.start(req.body, callerOf(req))),
  );
  app.get(
    '/api/runs',
    {
      config: { permission: 'runs:read' },
      schema: {
        operationId: 'listRuns',
        summary: 'Runs of your lab, newest first',
        tags,
        querystring: RunQuery,
        response: { 200: RunList },
      },
    },
    async (req) => runs.list(req.query, callerOf(req)),
  );
  app.get(
    RUN,
    {
      config: { permission: 'runs:read' },
      schema: {
        operationId: 'getRun',
        summary: 'A run: status, checkpoint, current step, configuration',
        tags,
        params: RunParams,
        response: { 200: RunView, ...problemResponses(404) },
      },
    },
    async (req) => runs.get(req.params.runId, callerOf(req)),
  );
  app.get(
    `${RUN}/steps`,
    {
      config: { permission: 'runs:read' },
      schema: {
        operationId: 'listRunSteps',
        summary:
          "Each executed step: start, end, outcome and result summary (a resumed step's attempts each)",
        tags,
        params: RunParams,
        response: { 200: RunStepList, ...problemResponses(404) },
      },
    },
    async (req) => runs.steps(req.params.runId, callerOf(req)),
  );
  app.get(
    `${RUN}/spectra/:sha256`,
    {
      config: { permission: 'runs:read' },
      schema: {
        operationId: 'getRunSpectrum',
        summary: 'A raw or cleaned spectrum of the run, as stored (content-addressed by SHA-256)',
        description:
          'The body is the stored JSON byte for byte: its SHA-256 equals the path. 404 unless the spectrum is linked to this run.',
        tags,
        params: SpectrumParams,
        // The stored bytes are sent as they are (the hash covers them), so the body is typed as text.
        response: { 200: Type.Unsafe<string>(RunSpectrum), ...problemResponses(404) },
      },
    },
    async (req, reply) => {
      const content = await runs.spectrum(req.params.runId, req.params.sha256, callerOf(req));
      return reply
        .header('content-type', 'application/json; charset=utf-8')
        .header('cache-control', 'private, max-age=31536000, immutable')
        .send(content);
    },
  );
  app.get(
    `${RUN}/events`,
    {
      config: { permission: 'runs:read' },
      schema: {
        operationId: 'runEvents',
        summary: "The run's events: a page of JSON, or a live Server-Sent Events stream",
        description:
          'With `Accept: text/event-stream`: every event after `Last-Event-ID` (or `after`) in seq order as `id: <seq>`, `event: <type>`, `data: <RunEvent JSON>`, then each new one as it is appended; a comment line every 15 s of silence; the stream ends after the `finished` event. Otherwise one page of JSON.',
        tags,
        params: RunParams,
        querystring: RunEventQuery,
        headers: LastEventIdHeader,
        response: {
          200: {
            description: 'A page of events, or the live stream',
            content: {
              'application/json': { schema: RunEventPage },
              'text/event-stream': {
                // The reply is a Readable of SSE frames, not a string in memory.
                schema: Type.Unsafe<Readable>({
                  type: 'string',
                  description: 'SSE frames; each data line is one RunEvent as JSON',
                }),
              },
            },
          },
          ...problemResponses(404),
        },
      },
    },
    async (req, reply) => {
      const caller = callerOf(req);
      const headerAfter = req.headers['last-event-id'];
      const after = headerAfter === undefined ? (req.query.after ?? 0) : Number(headerAfter);
      if (!(req.headers.accept ?? '').includes('text/event-stream')) {
        return runs.events(req.params.runId, after, req.query.limit, caller);
      }
      const { id } = await runs.resolve(req.params.runId, caller);
      const stream = streams.stream(
        {
          eventsAfter: (from, limit) => runs.eventsOf(id, from, limit),
          wait: (ms, signal) => runs.signals.wait(id, ms, signal),
        },
        after,
      );
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache, no-transform')
        .header('x-accel-buffering', 'no')
        .send(stream);
    },
  );

  app.post(
    `${RUN}/pause`,
    {
      config: { permission: 'runs:pause' },
      schema: {
        operationId: 'pauseRun',
        summary: 'Pause a running run: it holds before its next step',
        description: '409 `run-state-conflict` unless the run is running.',
        tags,
        params: RunParams,
        body: RunControl,
        response: { 200: RunView, ...problemResponses(404, 409) },
      },
    },
    async (req) => runs.pause(req.params.runId, req.body, callerOf(req)),
  );
  app.post(
    `${RUN}/abort`,
    {
      config: { permission: 'runs:abort' },
      schema: {
        operationId: 'abortRun',
        summary: 'Abort a run (with a reason)',
        description:
          'A pending or interrupted run is aborted at once. A running or paused run gets the request (abort_reason, event abort_requested); its engine stops it and puts the devices in their safe state. 409 `run-state-conflict` for an ended run or a second request.',
        tags,
        params: RunParams,
        body: RunAbort,
        response: { 200: RunView, ...problemResponses(404, 409) },
      },
    },
    async (req) => runs.abort(req.params.runId, req.body, callerOf(req)),
  );
  app.post(
    `${RUN}/resume`,
    {
      config: { permission: 'runs:resume' },
      schema: {
        operationId: 'resumeRun',
        summary: 'Resume a paused run, or an interrupted one from its checkpoint with an e-signature',
        description:
          "Paused -> running. Interrupted -> pending (an engine claims it and continues from the checkpoint), only with an e-signature (meaning `resumed`, 400 without password and reason) and only if the version's stored definition still hashes to the run's (409 `definition-changed`). 409 `run-state-conflict` otherwise.",
        tags,
        params: RunParams,
        body: RunResume,
        response: { 200: RunView, ...problemResponses(404, 409, 423) },
      },
    },
    async (req) => runs.resume(req.params.runId, req.body, callerOf(req)),
  );
  app.post(
    `${RUN}/steps/:pc/input`,
    {
      config: { permission: 'runs:update' },
      schema: {
        operationId: 'answerRunInput',
        summary: 'Confirm the human_input step the run waits at (signed when the step says so)',
        description:
          '409 `run-state-conflict` unless the run is waiting at step `pc` for input. A step with a signature meaning needs password and reason (400 otherwise); the signature id is recorded with the answer.',
        tags,
        params: StepParams,
        body: HumanInputAnswer,
        response: { 200: RunView, ...problemResponses(404, 409, 423) },
      },
    },
    async (req) => runs.answerInput(req.params.runId, req.params.pc, req.body, callerOf(req)),
  );
  for (const step of RELEASE_STEPS) {
    app.post(
      `${RUN}/${step.path}`,
      {
        // Signing is the write: who may sign which meaning on a run is the signing-authority table.
        config: { permission: 'signatures:create' },
        schema: {
          operationId: step.operationId,
          summary: step.summary,
          description: `${step.description} The signer re-authenticates (401 on a wrong password or missing MFA code, 423 when the account is locked); 403 \`forbidden\` without the authority to sign \`${step.meaning}\` on a run, 403 \`segregation-of-duties\` for the person who started the run (and, for a decision, its reviewer). 409 \`run-state-conflict\` for a run that has not ended.`,
          tags,
          params: RunParams,
          body: RunReleaseSigning,
          response: { 200: RunView, ...problemResponses(404, 409, 423) },
        },
      },
      async (req) => runs.release.sign(req.params.runId, step.meaning, req.body, callerOf(req)),
    );
  }
};

const RELEASE_STEPS = [
  {
    path: 'review',
    meaning: 'reviewed',
    operationId: 'reviewRun',
    summary: 'Review an ended run with an electronic signature (meaning reviewed)',
    description:
      'unreviewed -> reviewed, for a completed, failed or aborted run; 409 `run-release-conflict` when it was already reviewed or decided.',
  },
  {
    path: 'approve',
    meaning: 'approved',
    operationId: 'approveRun',
    summary: 'Approve (release) a reviewed run with an electronic signature (meaning approved)',
    description:
      'reviewed -> approved (QA). 409 `run-release-conflict` before a review, after a decision, or when the run no longer has the content its reviewer signed.',
  },
  {
    path: 'reject',
    meaning: 'rejected',
    operationId: 'rejectRun',
    summary: 'Reject an ended run with an electronic signature (meaning rejected)',
    description:
      'unreviewed or reviewed -> rejected (QA); 409 `run-release-conflict` once decided. A rejected run is kept, with its evidence, and can never be approved.',
  },
] as const;
