import { type Static, Type } from 'typebox';
import {
  Code,
  Json,
  ListQuery,
  literalUnion,
  NullableString,
  Page,
  Reason,
  Timestamp,
} from '../../platform/http/common-schemas.ts';

export const DEVICE_STATUSES = ['operational', 'maintenance', 'offline', 'error'] as const;
export const DEVICE_SORTS = ['device_id', 'next_calibration_due', 'health_score'] as const;

const Status = Type.Union(
  DEVICE_STATUSES.map((s) => Type.Literal(s)),
  { description: 'Effective status: an operational device overdue for calibration reads as maintenance' },
);
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const NullableDay = Type.Union([Type.String({ format: 'date' }), Type.Null()]);

export const DeviceParams = Type.Object({ deviceId: Code });

export const DeviceCreate = Type.Object(
  {
    device_id: Code,
    vendor: Text(200),
    model: Text(200),
    serial_number: Text(200),
    device_type: Text(64),
    location: Type.Optional(Type.String({ maxLength: 500 })),
    lab_id: Type.Optional(Code),
    capabilities: Type.Optional(Json),
  },
  {
    additionalProperties: false,
    examples: [
      {
        device_id: 'HPLC-01',
        vendor: 'Agilent',
        model: '1260 Infinity II',
        serial_number: 'DEAB123456',
        device_type: 'hplc',
        location: 'Building 2 / QC lab / bench 3',
        capabilities: { detectors: ['DAD'], max_pressure_bar: 600 },
      },
    ],
  },
);
export type DeviceCreate = Static<typeof DeviceCreate>;

export const DeviceQuery = ListQuery(
  {
    device_type: Type.Optional(Type.String({ maxLength: 64 })),
    status: Type.Optional(literalUnion(DEVICE_STATUSES)),
    lab_id: Type.Optional(Code),
  },
  DEVICE_SORTS,
);
export type DeviceQuery = Static<typeof DeviceQuery>;

export const DeviceUpdate = Type.Object(
  {
    model: Type.Optional(Text(200)),
    device_type: Type.Optional(Text(64)),
    location: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    capabilities: Type.Optional(Json),
    reason: Reason,
  },
  {
    additionalProperties: false,
    examples: [{ location: 'Building 2 / QC lab / bench 5', reason: 'Moved to the new bench' }],
  },
);
export type DeviceUpdate = Static<typeof DeviceUpdate>;

/** A status change; also accepted at /api/calibration/status/{deviceId}. */
export const DeviceStatusChange = Type.Object(
  {
    status: literalUnion(DEVICE_STATUSES),
    health_score: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    notes: Type.Optional(Type.String({ maxLength: 2000 })),
    reason: Reason,
  },
  {
    title: 'DeviceStatusChange',
    additionalProperties: false,
    examples: [{ status: 'error', health_score: 0.4, notes: 'Pump pressure ripple', reason: 'Pump leak' }],
  },
);
export type DeviceStatusChange = Static<typeof DeviceStatusChange>;

/** A device's status as read (the part of the device view that calibration changes). */
export const DeviceStatusView = Type.Object(
  {
    device_id: Type.String(),
    status: Status,
    health_score: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]),
    last_calibration_date: NullableDay,
    next_calibration_due: NullableDay,
    calibration_overdue: Type.Boolean(),
    status_notes: NullableString(),
  },
  { title: 'DeviceStatus', additionalProperties: false },
);
export type DeviceStatusView = Static<typeof DeviceStatusView>;

export const DeviceView = Type.Object(
  {
    device_id: Type.String(),
    vendor: Type.String(),
    model: Type.String(),
    serial_number: Type.String(),
    device_type: Type.String(),
    location: NullableString(),
    lab_id: NullableString({ description: 'Code of the lab the device belongs to' }),
    hub_id: NullableString({ description: 'Code of the device hub it is attached to' }),
    capabilities: Json,
    created_at: Timestamp,
    updated_at: Timestamp,
    status: DeviceStatusView.properties.status,
    health_score: DeviceStatusView.properties.health_score,
    last_calibration_date: DeviceStatusView.properties.last_calibration_date,
    next_calibration_due: DeviceStatusView.properties.next_calibration_due,
    calibration_overdue: DeviceStatusView.properties.calibration_overdue,
    status_notes: DeviceStatusView.properties.status_notes,
  },
  { title: 'Device', additionalProperties: false },
);
export type DeviceView = Static<typeof DeviceView>;

export const DeviceList = Page(DeviceView);
export type DeviceList = Static<typeof DeviceList>;
