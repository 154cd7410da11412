import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { callerOf } from '../../platform/access/lab-scope.ts';
import { Code, Json, Limit, Offset, Reason, Sort } from '../../platform/http/common-schemas.ts';
import { DEVICE_SORTS, DEVICE_STATUSES, type DeviceService } from './service.ts';

const tags = ['devices'];
const Param = Type.Object({ deviceId: Code });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
export const StatusBody = Type.Object(
  {
    status: Type.Union(DEVICE_STATUSES.map((s) => Type.Literal(s))),
    health_score: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    notes: Type.Optional(Type.String({ maxLength: 2000 })),
    reason: Reason,
  },
  { additionalProperties: false },
);

/** /api/devices: the device registry and each device's status. */
export async function deviceRoutes(app: FastifyInstance, opts: { devices: DeviceService }) {
  const { devices } = opts;
  app.post(
    '/api/devices',
    {
      config: { permission: 'devices:create' },
      schema: {
        tags,
        body: Type.Object(
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
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => reply.code(201).send(await devices.create(req.body as never, callerOf(req))),
  );
  app.get(
    '/api/devices',
    {
      config: { permission: 'devices:read' },
      schema: {
        tags,
        querystring: Type.Object(
          {
            limit: Limit,
            offset: Offset,
            device_type: Type.Optional(Type.String({ maxLength: 64 })),
            status: Type.Optional(Type.Union(DEVICE_STATUSES.map((s) => Type.Literal(s)))),
            lab_id: Type.Optional(Code),
            sort: Sort(DEVICE_SORTS),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => devices.list(req.query as never, callerOf(req)),
  );
  app.get(
    '/api/devices/:deviceId',
    { config: { permission: 'devices:read' }, schema: { tags, params: Param } },
    async (req) => devices.get((req.params as { deviceId: string }).deviceId, callerOf(req)),
  );
  app.patch(
    '/api/devices/:deviceId',
    {
      config: { permission: 'devices:update' },
      schema: {
        tags,
        params: Param,
        body: Type.Object(
          {
            model: Type.Optional(Text(200)),
            device_type: Type.Optional(Text(64)),
            location: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
            capabilities: Type.Optional(Json),
            reason: Reason,
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) =>
      devices.update((req.params as { deviceId: string }).deviceId, req.body as never, callerOf(req)),
  );
  app.get(
    '/api/devices/:deviceId/status',
    { config: { permission: 'devices:read' }, schema: { tags, params: Param } },
    async (req) => devices.status((req.params as { deviceId: string }).deviceId, callerOf(req)),
  );
  app.put(
    '/api/devices/:deviceId/status',
    { config: { permission: 'devices:update' }, schema: { tags, params: Param, body: StatusBody } },
    async (req) =>
      devices.setStatus((req.params as { deviceId: string }).deviceId, req.body as never, callerOf(req)),
  );
}
