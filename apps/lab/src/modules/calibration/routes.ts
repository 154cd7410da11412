import multipart from '@fastify/multipart';
import { callerOf } from '../../platform/access/lab-scope.ts';
import { HttpProblem } from '../../platform/http/problem.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import { type DeviceStatusAccess, DeviceStatusChange, DeviceStatusView } from '../devices/port.ts';
import { CERTIFICATE_MAX_BYTES } from './certificate-store.ts';
import {
  CalibrationCreate,
  CalibrationDeviceParams,
  CalibrationEntry,
  CalibrationHistory,
  CalibrationParams,
  CalibrationRecorded,
  CertificateFile,
  CertificateUpload,
  certificateTooLarge,
  certificateWrongType,
  DeviceStatuses,
  DueDevices,
  UpcomingQuery,
} from './schemas.ts';
import type { CalibrationService } from './service.ts';
import { singleFile } from './single-file-upload.ts';

const tags = ['calibration'];

/** A problem response with a description of this operation's own cause. */
const problem = (status: number, description: string) => ({
  ...problemResponses(status)[status]!,
  description,
});

/**
 * /api/calibration. Static routes (status, upcoming, overdue, device/...) sit beside /:id; the router
 * matches static segments first, and calibration.test.ts checks each of them.
 */
export const calibrationRoutes: LabRoutes<{
  calibration: CalibrationService;
  devices: DeviceStatusAccess;
}> = async (app, { calibration, devices }) => {
  // Scoped to this plugin: only the certificate upload accepts multipart.
  await app.register(multipart, {
    limits: { fileSize: CERTIFICATE_MAX_BYTES, files: 1, fields: 0, parts: 1, headerPairs: 100 },
  });

  app.post(
    '/api/calibration',
    {
      config: { permission: 'calibration:create' },
      schema: {
        operationId: 'recordCalibration',
        summary: 'Record a calibration; failed puts the device in maintenance',
        description:
          'A valid calibration returns a device in maintenance to operational. The answer carries the ' +
          "device's status after the calibration. An unknown device or performer is a 400.",
        tags,
        body: CalibrationCreate,
        response: { 201: CalibrationRecorded },
      },
    },
    async (req, reply) => reply.code(201).send(await calibration.record(req.body, callerOf(req))),
  );
  app.get(
    '/api/calibration/upcoming',
    {
      config: { permission: 'calibration:read' },
      schema: {
        operationId: 'listUpcomingCalibrations',
        summary: 'Devices due for calibration within `days` days (today included), not yet overdue',
        tags,
        querystring: UpcomingQuery,
        response: { 200: DueDevices },
      },
    },
    async (req) => calibration.upcoming(req.query.days, callerOf(req)),
  );
  app.get(
    '/api/calibration/overdue',
    {
      config: { permission: 'calibration:read' },
      schema: {
        operationId: 'listOverdueCalibrations',
        summary: 'Devices past their calibration due date',
        description:
          'Reading this also sets each overdue device still stored as operational to maintenance, audited as the system.',
        tags,
        response: { 200: DeviceStatuses },
      },
    },
    async (req) => calibration.overdue(callerOf(req)),
  );
  app.get(
    '/api/calibration/status',
    {
      config: { permission: 'calibration:read' },
      schema: {
        operationId: 'listDeviceStatuses',
        summary: 'Every device status',
        tags,
        response: { 200: DeviceStatuses },
      },
    },
    async (req) => calibration.statuses(callerOf(req)),
  );
  app.get(
    '/api/calibration/status/:deviceId',
    {
      config: { permission: 'calibration:read' },
      schema: {
        operationId: 'getDeviceStatusUnderCalibration',
        summary: "A device's status, health and calibration dates",
        tags,
        params: CalibrationDeviceParams,
        response: { 200: DeviceStatusView, ...problemResponses(404) },
      },
    },
    async (req) => devices.status(req.params.deviceId, callerOf(req)),
  );
  app.put(
    '/api/calibration/status/:deviceId',
    {
      config: { permission: 'devices:update' },
      schema: {
        operationId: 'setDeviceStatusUnderCalibration',
        summary: 'Set status and health (audited, with a reason)',
        description:
          'A device overdue for calibration cannot be declared operational (409): record a valid calibration instead.',
        tags,
        params: CalibrationDeviceParams,
        body: DeviceStatusChange,
        response: { 200: DeviceStatusView, ...problemResponses(404, 409) },
      },
    },
    async (req) => devices.setStatus(req.params.deviceId, req.body, callerOf(req)),
  );
  app.get(
    '/api/calibration/device/:deviceId',
    {
      config: { permission: 'calibration:read' },
      schema: {
        operationId: 'listDeviceCalibrations',
        summary: "A device's calibrations, newest first",
        tags,
        params: CalibrationDeviceParams,
        response: { 200: CalibrationHistory, ...problemResponses(404) },
      },
    },
    async (req) => calibration.forDevice(req.params.deviceId, callerOf(req)),
  );
  app.get(
    '/api/calibration/:id',
    {
      config: { permission: 'calibration:read' },
      schema: {
        operationId: 'getCalibration',
        summary: 'A calibration entry',
        tags,
        params: CalibrationParams,
        response: { 200: CalibrationEntry, ...problemResponses(404) },
      },
    },
    async (req) => calibration.get(req.params.id, callerOf(req)),
  );
  app.post(
    '/api/calibration/:id/attach-certificate',
    {
      config: {
        permission: 'calibration:create',
        // A multipart body is streamed, so no fingerprint can cover it before the work starts.
        noIdempotencyKey: 'an entry takes one certificate: a retry answers 409 and GET shows the entry',
      },
      schema: {
        operationId: 'attachCalibrationCertificate',
        summary:
          'Upload the certificate (multipart field "file"): PDF, PNG or JPEG by content, at most 10 MB',
        description:
          'The file is typed from its bytes (magic numbers), never from its name or the part content type, ' +
          'stored once per content (SHA-256) and recorded on the entry. An entry takes one certificate. ' +
          'The file is on disk before the entry records it, and is removed if the record fails.',
        tags,
        params: CalibrationParams,
        body: { content: { 'multipart/form-data': { schema: CertificateUpload } } },
        response: {
          201: CalibrationEntry,
          ...problemResponses(404),
          409: problem(409, 'The entry already has a certificate'),
          413: problem(413, certificateTooLarge.description),
          415: problem(415, certificateWrongType.description),
          503: problem(
            503,
            'No data directory is configured for certificates (`storage-unavailable`), the server is shutting down or the database is unreachable; retry after `retry-after` seconds',
          ),
          507: problem(
            507,
            'No space is left for the certificate or the database (`storage-full`); nothing was recorded, so the same upload succeeds once space is freed',
          ),
        },
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
      const file = await singleFile(req.parts());
      const entry = await calibration.attachCertificate(req.params.id, file, callerOf(req));
      return reply.code(201).send(entry);
    },
  );
  app.get(
    '/api/calibration/:id/certificate',
    {
      config: { permission: 'calibration:read' },
      schema: {
        operationId: 'downloadCalibrationCertificate',
        summary: 'Download the certificate, with its SHA-256',
        tags,
        params: CalibrationParams,
        response: {
          200: CertificateFile,
          ...problemResponses(404),
          503: problem(503, 'No data directory is configured for certificates'),
        },
      },
    },
    async (req, reply) => {
      const cert = await calibration.certificate(req.params.id, callerOf(req));
      return reply
        .header('content-type', cert.contentType)
        .header('content-disposition', `attachment; filename="${cert.filename}"`)
        .header('x-content-sha256', cert.sha256)
        .header('repr-digest', `sha-256=:${Buffer.from(cert.sha256, 'hex').toString('base64')}:`)
        .send(cert.bytes);
    },
  );
};
