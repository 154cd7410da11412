import { type Static, Type } from 'typebox';
import {
  Code,
  ListQuery,
  NullableString,
  Page,
  Reason,
  Timestamp,
} from '../../platform/http/common-schemas.ts';

export const CONTAINER_SORTS = ['container_id', 'location', '-free'] as const;

export const ContainerParams = Type.Object({ containerId: Code });

const Location = Type.String({
  minLength: 1,
  maxLength: 500,
  description: 'site/room/freezer/shelf/box/position',
});
const ContainerType = Type.String({ minLength: 1, maxLength: 64 });
const Capacity = Type.Integer({ minimum: 1, maximum: 1_000_000 });

export const ContainerCreate = Type.Object(
  {
    container_id: Code,
    container_type: ContainerType,
    location: Location,
    capacity: Capacity,
    lab_id: Type.Optional(Code),
  },
  {
    additionalProperties: false,
    examples: [
      {
        container_id: 'BOX-F80-0312',
        container_type: 'cryobox-81',
        location: 'Site A/Room 2.14/Freezer F-80-1/Shelf 3/Box 12',
        capacity: 81,
      },
    ],
  },
);
export type ContainerCreate = Static<typeof ContainerCreate>;

export const ContainerQuery = ListQuery(
  {
    container_type: Type.Optional(Type.String({ maxLength: 64 })),
    location: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    has_space: Type.Optional(Type.Boolean()),
  },
  CONTAINER_SORTS,
);
export type ContainerQuery = Static<typeof ContainerQuery>;

export const ContainerUpdate = Type.Object(
  {
    container_type: Type.Optional(ContainerType),
    location: Type.Optional(Location),
    capacity: Type.Optional(Capacity),
    reason: Reason,
  },
  {
    additionalProperties: false,
    examples: [
      { location: 'Site A/Room 2.14/Freezer F-80-2/Shelf 1/Box 12', reason: 'Freezer F-80-1 defrost' },
    ],
  },
);
export type ContainerUpdate = Static<typeof ContainerUpdate>;

export const ContainerPlacement = Type.Object(
  { sample_id: Code, reason: Reason },
  {
    additionalProperties: false,
    examples: [{ sample_id: 'S-2026-000123', reason: 'Moved to long-term storage' }],
  },
);

export const ContainerView = Type.Object(
  {
    container_id: Type.String(),
    container_type: Type.String(),
    location: Type.String(),
    capacity: Type.Integer({ minimum: 1 }),
    occupancy: Type.Integer({ minimum: 0, description: 'Samples inside now (deleted ones excluded)' }),
    lab_id: NullableString({ description: 'Code of the lab the container belongs to' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'Container', additionalProperties: false },
);
export type ContainerView = Static<typeof ContainerView>;

export const ContainerDetail = Type.Object(
  {
    ...ContainerView.properties,
    samples: Type.Array(
      Type.Object({ sample_id: Type.String(), status: Type.String() }, { additionalProperties: false }),
      { description: 'The samples inside, by sample_id' },
    ),
  },
  { additionalProperties: false },
);
export type ContainerDetail = Static<typeof ContainerDetail>;

export const ContainerList = Page(ContainerView);
export type ContainerList = Static<typeof ContainerList>;
