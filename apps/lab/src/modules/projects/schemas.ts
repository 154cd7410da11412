import { type Static, Type } from 'typebox';
import {
  Code,
  ListQuery,
  NullableString,
  Page,
  Reason,
  Timestamp,
} from '../../platform/http/common-schemas.ts';

export const PROJECT_SORTS = ['project_id', 'name', 'created_at', '-created_at'] as const;

export const ProjectParams = Type.Object({ projectId: Code });

export const ProjectCreate = Type.Object(
  {
    project_id: Code,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    lab_id: Type.Optional(Code),
  },
  {
    additionalProperties: false,
    examples: [
      { project_id: 'STAB-2026', name: 'Stability study 2026', description: 'Form II at 40 °C / 75% RH' },
    ],
  },
);
export type ProjectCreate = Static<typeof ProjectCreate>;

export const ProjectQuery = ListQuery(
  {
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('archived')])),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  PROJECT_SORTS,
);
export type ProjectQuery = Static<typeof ProjectQuery>;

export const ProjectUpdate = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
    reason: Reason,
  },
  {
    additionalProperties: false,
    examples: [{ name: 'Stability study 2026 (Form II)', reason: 'Scope narrowed' }],
  },
);
export type ProjectUpdate = Static<typeof ProjectUpdate>;

export const ProjectArchive = Type.Object(
  { reason: Reason },
  { additionalProperties: false, examples: [{ reason: 'Study completed' }] },
);

export const ProjectView = Type.Object(
  {
    project_id: Type.String(),
    name: Type.String(),
    description: NullableString(),
    status: Type.Union([Type.Literal('active'), Type.Literal('archived')]),
    lab_id: NullableString({ description: 'Code of the lab the project belongs to' }),
    created_by: Type.String(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'Project', additionalProperties: false },
);
export type ProjectView = Static<typeof ProjectView>;

export const ProjectDetail = Type.Object(
  {
    ...ProjectView.properties,
    batch_count: Type.Integer({ minimum: 0 }),
    sample_count: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const ProjectList = Page(ProjectView);
export type ProjectList = Static<typeof ProjectList>;
