// The problem types both services answer with, as data: one entry per `type`, served as pages by
// pages.ts and listed in docs/api/problems.md. The title here is the one every occurrence carries.

/** One problem type: `type` is `/problems/<slug>`. */
export interface ProblemTypeEntry {
  readonly slug: string;
  readonly status: number;
  readonly title: string;
  /** When it happens and what the client should do. */
  readonly description: string;
}

export const PROBLEM_CATALOGUE = [
  // Request shape (both services)
  {
    slug: 'validation-error',
    status: 400,
    title: 'Invalid request',
    description:
      'The body, query string, path or headers break the operation’s schema, or a value names something that does not exist. `errors[]` lists every bad field: `field` (e.g. `body.items[0].name`), `in` and `pointer` (RFC 6901, e.g. `/items/0/name`), `message`, and `allowed` when only listed values are accepted. Fix each listed field and send the request again.',
  },
  {
    slug: 'malformed-json',
    status: 400,
    title: 'Malformed JSON body',
    description:
      'The body is not valid JSON, or it is empty while `Content-Type: application/json` says there is one. Send a well-formed JSON document.',
  },
  {
    slug: 'bad-request',
    status: 400,
    title: 'Bad request',
    description:
      'The request is malformed in a way no schema describes: an invalid `Content-Length`, an upload without exactly one file, or a model reload without a path. `detail` says what is missing; correct the request before retrying.',
  },
  {
    slug: 'unauthorized',
    status: 401,
    title: 'Unauthorized',
    description:
      'No valid credentials. Lab OS: the bearer access token is missing, expired or revoked, or the session ended; refresh the token or log in again. SynFinance: `x-api-key` (or `x-admin-key` for model reload) is missing or wrong.',
  },
  {
    slug: 'forbidden',
    status: 403,
    title: 'Forbidden',
    description:
      'You are authenticated but not allowed: your roles lack the operation’s permission (`detail` names it), or, on SynFinance, model reload is disabled because no admin key is configured. Ask an administrator for the role; retrying will not help.',
  },
  {
    slug: 'not-found',
    status: 404,
    title: 'Not found',
    description:
      'No such route, or no record with that identifier that you are allowed to see (records of other labs answer the same). SynFinance: no recent prediction with that `transaction_id`, or a model without a reference profile. Check the identifier.',
  },
  {
    slug: 'conflict',
    status: 409,
    title: 'Conflict',
    description:
      'The request conflicts with what exists: the identifier is taken, the record still has dependants, the lab is deactivated, or (SynFinance) the feedback for that transaction was already recorded. Read the current state before retrying.',
  },
  {
    slug: 'body-too-large',
    status: 413,
    title: 'Request body too large',
    description:
      'The body is over the service’s limit (lab: `POLYMORPH_BODY_LIMIT_BYTES`; SynFinance: 1 MiB, 32 MiB on batch scoring). Send less per request.',
  },
  {
    slug: 'unsupported-media-type',
    status: 415,
    title: 'Unsupported content type',
    description:
      'The `Content-Type` is not one the operation accepts. JSON operations take `application/json`; an upload takes what its OpenAPI `requestBody` lists (for example `multipart/form-data`). Resend with the right content type.',
  },
  {
    slug: 'uri-too-long',
    status: 414,
    title: 'Path segment too long',
    description:
      'A path parameter (an identifier in the URL) is longer than the service accepts (100 characters). No identifier is that long: check the URL you built.',
  },
  {
    slug: 'rate-limited',
    status: 429,
    title: 'Too many requests',
    description:
      'Too many requests from one key (or address) in the window. Wait the number of seconds in the `retry-after` header before retrying.',
  },
  {
    slug: 'internal-error',
    status: 500,
    title: 'Internal server error',
    description:
      'Something unexpected failed on the server; nothing internal is disclosed. Retry later, and if it persists quote the request id from `detail` (also in the `x-request-id` header) to support.',
  },
  {
    slug: 'shutting-down',
    status: 503,
    title: 'Server shutting down',
    description:
      'The server is draining its in-flight requests before it stops, and takes no new ones; the connection is closed. Retry after the `retry-after` seconds, on another instance or once this one is back.',
  },

  // Lab OS: authentication and accounts
  {
    slug: 'invalid-credentials',
    status: 401,
    title: 'Invalid credentials',
    description:
      'Login or re-authentication failed: wrong email, password or second factor. The answer is the same whether or not the email exists. Failed attempts count towards the account lock.',
  },
  {
    slug: 'mfa-required',
    status: 401,
    title: 'MFA code required',
    description:
      'The password was right and the account has MFA enabled. Send the request again with `mfa_code` (or a `recovery_code`).',
  },
  {
    slug: 'invalid-refresh-token',
    status: 401,
    title: 'Invalid refresh token',
    description:
      'The refresh token is unknown, expired, revoked or was already used (a reused token revokes its family). Log in again.',
  },
  {
    slug: 'invalid-mfa-code',
    status: 400,
    title: 'Invalid MFA code',
    description:
      'The code sent to confirm MFA enrolment does not match the enrolled secret. Check the authenticator’s clock and send the current code.',
  },
  {
    slug: 'password-policy',
    status: 400,
    title: 'Password does not meet the policy',
    description:
      'The new password breaks the password policy; `errors[]` has one entry per broken rule (`message` starts with the rule’s code, such as `too_short` or `reused_password`). Choose another password.',
  },
  {
    slug: 'mfa-enrollment-required',
    status: 403,
    title: 'MFA enrolment required',
    description:
      'A role you hold requires MFA and you have not enrolled. Enrol with `POST /auth/mfa/enroll` and `POST /auth/mfa/confirm`; until then only those routes answer.',
  },
  {
    slug: 'password-expired',
    status: 403,
    title: 'Password expired',
    description:
      'Your password is older than the maximum age. Change it with `POST /auth/password`; until then only that route answers.',
  },
  {
    slug: 'password-change-required',
    status: 403,
    title: 'Password change required',
    description:
      'An administrator set your password (account created or credentials reset). Choose your own with `POST /auth/password`; until then only that route answers.',
  },
  {
    slug: 'segregation-of-duties',
    status: 403,
    title: 'Segregation of duties',
    description:
      'The author of a record cannot review, approve or release it. Another user holding the permission must sign.',
  },
  {
    slug: 'account-locked',
    status: 423,
    title: 'Account locked',
    description:
      'Too many failed login attempts locked the account. Wait for the lock to expire or ask an administrator to unlock it.',
  },
  {
    slug: 'user-exists',
    status: 409,
    title: 'User exists',
    description: 'That email is already registered; emails are never reused, even for deactivated users.',
  },
  {
    slug: 'mfa-already-enabled',
    status: 409,
    title: 'MFA already enabled',
    description: 'MFA is already enabled for this account. Disable it first to enrol a new device.',
  },
  {
    slug: 'mfa-not-enrolling',
    status: 409,
    title: 'No MFA enrolment in progress',
    description: 'There is no pending enrolment to confirm. Call `POST /auth/mfa/enroll` first.',
  },
  {
    slug: 'mfa-not-enabled',
    status: 409,
    title: 'MFA not enabled',
    description: 'MFA is not enabled for this account, so there is nothing to disable.',
  },

  // Lab OS: records
  {
    slug: 'idempotency-key-in-use',
    status: 409,
    title: 'Idempotency key in use',
    description:
      'A create with the same `Idempotency-Key` is still being processed. Retry the same request after a moment: once the first completes, the retry answers its response.',
  },
  {
    slug: 'idempotency-key-reused',
    status: 422,
    title: 'Idempotency key reused',
    description:
      'The `Idempotency-Key` was already used, within its 24 h lifetime, with a different request (another operation, path or body). Use a new key for a new request (docs/api/idempotency.md).',
  },
  {
    slug: 'sample-exists',
    status: 409,
    title: 'Sample exists',
    description:
      'A sample with that `sample_id` already exists. Choose another id, or omit it to get a generated one.',
  },
  {
    slug: 'sample-deleted',
    status: 409,
    title: 'Sample deleted',
    description: 'The sample was soft-deleted; it stays on record but cannot change. Nothing to retry.',
  },
  {
    slug: 'sample-not-active',
    status: 409,
    title: 'Sample not active',
    description:
      'The sample is not usable for this action: it is deleted, disposed or consumed (assigning to a run), or not `active` (splitting). `detail` gives its state.',
  },
  {
    slug: 'invalid-status-transition',
    status: 409,
    title: 'Status transition not allowed',
    description:
      'The requested status cannot follow the current one (sample status machine; a stock lot moves only between available and quarantined). `detail` lists the allowed next statuses.',
  },
  {
    slug: 'quantity-unknown',
    status: 409,
    title: 'Quantity unknown',
    description: 'The sample has no recorded quantity, so it cannot be split. Record its quantity first.',
  },
  {
    slug: 'insufficient-quantity',
    status: 409,
    title: 'Insufficient quantity',
    description: 'The children of a split need more than the parent sample has left. Split less.',
  },
  {
    slug: 'already-assigned',
    status: 409,
    title: 'Already assigned',
    description: 'The sample is already assigned to that workflow run. Nothing to do.',
  },
  {
    slug: 'container-full',
    status: 409,
    title: 'Container full',
    description:
      'The container holds as many samples as its capacity, or a new capacity would be below its occupancy. Move samples out or choose another container.',
  },
  {
    slug: 'already-archived',
    status: 409,
    title: 'Already archived',
    description: 'The project is already archived. Nothing to do.',
  },
  {
    slug: 'project-archived',
    status: 409,
    title: 'Project archived',
    description: 'New batches cannot be created in an archived project. Choose an active project.',
  },
  {
    slug: 'batch-decided',
    status: 409,
    title: 'Batch decided',
    description: 'The batch was already released or rejected and is frozen. Nothing can change it.',
  },
  {
    slug: 'insufficient-stock',
    status: 409,
    title: 'Insufficient stock',
    description:
      'More was requested from the stock lot than it has left (`detail` gives both). Consume less, or from another lot.',
  },
  {
    slug: 'lot-expired',
    status: 409,
    title: 'Lot expired',
    description: 'The stock lot is past its expiration date and cannot be consumed. Use another lot.',
  },
  {
    slug: 'lot-quarantined',
    status: 409,
    title: 'Lot quarantined',
    description: 'The stock lot is quarantined and cannot be consumed until it is released.',
  },
  {
    slug: 'lot-depleted',
    status: 409,
    title: 'Lot depleted',
    description: 'The stock lot has nothing left. Use another lot, or adjust it if the count was wrong.',
  },
  {
    slug: 'calibration-overdue',
    status: 409,
    title: 'Calibration overdue',
    description:
      'The device is past its calibration due date and cannot be set operational. Record a passing calibration first.',
  },
  {
    slug: 'certificate-exists',
    status: 409,
    title: 'Certificate exists',
    description: 'The calibration already has a certificate; certificates are never replaced.',
  },
  {
    slug: 'certificate-too-large',
    status: 413,
    title: 'Certificate too large',
    description: 'Calibration certificates are limited to 10 MB. Upload a smaller file.',
  },
  {
    slug: 'unsupported-certificate-type',
    status: 415,
    title: 'Unsupported certificate type',
    description:
      'The uploaded file is not a PDF, PNG or JPEG by its content (the file name is not trusted). Upload one of those.',
  },
  {
    slug: 'audit-chain-invalid',
    status: 409,
    title: 'Audit chain does not verify',
    description:
      'Signing missing checkpoints was refused because the audit chain fails verification against the existing checkpoints; `first_invalid_seq` and `reason` say where. Investigate the audit trail; nothing was signed.',
  },
  {
    slug: 'workflow-version-locked',
    status: 409,
    title: 'Workflow version locked',
    description:
      'Only a draft workflow version can be edited; one in review, approved, effective or retired never changes. Create a new version (`POST /api/workflows/{name}/versions`) and edit that.',
  },
  {
    slug: 'workflow-transition-not-allowed',
    status: 409,
    title: 'Workflow transition not allowed',
    description:
      'The version is not in a status this step starts from (draft -> in_review -> approved -> effective -> retired), or another version became effective at the same moment. `detail` gives the current status; read the versions before retrying.',
  },
  {
    slug: 'workflow-not-effective',
    status: 409,
    title: 'Workflow version not effective',
    description:
      'A run starts only from the effective version of a workflow; this one is a draft, in review, approved but not activated, or retired (or the workflow has none). Activate an approved version first.',
  },
  {
    slug: 'instrument-not-bound',
    status: 409,
    title: 'Instrument not bound',
    description:
      'A run (or an identify request) names a device that has no instrument binding, or one bound as another kind (a spectrometer where the run needs its temperature controller). `device_id` and `kind` say which. Bind the device (`PUT /api/devices/{deviceId}/binding`) or name another.',
  },
  {
    slug: 'device-not-usable',
    status: 409,
    title: 'Device not usable',
    description:
      'A run names a device that is out of calibration, has never been calibrated, or is not operational (maintenance, retired), 21 CFR 11.10(h). `device_id`, `kind` and `device_status` say which. Calibrate the device or name another; nothing was started.',
  },
  {
    slug: 'run-state-conflict',
    status: 409,
    title: 'Run state conflict',
    description:
      "The run is not in a state this control starts from: pause needs a running run, resume a paused or interrupted one, abort one that has not ended (or whose abort was not already requested), and a human input answer a run waiting at that step. `run_status` gives the run's status; read the run (`GET /api/runs/{runId}`) before retrying.",
  },
  {
    slug: 'definition-changed',
    status: 409,
    title: 'Definition changed',
    description:
      "An interrupted run resumes only with the exact definition it started with; the stored definition of its workflow version no longer hashes to the run's `definition_hash` (`expected` and `found` give both). Nothing was resumed; abort the run and start a new one.",
  },
  {
    slug: 'reference-in-use',
    status: 409,
    title: 'Reference in use',
    description:
      'The reference is pinned (reference_id@version) by a polymorph classify step of an effective workflow version, so it cannot be retired; `workflows` names each one. Retire or replace that workflow version first; nothing was changed.',
  },
  {
    slug: 'reference-retired',
    status: 409,
    title: 'Reference retired',
    description:
      'The reference is retired: it takes no new version and no new identification or run uses it. Its versions stay readable. Create a new reference instead.',
  },
  {
    slug: 'reference-file-too-large',
    status: 413,
    title: 'Reference file too large',
    description:
      'A JCAMP-DX reference file is limited to 2 MB. Upload a smaller file (fewer points, or XYDATA compressed as the format allows).',
  },
  {
    slug: 'run-release-conflict',
    status: 409,
    title: 'Run release conflict',
    description:
      'The run is not at the release step asked for: a review needs an ended run (completed, failed or aborted) not yet reviewed; an approval a reviewed run whose content is still what the reviewer signed; a rejection an ended run not yet decided. An approved or rejected run is decided for good. `release_status` gives where it is; read the run (`GET /api/runs/{runId}`) before retrying. Nothing was signed.',
  },
  {
    slug: 'instrument-error',
    status: 502,
    title: 'Instrument error',
    description:
      'The lab reached out to an instrument and it failed: the link timed out, dropped, or the device answered with an error or a reply the protocol does not allow. `code` is the driver’s defined error (timeout, disconnected, malformed_reply, device_error, ...). Check the instrument and its binding, then retry.',
  },
  {
    slug: 'database-unavailable',
    status: 503,
    title: 'Database unavailable',
    description:
      'The database could not be reached: it is down, restarting or out of connections (the readiness check says the same). Retry after the `retry-after` seconds and route traffic elsewhere meanwhile; a write whose connection was lost at its commit may have been stored, so look before repeating it.',
  },
  {
    slug: 'signatures-unavailable',
    status: 503,
    title: 'Electronic signatures unavailable',
    description:
      'No signature service is configured, so nothing can be released or rejected. An operator must configure it.',
  },
  {
    slug: 'storage-unavailable',
    status: 503,
    title: 'Storage unavailable',
    description: 'No data directory is configured for calibration certificates. An operator must set one.',
  },
  {
    slug: 'storage-full',
    status: 507,
    title: 'Storage full',
    description:
      'What the request had to store did not fit: the disk holding the calibration certificates or the database is full (or its quota is spent). Nothing was recorded and no partial file is kept. Retry the same request once an operator has freed space.',
  },

  // SynFinance: fraud scoring
  {
    slug: 'batch-too-large',
    status: 413,
    title: 'Batch too large',
    description: 'More than 10,000 transactions in one batch-scoring request. Split the batch.',
  },
  {
    slug: 'invalid-model',
    status: 422,
    title: 'Invalid model',
    description:
      'Model reload: the file is unreadable or not a valid model. The previous model stays in use; fix the file and reload again.',
  },
  {
    slug: 'model-unavailable',
    status: 503,
    title: 'No model loaded',
    description:
      'No fraud model is loaded (`SYNFINANCE_MODEL_PATH` unset and no reload yet). Load one with `POST /api/fraud/model/reload`.',
  },
  {
    slug: 'feature-store-unavailable',
    status: 503,
    title: 'Feature store unavailable',
    description:
      'The shared store of customer histories (Redis) did not answer, so the transaction was not scored: a score without its history would look normal and be wrong. Retry after the `retry-after` seconds; the service reconnects by itself. A request whose reply was lost at the write may have been recorded in the history.',
  },
] as const satisfies readonly ProblemTypeEntry[];

/** The slug of every catalogued problem type. */
export type ProblemSlug = (typeof PROBLEM_CATALOGUE)[number]['slug'];

const bySlug: ReadonlyMap<string, ProblemTypeEntry> = new Map(PROBLEM_CATALOGUE.map((e) => [e.slug, e]));

/** The catalogue entry of a slug, if there is one. */
export const findProblemType = (slug: string): ProblemTypeEntry | undefined => bySlug.get(slug);

/** The catalogue entry of a known slug. */
export function problemTypeOf(slug: ProblemSlug): ProblemTypeEntry {
  // Every ProblemSlug is in the map by construction.
  return bySlug.get(slug) as ProblemTypeEntry;
}
