import { callerOf } from '../../platform/access/lab-scope.ts';
import { ReasonQuery } from '../../platform/http/common-schemas.ts';
import { problemResponses } from '../../platform/http/route-contract.ts';
import type { LabRoutes } from '../../platform/http/typed-routes.ts';
import { BindingInput, BindingParams, BindingView, Deleted, IdentifyView } from './schemas.ts';
import type { InstrumentService } from './service.ts';

const tags = ['instruments'];

/** /api/devices/:deviceId/binding and /identify: how a LIMS device is reached as an instrument. */
export const instrumentRoutes: LabRoutes<{ instruments: InstrumentService }> = async (
  app,
  { instruments },
) => {
  app.put(
    '/api/devices/:deviceId/binding',
    {
      config: { permission: 'devices:update' },
      schema: {
        operationId: 'bindInstrument',
        summary: 'Bind a device to a driver kind and a transport (audited)',
        description:
          'Creates or replaces the binding. `scpi` needs `host` and `port`, and the host must be listed in POLYMORPH_INSTRUMENT_HOSTS (default: loopback only); `simulator` takes neither. A device that an unfinished run uses cannot change kind (409).',
        tags,
        params: BindingParams,
        body: BindingInput,
        response: { 200: BindingView, ...problemResponses(404, 409) },
      },
    },
    async (req) => instruments.bind(req.params.deviceId, req.body, callerOf(req)),
  );
  app.get(
    '/api/devices/:deviceId/binding',
    {
      config: { permission: 'devices:read' },
      schema: {
        operationId: 'getInstrumentBinding',
        summary: "A device's instrument binding",
        tags,
        params: BindingParams,
        response: { 200: BindingView, ...problemResponses(404) },
      },
    },
    async (req) => instruments.binding(req.params.deviceId, callerOf(req)),
  );
  app.delete(
    '/api/devices/:deviceId/binding',
    {
      config: { permission: 'devices:update' },
      schema: {
        operationId: 'unbindInstrument',
        summary: 'Remove a binding (audited, with a reason); refused while an unfinished run uses the device',
        tags,
        params: BindingParams,
        querystring: ReasonQuery,
        response: { 204: Deleted, ...problemResponses(404, 409) },
      },
    },
    async (req, reply) => {
      await instruments.unbind(req.params.deviceId, req.query.reason, callerOf(req));
      reply.code(204);
    },
  );
  app.post(
    '/api/devices/:deviceId/identify',
    {
      config: { permission: 'devices:read' },
      schema: {
        operationId: 'identifyInstrument',
        summary: 'Connect through the binding, ask the instrument its identity, and disconnect',
        description:
          'Nothing is recorded. 409 `instrument-not-bound` without a binding; 502 `instrument-error` when the link fails, with `code` the driver error (timeout, disconnected, malformed_reply, device_error).',
        tags,
        params: BindingParams,
        response: { 200: IdentifyView, ...problemResponses(404, 409, 502) },
      },
    },
    async (req) => instruments.identify(req.params.deviceId, callerOf(req)),
  );
};
