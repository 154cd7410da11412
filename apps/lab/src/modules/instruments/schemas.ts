import { DEVICE_KINDS } from '@polymorph/run-engine/drivers';
import { type Static, Type } from 'typebox';
import { Code, literalUnion, Reason, Timestamp } from '../../platform/http/common-schemas.ts';

export const TRANSPORTS = ['simulator', 'scpi'] as const;

const Kind = literalUnion(DEVICE_KINDS, { description: 'The driver the device is used through' });
const Transport = literalUnion(TRANSPORTS, {
  description: '`simulator`: the in-process simulated reactor; `scpi`: an instrument speaking SCPI over TCP',
});
const Port = (description = 'TCP port') => Type.Integer({ minimum: 1, maximum: 65535, description });
const Host = (description = 'Host name or IP address') =>
  Type.String({ minLength: 1, maxLength: 253, description });

export const BindingParams = Type.Object({ deviceId: Code });

/** Host and port only with `scpi`; the service names the field at fault (a union would not). */
export const BindingInput = Type.Object(
  {
    kind: Kind,
    transport: Transport,
    host: Type.Optional(
      Host('With `scpi` only; must be listed in POLYMORPH_INSTRUMENT_HOSTS (default: loopback only)'),
    ),
    port: Type.Optional(Port('With `scpi` only')),
    reason: Type.Optional(Reason),
  },
  {
    additionalProperties: false,
    examples: [{ kind: 'spectrometer', transport: 'scpi', host: '127.0.0.1', port: 5025 }],
  },
);
export type BindingInput = Static<typeof BindingInput>;

export const BindingView = Type.Object(
  {
    device_id: Type.String(),
    kind: Kind,
    transport: Transport,
    host: Type.Union([Host(), Type.Null()]),
    port: Type.Union([Port(), Type.Null()]),
    updated_by: Type.String(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'InstrumentBinding', additionalProperties: false },
);
export type BindingView = Static<typeof BindingView>;

export const IdentifyView = Type.Object(
  {
    device_id: Type.String(),
    kind: Kind,
    transport: Transport,
    host: BindingView.properties.host,
    port: BindingView.properties.port,
    identity: Type.Object(
      { vendor: Type.String(), model: Type.String(), serial: Type.String(), firmware: Type.String() },
      { additionalProperties: false, description: "The instrument's own answer (SCPI *IDN?)" },
    ),
    capabilities: Type.Array(Type.String()),
    simulated: Type.Boolean({ description: 'True when the instrument says it is a simulator' }),
  },
  { title: 'InstrumentIdentity', additionalProperties: false },
);
export type IdentifyView = Static<typeof IdentifyView>;

export const Deleted = Type.Null({ description: 'Unbound; no body' });
