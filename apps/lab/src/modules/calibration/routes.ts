import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { callerOf } from '../../platform/access/lab-scope.ts';
import { Code, Json } from '../../platform/http/common-schemas.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import { StatusBody } from '../devices/routes.ts';
import type { DeviceService } from '../devices/service.ts';
import { CERTIFICATE_MAX_BYTES } from './certificate-store.ts';
import type { CalibrationService } from './service.ts';

const tags = ['calibration'];
const Day = Type.String({ format: 'date' });
const IdParam = Type.Object({ id: Type.String({ format: 'uuid' }) });
const DeviceParam = Type.Object({ deviceId: Code });

/**
 * /api/calibration. Static routes (status, upcoming, overdue, device/...) sit beside /:id; the router
 * matches static segments first, and calibration.test.ts checks each of them.
 */
export async function calibrationRoutes(
  app: FastifyInstance,
  opts: { calibration: CalibrationService; devices: DeviceService },
) {
  const { calibration, devices } = opts;
  // Scoped to this plugin: only the certificate upload accepts multipart.
  await app.register(multipart, {
    limits: { fileSize: CERTIFICATE_MAX_BYTES, files: 1, fields: 0, parts: 1, headerPairs: 100 },
  });
  const read = { permission: 'calibration:read' };

  app.post(
    '/api/calibration',
    {
      config: { permission: 'calibration:create' },
      schema: {
        tags,
        summary: 'Record a calibration; failed puts the device in maintenance',
        body: Type.Object(
          {
            device_id: Code,
            calibration_date: Day,
            next_due_date: Type.Optional(Day),
            result: Type.Union([Type.Literal('valid'), Type.Literal('failed')]),
            results: Type.Optional(Json),
            performed_by: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
            reference_standard: Type.Optional(Type.String({ maxLength: 200 })),
            notes: Type.Optional(Type.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => reply.code(201).send(await calibration.record(req.body as never, callerOf(req))),
  );
  app.get(
    '/api/calibration/upcoming',
    {
      config: read,
      schema: {
        tags,
        querystring: Type.Object({ days: Type.Integer({ minimum: 0, maximum: 3650, default: 30 }) }),
      },
    },
    async (req) => calibration.upcoming((req.query as { days: number }).days, callerOf(req)),
  );
  app.get(
    '/api/calibration/overdue',
    { config: read, schema: { tags, summary: 'Devices past their calibration due date' } },
    async (req) => calibration.overdue(callerOf(req)),
  );
  app.get(
    '/api/calibration/status',
    { config: read, schema: { tags, summary: 'Every device status' } },
    async (req) => calibration.statuses(callerOf(req)),
  );
  app.get(
    '/api/calibration/status/:deviceId',
    { config: read, schema: { tags, params: DeviceParam } },
    async (req) => devices.status((req.params as { deviceId: string }).deviceId, callerOf(req)),
  );
  app.put(
    '/api/calibration/status/:deviceId',
    { config: { permission: 'devices:update' }, schema: { tags, params: DeviceParam, body: StatusBody } },
    async (req) =>
      devices.setStatus((req.params as { deviceId: string }).deviceId, req.body as never, callerOf(req)),
  );
  app.get(
    '/api/calibration/device/:deviceId',
    { config: read, schema: { tags, params: DeviceParam } },
    async (req) => calibration.forDevice((req.params as { deviceId: string }).deviceId, callerOf(req)),
  );
  app.get('/api/calibration/:id', { config: read, schema: { tags, params: IdParam } }, async (req) =>
    calibration.get((req.params as { id: string }).id, callerOf(req)),
  );
  app.post(
    '/api/calibration/:id/attach-certificate',
    {
      config: { permission: 'calibration:create' },
      schema: {
        tags,
        summary:
          'Upload the certificate (multipart field "file"): PDF, PNG or JPEG by content, at most 10 MB',
        params: IdParam,
        consumes: ['multipart/form-data'],
      },
    },
    async (req, reply) => {
      if (!req.isMultipart()) {
        throw new HttpProblem(
          415,
          'unsupported-media-type',
          'Unsupported content type',
          'Send multipart/form-data with one file',
        );
      }
      let part: Awaited<ReturnType<typeof req.file>>;
      try {
        part = await req.file();
      } catch (err) {
        if (
          (err as { code?: string }).code === 'FST_PARTS_LIMIT' ||
          (err as { code?: string }).code === 'FST_FILES_LIMIT'
        ) {
          throw new HttpProblem(400, 'bad-request', 'Bad request', 'Send exactly one file');
        }
        throw err;
      }
      if (!part) throw new HttpProblem(400, 'bad-request', 'Bad request', 'No file in the upload');
      const entry = await calibration.attachCertificate(
        (req.params as { id: string }).id,
        { stream: part.file, filename: part.filename },
        callerOf(req),
      );
      return reply.code(201).send(entry);
    },
  );
  app.get(
    '/api/calibration/:id/certificate',
    { config: read, schema: { tags, params: IdParam } },
    async (req, reply) => {
      const cert = await calibration.certificate((req.params as { id: string }).id, callerOf(req));
      return reply
        .header('content-type', cert.contentType)
        .header('content-disposition', `attachment; filename="${cert.filename}"`)
        .header('x-content-sha256', cert.sha256)
        .header('repr-digest', `sha-256=:${Buffer.from(cert.sha256, 'hex').toString('base64')}:`)
        .send(cert.bytes);
    },
  );
}
