import { type Static, type TSchema, Type } from 'typebox';
import { Code, Json, NullableString, Reason, Timestamp } from '../../platform/http/common-schemas.ts';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Location = Type.String({ maxLength: 500 });
const Timezone = Type.String({ maxLength: 64, description: 'IANA time zone; UTC when not given' });
const Hostname = Type.String({ minLength: 1, maxLength: 253 });
const HubType = Type.String({ minLength: 1, maxLength: 64 });
const HubStatus = Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('error')]);

// --- parameters ---

export const OrganizationParams = Type.Object({ orgId: Code });
export const LabParams = Type.Object({ labId: Code });
export const MemberParams = Type.Object({ labId: Code, email: Type.String({ maxLength: 254 }) });
export const NodeParams = Type.Object({ nodeId: Code });
export const HubParams = Type.Object({ hubId: Code });

// --- request bodies ---

export const OrganizationCreate = Type.Object(
  { org_id: Code, name: Name },
  { additionalProperties: false, examples: [{ org_id: 'ACME', name: 'Acme Pharma' }] },
);
export type OrganizationCreate = Static<typeof OrganizationCreate>;

export const OrganizationUpdate = Type.Object(
  { name: Type.Optional(Name), reason: Reason },
  { additionalProperties: false, examples: [{ name: 'Acme Pharma AG', reason: 'Legal name changed' }] },
);
export type OrganizationUpdate = Static<typeof OrganizationUpdate>;

export const LabCreate = Type.Object(
  {
    lab_id: Code,
    org_id: Code,
    name: Name,
    location: Type.Optional(Location),
    timezone: Type.Optional(Timezone),
  },
  {
    additionalProperties: false,
    examples: [
      {
        lab_id: 'BSL-QC',
        org_id: 'ACME',
        name: 'Basel QC',
        location: 'Building 4, floor 2',
        timezone: 'Europe/Zurich',
      },
    ],
  },
);
export type LabCreate = Static<typeof LabCreate>;

export const LabUpdate = Type.Object(
  {
    name: Type.Optional(Name),
    location: Type.Optional(Location),
    timezone: Type.Optional(Timezone),
    is_active: Type.Optional(Type.Boolean({ description: 'false deactivates the lab' })),
    reason: Reason,
  },
  {
    additionalProperties: false,
    examples: [{ location: 'Building 5, floor 1', reason: 'QC moved to the new building' }],
  },
);
export type LabUpdate = Static<typeof LabUpdate>;

export const MembershipChange = Type.Object(
  { reason: Reason },
  { additionalProperties: false, examples: [{ reason: 'Transferred to Basel QC' }] },
);

export const NodeCreate = Type.Object(
  {
    node_id: Code,
    lab_id: Type.Optional(Code),
    hostname: Hostname,
    capabilities: Type.Optional(Json),
  },
  {
    additionalProperties: false,
    examples: [
      {
        node_id: 'NODE-BSL-01',
        lab_id: 'BSL-QC',
        hostname: 'bench-pc-1.bsl.acme.example',
        capabilities: { serial_ports: 4, usb: true },
      },
    ],
  },
);
export type NodeCreate = Static<typeof NodeCreate>;

export const NodeUpdate = Type.Object(
  { hostname: Type.Optional(Hostname), capabilities: Type.Optional(Json), reason: Reason },
  {
    additionalProperties: false,
    examples: [{ hostname: 'bench-pc-2.bsl.acme.example', reason: 'Bench PC replaced' }],
  },
);
export type NodeUpdate = Static<typeof NodeUpdate>;

export const HubCreate = Type.Object(
  { hub_id: Code, node_id: Code, hub_type: HubType, config: Type.Optional(Json) },
  {
    additionalProperties: false,
    examples: [
      {
        hub_id: 'HUB-BSL-01',
        node_id: 'NODE-BSL-01',
        hub_type: 'serial',
        config: { port: '/dev/ttyUSB0', baud_rate: 9600 },
      },
    ],
  },
);
export type HubCreate = Static<typeof HubCreate>;

export const HubUpdate = Type.Object(
  {
    hub_type: Type.Optional(HubType),
    config: Type.Optional(Json),
    status: Type.Optional(HubStatus),
    reason: Reason,
  },
  { additionalProperties: false, examples: [{ status: 'online', reason: 'Cabled to the HPLC bench' }] },
);
export type HubUpdate = Static<typeof HubUpdate>;

// --- responses ---

export const OrganizationView = Type.Object(
  {
    org_id: Type.String(),
    name: Type.String(),
    created_at: Timestamp,
    lab_count: Type.Integer({ minimum: 0 }),
  },
  { title: 'Organization', additionalProperties: false },
);
export type OrganizationView = Static<typeof OrganizationView>;

export const LabView = Type.Object(
  {
    lab_id: Type.String(),
    org_id: Type.String({ description: 'Code of the organization the lab belongs to' }),
    name: Type.String(),
    location: NullableString(),
    timezone: Type.String(),
    is_active: Type.Boolean(),
    created_at: Timestamp,
  },
  { title: 'Lab', additionalProperties: false },
);
export type LabView = Static<typeof LabView>;

export const NodeView = Type.Object(
  {
    node_id: Type.String(),
    lab_id: Type.String({ description: 'Code of the lab the node serves' }),
    hostname: Type.String(),
    capabilities: Json,
    last_heartbeat_at: Type.Union([Timestamp, Type.Null()]),
    created_at: Timestamp,
    status: Type.Union([Type.Literal('online'), Type.Literal('offline')], {
      description: 'online while the last heartbeat is younger than 90 s',
    }),
  },
  { title: 'Node', additionalProperties: false },
);
export type NodeView = Static<typeof NodeView>;

export const DeviceHubView = Type.Object(
  {
    hub_id: Type.String(),
    node_id: Type.String({ description: 'Code of the node hosting the hub' }),
    hub_type: Type.String(),
    config: Json,
    status: HubStatus,
    created_at: Timestamp,
  },
  { title: 'DeviceHub', additionalProperties: false },
);
export type DeviceHubView = Static<typeof DeviceHubView>;

/** The sites lists are short (one row per organization, lab, bench PC, hub) and not paged. */
const List = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item) }, { additionalProperties: false });
export const OrganizationList = List(OrganizationView);
export type OrganizationList = Static<typeof OrganizationList>;
export const LabList = List(LabView);
export type LabList = Static<typeof LabList>;
export const NodeList = List(NodeView);
export type NodeList = Static<typeof NodeList>;
export const DeviceHubList = List(DeviceHubView);
export type DeviceHubList = Static<typeof DeviceHubList>;

export const LabMembers = Type.Object(
  {
    lab_id: Type.String(),
    items: Type.Array(
      Type.Object({ email: Type.String(), name: Type.String() }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);
export type LabMembers = Static<typeof LabMembers>;

export const LabMembership = Type.Object(
  { email: Type.String(), lab_id: Type.String() },
  { additionalProperties: false },
);
export type LabMembership = Static<typeof LabMembership>;

export const Deleted = Type.Null({ description: 'Deleted; no body' });
