import { type Static, Type } from 'typebox';
import {
  Code,
  Json,
  Limit,
  ListQuery,
  literalUnion,
  NullableString,
  Reason,
  Timestamp,
} from '../../platform/http/common-schemas.ts';
import { signerCredentials } from '../../platform/signatures/credentials-schema.ts';

export const RUN_STATUSES = [
  'pending',
  'running',
  'paused',
  'interrupted',
  'completed',
  'failed',
  'aborted',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'aborted'];

export const RunStatusSchema = literalUnion(RUN_STATUSES, {
  description:
    'pending (queued) -> running <-> paused; -> completed | failed | aborted; running/paused whose engine died -> interrupted -> pending (signed resume)',
});

/** RUN-YYYYMMDD-XXXXXX */
const RunId = Type.String({ pattern: '^RUN-[0-9]{8}-[0-9A-F]{6}$', maxLength: 32 });
/** Review and release of an ended run (docs/runs.md, "Review and release"). */
export const RUN_RELEASE_STATUSES = ['unreviewed', 'reviewed', 'approved', 'rejected'] as const;
export type RunReleaseStatus = (typeof RUN_RELEASE_STATUSES)[number];
export const RunReleaseStatusSchema = literalUnion(RUN_RELEASE_STATUSES, {
  description:
    'unreviewed until a reviewer signs `reviewed`; then QA signs `approved` (released) or `rejected`. Independent of `status`: a failed run approved is approved evidence of a failure',
});

export const RunParams = Type.Object({ runId: RunId });
export const StepParams = Type.Object({ runId: RunId, pc: Type.Integer({ minimum: 0, maximum: 100_000 }) });
export const SpectrumParams = Type.Object({
  runId: RunId,
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
});

const Devices = Type.Object(
  { spectrometer: Code, temperature_controller: Code, daq: Code },
  { additionalProperties: false, description: 'LIMS device ids (devices.device_id) by kind' },
);

export const RunStart = Type.Object(
  {
    workflow: Type.String({
      minLength: 1,
      maxLength: 64,
      description:
        "A workflow name (its effective version) or a workflow version's id (uuid); either way the version must be effective",
    }),
    parameters: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.Number(), {
        description: 'Values of the workflow parameters; omitted ones take their default',
      }),
    ),
    devices: Devices,
    samples: Type.Optional(Type.Array(Code, { maxItems: 200, uniqueItems: true })),
    lots: Type.Optional(
      Type.Array(Code, { maxItems: 50, uniqueItems: true, description: 'Stock lot numbers the run uses' }),
    ),
    seed: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2_147_483_647,
        description: 'Seed of the simulated rig (a random one when omitted)',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        workflow: 'cooling-crystallization',
        parameters: { end_temp_c: 10, cooling_rate: 0.5 },
        devices: { spectrometer: 'RAMAN-01', temperature_controller: 'TC-01', daq: 'DAQ-01' },
        samples: ['S-000123'],
        lots: ['LOT-2026-0042'],
        seed: 42,
      },
    ],
  },
);
export type RunStart = Static<typeof RunStart>;

const Checkpoint = Type.Object(
  {
    pc: Type.Integer({ minimum: 0, description: 'The next command to run' }),
    iterations: Type.Record(Type.String(), Type.Integer(), { description: "Each open loop's iteration" }),
  },
  { additionalProperties: false },
);

const CurrentStep = Type.Object(
  {
    pc: Type.Integer({ minimum: 0 }),
    step_id: Type.String(),
    op: Type.String(),
    iteration: Type.Union([Type.Integer(), Type.Null()]),
    started_at: Timestamp,
  },
  { additionalProperties: false, description: 'The step that started and has not ended' },
);

export const RunView = Type.Object(
  {
    run_id: Type.String(),
    workflow: Type.Object(
      {
        name: Type.String(),
        version: Type.Integer({ minimum: 1 }),
        version_id: Type.String({ format: 'uuid' }),
      },
      { additionalProperties: false },
    ),
    status: RunStatusSchema,
    lab_id: NullableString({ description: 'Code of the lab the run belongs to' }),
    operator: Type.String({ description: 'Who started it' }),
    definition_hash: Type.String({ description: 'SHA-256 of the definition the run executes' }),
    config_snapshot_id: Type.String(),
    config_hash: Type.String({ description: 'SHA-256 of the canonical JSON of the start configuration' }),
    parameters: Type.Record(Type.String(), Type.Number(), { description: 'Bound values, defaults filled' }),
    devices: Devices,
    samples: Type.Array(Type.String()),
    lots: Type.Array(Type.String()),
    seed: Type.Integer(),
    checkpoint: Type.Union([Checkpoint, Type.Null()]),
    current_step: Type.Union([CurrentStep, Type.Null()]),
    steps_completed: Type.Integer({ minimum: 0 }),
    last_event_seq: Type.Integer({
      minimum: 0,
      description: 'The newest event; the stream continues after it',
    }),
    abort_reason: NullableString(),
    failure_code: NullableString(),
    error_message: NullableString(),
    resume_count: Type.Integer({ minimum: 0 }),
    claimed_by: NullableString({ description: 'The engine process holding the run' }),
    lease_expires_at: Type.Union([Timestamp, Type.Null()]),
    created_at: Timestamp,
    started_at: Type.Union([Timestamp, Type.Null()]),
    completed_at: Type.Union([Timestamp, Type.Null()]),
    updated_at: Timestamp,
    release_status: RunReleaseStatusSchema,
    reviewed_by: NullableString({ description: 'Who signed the review (meaning reviewed)' }),
    reviewed_at: Type.Union([Timestamp, Type.Null()]),
    review_signature_id: NullableString({ description: 'The electronic signature of the review' }),
    decided_by: NullableString({ description: 'Who approved or rejected the reviewed run (QA)' }),
    decided_at: Type.Union([Timestamp, Type.Null()]),
    decision_signature_id: NullableString({ description: 'The electronic signature of the decision' }),
  },
  { title: 'Run', additionalProperties: false },
);
export type RunView = Static<typeof RunView>;

export const RunSummary = Type.Object(
  {
    run_id: Type.String(),
    workflow: Type.String(),
    version: Type.Integer({ minimum: 1 }),
    status: RunStatusSchema,
    lab_id: NullableString(),
    operator: Type.String(),
    created_at: Timestamp,
    started_at: Type.Union([Timestamp, Type.Null()]),
    completed_at: Type.Union([Timestamp, Type.Null()]),
    release_status: RunReleaseStatusSchema,
  },
  { title: 'RunSummary', additionalProperties: false },
);
export type RunSummary = Static<typeof RunSummary>;

export const RUN_SORTS = ['-created_at', 'created_at'] as const;
export const RunQuery = ListQuery(
  {
    status: Type.Optional(RunStatusSchema),
    workflow: Type.Optional(Type.String({ maxLength: 64, description: 'Workflow name' })),
    release_status: Type.Optional(RunReleaseStatusSchema),
  },
  RUN_SORTS,
);
export type RunQuery = Static<typeof RunQuery>;

export const RunList = Type.Object(
  {
    items: Type.Array(RunSummary, { description: 'Newest first unless sort=created_at' }),
    next_offset: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type RunList = Static<typeof RunList>;

export const RunStep = Type.Object(
  {
    pc: Type.Integer({ minimum: 0 }),
    step_id: Type.String(),
    op: Type.String(),
    iteration: Type.Union([Type.Integer(), Type.Null()]),
    started_at: Timestamp,
    ended_at: Type.Union([Timestamp, Type.Null()]),
    outcome: Type.Union([
      literalUnion(['completed', 'failed', 'aborted', 'interrupted'] as const),
      Type.Null(),
    ]),
    summary: Type.Unknown({ description: "The step's result summary; null while it runs" }),
  },
  { title: 'RunStep', additionalProperties: false },
);
export const RunStepList = Type.Object(
  { items: Type.Array(RunStep, { description: 'In the order they started' }) },
  { additionalProperties: false },
);
export type RunStepList = Static<typeof RunStepList>;

export const RunEvent = Type.Object(
  {
    seq: Type.Integer({ minimum: 1, description: 'Per run from 1: the stream event id (Last-Event-ID)' }),
    type: Type.String(),
    pc: Type.Union([Type.Integer(), Type.Null()]),
    step_id: NullableString(),
    payload: Json,
    created_at: Timestamp,
  },
  { title: 'RunEvent', additionalProperties: false },
);
export type RunEvent = Static<typeof RunEvent>;

export const RunEventQuery = Type.Object(
  {
    after: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 999_999_999_999_999,
        description: 'Events after this seq (the Last-Event-ID header wins on a stream)',
      }),
    ),
    limit: Limit,
  },
  { additionalProperties: false },
);
export type RunEventQuery = Static<typeof RunEventQuery>;

export const RunEventPage = Type.Object(
  {
    items: Type.Array(RunEvent),
    next_after: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
      description: 'Pass as `after` for the next page; null when no more events are stored yet',
    }),
    finished: Type.Boolean({ description: "The run's final event (finished) is stored: no more will come" }),
  },
  { additionalProperties: false },
);
export type RunEventPage = Static<typeof RunEventPage>;

export const LastEventIdHeader = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({ pattern: '^[0-9]{1,15}$', description: 'The stream resumes after this seq' }),
  ),
});

/** The signing part of a control that needs an e-signature (re-authenticated every time). */
const signing = { ...signerCredentials, password: Type.Optional(signerCredentials.password) };

export const RunControl = Type.Object(
  { reason: Type.Optional(Reason) },
  { additionalProperties: false, examples: [{ reason: 'Sampling the slurry' }] },
);
export type RunControl = Static<typeof RunControl>;

export const RunAbort = Type.Object(
  { reason: Reason },
  { additionalProperties: false, examples: [{ reason: 'Wrong charge loaded' }] },
);
export type RunAbort = Static<typeof RunAbort>;

export const RunResume = Type.Object(
  { reason: Type.Optional(Reason), ...signing },
  {
    additionalProperties: false,
    description:
      'A paused run resumes with no signature. An interrupted run resumes only with an e-signature (meaning resumed): password (and user_id at the first signing of a session) and a reason',
    examples: [
      {
        user_id: 'tech@lab.example',
        password: 'Quartz-Lantern-7-signer',
        reason: 'Power restored; resuming from the last checkpoint',
      },
    ],
  },
);
export type RunResume = Static<typeof RunResume>;

export const HumanInputAnswer = Type.Object(
  {
    note: Type.Optional(Type.String({ maxLength: 1000, description: 'What the operator observed' })),
    reason: Type.Optional(Reason),
    ...signing,
  },
  {
    additionalProperties: false,
    description:
      "Confirms the human_input step waiting at `pc`. When the step names a signature meaning, the confirmation is an e-signature: password (and user_id at the session's first signing)",
    examples: [{ note: 'Slurry filtered', password: 'Quartz-Lantern-7-signer', reason: 'Filtration done' }],
  },
);
export type HumanInputAnswer = Static<typeof HumanInputAnswer>;

export const RunSpectrum = Type.Object(
  {
    shift_cm1: Type.Array(Type.Number()),
    intensities: Type.Array(Type.Number()),
  },
  {
    title: 'RunSpectrum',
    additionalProperties: true,
    description:
      'The stored bytes as they were hashed: the SHA-256 of this body is the path sha256. Also integration_time_ms, averages, detector_max, laser_nm, at, simulated',
  },
);

export const RunReleaseSigning = Type.Object(
  {
    ...signerCredentials,
    reason: Reason,
  },
  {
    additionalProperties: false,
    description: 'An e-signature: password (and user_id at the first signing of a session) and a reason',
    examples: [
      {
        user_id: 'qa.lead@lab.example',
        password: 'Quartz-Lantern-7-signer',
        reason: 'Raw data, steps and identification checked against the batch record',
      },
    ],
  },
);
export type RunReleaseSigning = Static<typeof RunReleaseSigning>;
