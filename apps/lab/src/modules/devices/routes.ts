import { callerOf } from '../../platform/access/lab-scope.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import {
  DeviceCreate,
  DeviceList,
  DeviceParams,
  DeviceQuery,
  DeviceStatusChange,
  DeviceStatusView,
  DeviceUpdate,
  DeviceView,
} from './schemas.ts';
import type { DeviceService } from './service.ts';

const tags = ['devices'];

/** /api/devices: the device registry and each device's status. */
export const deviceRoutes: LabRoutes<{ devices: DeviceService }> = async (app, { devices }) => {
  app.post(
    '/api/devices',
    {
      config: { permission: 'devices:create' },
      schema: {
        operationId: 'createDevice',
        summary: 'Register a device; it starts operational with health 1',
        tags,
        body: DeviceCreate,
        response: { 201: DeviceView, ...problemResponses(409) },
      },
    },
    async (req, reply) => reply.code(201).send(await devices.create(req.body, callerOf(req))),
  );
  app.get(
    '/api/devices',
    {
      config: { permission: 'devices:read' },
      schema: {
        operationId: 'listDevices',
        summary: 'Devices the caller can see, filtered by type, effective status or lab',
        tags,
        querystring: DeviceQuery,
        response: { 200: DeviceList },
      },
    },
    async (req) => devices.list(req.query, callerOf(req)),
  );
  app.get(
    '/api/devices/:deviceId',
    {
      config: { permission: 'devices:read' },
      schema: {
        operationId: 'getDevice',
        summary: 'A device with its status and calibration dates',
        tags,
        params: DeviceParams,
        response: { 200: DeviceView, ...problemResponses(404) },
      },
    },
    async (req) => devices.get(req.params.deviceId, callerOf(req)),
  );
  app.patch(
    '/api/devices/:deviceId',
    {
      config: { permission: 'devices:update' },
      schema: {
        operationId: 'updateDevice',
        summary: 'Change model, type, location or capabilities (audited, with a reason)',
        tags,
        params: DeviceParams,
        body: DeviceUpdate,
        response: { 200: DeviceView, ...problemResponses(404) },
      },
    },
    async (req) => devices.update(req.params.deviceId, req.body, callerOf(req)),
  );
  app.get(
    '/api/devices/:deviceId/status',
    {
      config: { permission: 'devices:read' },
      schema: {
        operationId: 'getDeviceStatus',
        summary: "A device's status, health and calibration dates",
        tags,
        params: DeviceParams,
        response: { 200: DeviceStatusView, ...problemResponses(404) },
      },
    },
    async (req) => devices.status(req.params.deviceId, callerOf(req)),
  );
  app.put(
    '/api/devices/:deviceId/status',
    {
      config: { permission: 'devices:update' },
      schema: {
        operationId: 'setDeviceStatus',
        summary: 'Set status and health (audited, with a reason)',
        description:
          'A device overdue for calibration cannot be declared operational (409): record a valid calibration instead.',
        tags,
        params: DeviceParams,
        body: DeviceStatusChange,
        response: { 200: DeviceStatusView, ...problemResponses(404, 409) },
      },
    },
    async (req) => devices.setStatus(req.params.deviceId, req.body, callerOf(req)),
  );
};
