import { Type } from 'typebox';

export const Health = Type.Object(
  {
    status: Type.Literal('ok'),
    version: Type.String({ description: 'The lab OS version' }),
    uptime_s: Type.Number({ minimum: 0, description: 'Seconds since the process started' }),
  },
  { additionalProperties: false },
);

export const Readiness = Type.Object(
  {
    status: Type.Literal('ready'),
    database: Type.Union([Type.Literal('pglite'), Type.Literal('postgres')], {
      description: 'The database answering',
    }),
  },
  { additionalProperties: false },
);
