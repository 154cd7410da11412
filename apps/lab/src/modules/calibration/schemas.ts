import { type Static, Type } from 'typebox';
import { Code, Day, Json, NullableString, Timestamp } from '../../platform/http/common-schemas.ts';
import { DeviceStatusView } from '../devices/port.ts';
import { CERTIFICATE_MAX_BYTES, CERTIFICATE_TYPES } from './certificate-store.ts';

const Result = Type.Union([Type.Literal('valid'), Type.Literal('failed')]);

export const CalibrationParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const CalibrationDeviceParams = Type.Object({ deviceId: Code });

export const CalibrationCreate = Type.Object(
  {
    device_id: Code,
    calibration_date: Day,
    next_due_date: Type.Optional(Day),
    result: Result,
    results: Type.Optional(Json),
    performed_by: Type.Optional(
      Type.String({ format: 'email', maxLength: 254, description: 'A registered user; default the caller' }),
    ),
    reference_standard: Type.Optional(Type.String({ maxLength: 200 })),
    notes: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  {
    additionalProperties: false,
    examples: [
      {
        device_id: 'BAL-01',
        calibration_date: '2026-03-02',
        next_due_date: '2026-09-02',
        result: 'valid',
        results: { reference_mass_g: 100, measured_g: 100.0002, deviation_pct: 0.0002 },
        reference_standard: 'OIML E2 weight set, cert. 4471',
        notes: 'Within tolerance',
      },
    ],
  },
);
export type CalibrationCreate = Static<typeof CalibrationCreate>;

export const UpcomingQuery = Type.Object({ days: Type.Integer({ minimum: 0, maximum: 3650, default: 30 }) });

export const CalibrationEntry = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    device_id: Type.String(),
    calibration_date: Day,
    next_due_date: Type.Union([Day, Type.Null()]),
    performed_by: Type.String({ description: 'Email of the user who calibrated' }),
    result: Result,
    results: Json,
    reference_standard: NullableString(),
    notes: NullableString(),
    certificate_sha256: NullableString({ description: 'SHA-256 (hex) of the certificate file' }),
    certificate_content_type: NullableString({ description: 'Detected from the file content' }),
    certificate_size: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    certificate_filename: NullableString(),
    has_certificate: Type.Boolean(),
    created_at: Timestamp,
  },
  { title: 'CalibrationEntry', additionalProperties: false },
);
export type CalibrationEntry = Static<typeof CalibrationEntry>;

export const CalibrationRecorded = Type.Object(
  { ...CalibrationEntry.properties, device_status: DeviceStatusView },
  { additionalProperties: false },
);
export type CalibrationRecorded = Static<typeof CalibrationRecorded>;

export const CalibrationHistory = Type.Object(
  { device_id: Type.String(), items: Type.Array(CalibrationEntry) },
  { additionalProperties: false },
);
export type CalibrationHistory = Static<typeof CalibrationHistory>;

export const DueDevices = Type.Object(
  { days: Type.Integer({ minimum: 0 }), items: Type.Array(DeviceStatusView) },
  { additionalProperties: false },
);
export type DueDevices = Static<typeof DueDevices>;

export const DeviceStatuses = Type.Object(
  { items: Type.Array(DeviceStatusView) },
  { title: 'DeviceStatusList', additionalProperties: false },
);
export type DeviceStatuses = Static<typeof DeviceStatuses>;

const certificateTypes = Object.keys(CERTIFICATE_TYPES);

/**
 * The upload: a multipart form with one file part named `file`. The handler streams the part, so the
 * parsed body that validation sees is empty (null); the form is what the document shows.
 */
export const CertificateUpload = Type.Union(
  [
    Type.Object(
      {
        file: Type.Unsafe<unknown>({
          type: 'string',
          contentMediaType: 'application/octet-stream',
          description: `The certificate: ${certificateTypes.join(', ')}`,
        }),
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  {
    description: `One part named "file": a PDF, PNG or JPEG (recognised from its bytes, not its name), at most ${CERTIFICATE_MAX_BYTES / 1024 / 1024} MB`,
    examples: [{ file: '%PDF-1.7 … (the bytes of BAL-01-calibration-2026-03.pdf)' }],
  },
);

export const certificateTooLarge = {
  description: `The certificate is larger than ${CERTIFICATE_MAX_BYTES / 1024 / 1024} MB`,
} as const;
export const certificateWrongType = {
  description: `Not multipart/form-data, or the file's content is not ${certificateTypes.join(', ')}`,
} as const;

/** The stored certificate, as uploaded, in its detected content type. */
export const CertificateFile = {
  description: 'The certificate file, checked against its recorded SHA-256 before it is sent',
  headers: {
    'content-disposition': { type: 'string', description: 'attachment; filename="<recorded name>"' },
    'x-content-sha256': {
      type: 'string',
      pattern: '^[0-9a-f]{64}$',
      description: 'SHA-256 (hex) of the body',
    },
    'repr-digest': { type: 'string', description: 'RFC 9530 digest of the body: sha-256=:<base64>:' },
  },
  content: Object.fromEntries(
    certificateTypes.map((mime) => [mime, { schema: { type: 'string', contentMediaType: mime } }]),
  ),
};
