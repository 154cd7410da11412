/**
 * The server's command table: each SCPI header, what it does to the served DeviceSet and what it
 * answers. docs/instruments.md ("SCPI commands it serves") lists the same table for people; keep them together.
 */
import type {
  CommandOptions,
  DeviceKind,
  DeviceSet,
  Driver,
  InterlockLine,
  InterlockState,
  Reading,
} from '../drivers.ts';
import { formatErrorEntry, ScpiError } from './errors.ts';
import { HeaderPattern } from './parser.ts';
import { formatNumber, type Params } from './wire.ts';

/** Fault injection, offered only by a simulator: without it the SIM commands are undefined headers. */
export interface SimulatorControl {
  tripInterlock(line: InterlockLine): void | Promise<void>;
  /** No line: all of them. */
  resetInterlocks(line?: InterlockLine): void | Promise<void>;
  /** Read-only truth for tests: when each form first nucleated (epoch ms), null while it has not. */
  firstNucleation?(): { formI: number | null; formII: number | null };
}

/** Device state shared by every connection, as an instrument's settings are. */
export interface InstrumentSettings {
  integrationTimeMs: number;
  averages: number;
  /** The ramp rate last set through this server, °C/min; null for none. */
  rampRate: number | null;
}

export const DEFAULT_SETTINGS: InstrumentSettings = { integrationTimeMs: 100, averages: 1, rampRate: null };

export const ERROR_QUEUE_LENGTH = 16;

/** One connection's state: its selected instrument, its reply format and its error queue. */
export interface Session {
  selected: DeviceKind;
  timestamps: boolean;
  errors: { code: number; message: string }[];
}

export interface CommandContext {
  devices: DeviceSet;
  settings: InstrumentSettings;
  session: Session;
  simulator: SimulatorControl | undefined;
  /** Aborted when the connection closes, so a dropped client cancels its acquisition. */
  options: CommandOptions;
}

export interface ScpiCommand {
  pattern: HeaderPattern;
  query: boolean;
  /** More parameters than this is error -108. */
  maxParams: number;
  run(ctx: CommandContext, params: Params): Promise<string | undefined> | string | undefined;
}

const INSTRUMENTS = [
  ['SPEC', 'spectrometer'],
  ['TEMP', 'temperature_controller'],
  ['DAQ', 'daq'],
] as const satisfies readonly (readonly [string, DeviceKind])[];

const INTERLOCK_NAMES = [
  ['ESTOP', 'estop'],
  ['DOOR', 'door'],
  ['OTEM', 'overTemperature'],
] as const satisfies readonly (readonly [string, InterlockLine])[];

const CHANNEL = { min: 0, max: 63 };
const INTEGRATION_MS = { min: 1, max: 600_000 };
const AVERAGES = { min: 1, max: 1000 };
const CELSIUS = { min: -273.15, max: 1000 };
const RAMP_C_PER_MIN = { min: 0.001, max: 1000 };
const VOLTS = { min: -10, max: 10 };

function selected(ctx: CommandContext): Driver {
  return ctx.devices[ctx.session.selected];
}

/** `value[,at]`: the reading's device timestamp follows when the connection asked for it (FORM:TST ON). */
function reading(ctx: CommandContext, r: Reading<number>): string {
  return ctx.session.timestamps ? `${formatNumber(r.value)},${r.at}` : formatNumber(r.value);
}

/** IEEE 488.2 forbids commas inside *IDN? fields; a `;` or quote would break the reply framing. */
function idnField(text: string): string {
  return text.replace(/[,;"\r\n]/g, ' ').trim() || '0';
}

function interlocks(ctx: CommandContext, r: Reading<InterlockState>): string {
  const v = r.value;
  const lines = [v.estop, v.door, v.overTemperature].map((b) => (b ? '1' : '0')).join(',');
  return ctx.session.timestamps ? `${lines},${r.at}` : lines;
}

function simulator(ctx: CommandContext): SimulatorControl {
  if (!ctx.simulator) throw new ScpiError('UNDEFINED_HEADER', 'SIM commands exist only on a simulator');
  return ctx.simulator;
}

async function measureSpectrum(ctx: CommandContext, p: Params): Promise<string> {
  if (p.has(0)) ctx.settings.integrationTimeMs = p.number(0, INTEGRATION_MS);
  if (p.has(1)) ctx.settings.averages = p.integer(1, AVERAGES);
  const { integrationTimeMs, averages } = ctx.settings;
  const r = await ctx.devices.spectrometer.acquire({ integrationTimeMs, averages }, ctx.options);
  const s = r.value;
  if (s.shiftCm1.length !== s.intensities.length)
    throw new ScpiError('HARDWARE_ERROR', 'shift and intensity lengths differ');
  const head = [r.at, s.integrationTimeMs, s.averages, s.detectorMax, s.laserNm, s.shiftCm1.length];
  return [...head, ...s.shiftCm1, ...s.intensities].map(formatNumber).join(',');
}

type Handler = ScpiCommand['run'];
const command = (notation: string, maxParams: number, run: Handler): ScpiCommand => ({
  pattern: new HeaderPattern(notation.replace(/\?$/, '')),
  query: notation.endsWith('?'),
  maxParams,
  run,
});

export const COMMANDS: readonly ScpiCommand[] = [
  command('*IDN?', 0, async (ctx) => {
    const id = await selected(ctx).identify(ctx.options);
    return [id.vendor, id.model, id.serial, id.firmware].map(idnField).join(',');
  }),
  command('*RST', 0, async (ctx) => {
    await selected(ctx).safeState(ctx.options);
    if (ctx.session.selected === 'spectrometer') {
      ctx.settings.integrationTimeMs = DEFAULT_SETTINGS.integrationTimeMs;
      ctx.settings.averages = DEFAULT_SETTINGS.averages;
    }
    return undefined;
  }),
  command('*CLS', 0, (ctx) => {
    ctx.session.errors.length = 0;
    return undefined;
  }),
  command('*OPC?', 0, () => '1'),
  command('SYSTem:ERRor[:NEXT]?', 0, (ctx) => {
    const next = ctx.session.errors.shift();
    return next ? formatErrorEntry(next.code, next.message) : formatErrorEntry(0, 'No error');
  }),
  command('SYSTem:ERRor:COUNt?', 0, (ctx) => String(ctx.session.errors.length)),
  command('SYSTem:SIMulation?', 0, (ctx) => (selected(ctx).simulated ? '1' : '0')),
  command('[SYSTem:]INTerlock?', 0, async (ctx) =>
    interlocks(ctx, await ctx.devices.daq.readInterlocks(ctx.options)),
  ),
  command('FORMat:TSTamp', 1, (ctx, p) => {
    ctx.session.timestamps = p.boolean(0);
    return undefined;
  }),
  command('FORMat:TSTamp?', 0, (ctx) => (ctx.session.timestamps ? '1' : '0')),
  command('INSTrument[:SELect]', 1, (ctx, p) => {
    ctx.session.selected = p.choice(0, INSTRUMENTS);
    return undefined;
  }),
  command(
    'INSTrument[:SELect]?',
    0,
    (ctx) => INSTRUMENTS.find(([, kind]) => kind === ctx.session.selected)?.[0],
  ),
  command('INSTrument:CATalog?', 0, () => INSTRUMENTS.map(([n]) => `"${n}"`).join(',')),
  // Spectrometer
  command('SENSe:INTegration[:TIME]', 1, (ctx, p) => {
    ctx.settings.integrationTimeMs = p.number(0, INTEGRATION_MS);
    return undefined;
  }),
  command('SENSe:INTegration[:TIME]?', 0, (ctx) => formatNumber(ctx.settings.integrationTimeMs)),
  command('SENSe:AVERage[:COUNt]', 1, (ctx, p) => {
    ctx.settings.averages = p.integer(0, AVERAGES);
    return undefined;
  }),
  command('SENSe:AVERage[:COUNt]?', 0, (ctx) => String(ctx.settings.averages)),
  command('MEASure:SPECtrum?', 2, measureSpectrum),
  // Temperature controller
  command('SOURce:TEMPerature[:SPOint]', 1, async (ctx, p) => {
    await ctx.devices.temperature_controller.setSetpoint(p.number(0, CELSIUS), ctx.options);
    return undefined;
  }),
  command('SOURce:TEMPerature[:SPOint]?', 0, async (ctx) =>
    reading(ctx, await ctx.devices.temperature_controller.readSetpoint(ctx.options)),
  ),
  command('SOURce:TEMPerature:RAMP', 1, async (ctx, p) => {
    const rate = p.isOff(0) ? null : p.number(0, RAMP_C_PER_MIN);
    await ctx.devices.temperature_controller.setRampRate(rate, ctx.options);
    ctx.settings.rampRate = rate;
    return undefined;
  }),
  command('SOURce:TEMPerature:RAMP?', 0, (ctx) =>
    ctx.settings.rampRate === null ? 'OFF' : formatNumber(ctx.settings.rampRate),
  ),
  command('MEASure:TEMPerature?', 0, async (ctx) =>
    reading(ctx, await ctx.devices.temperature_controller.readTemperature(ctx.options)),
  ),
  command('MEASure:HEATer?', 0, async (ctx) =>
    reading(ctx, await ctx.devices.temperature_controller.readHeaterPower(ctx.options)),
  ),
  // DAQ
  command('MEASure:VOLTage?', 1, async (ctx, p) =>
    reading(ctx, await ctx.devices.daq.readAnalog(p.integer(0, CHANNEL), ctx.options)),
  ),
  command('SOURce:VOLTage', 2, async (ctx, p) => {
    await ctx.devices.daq.writeAnalog(p.integer(0, CHANNEL), p.number(1, VOLTS), ctx.options);
    return undefined;
  }),
  command('MEASure:DIGital?', 1, async (ctx, p) => {
    const r = await ctx.devices.daq.readDigital(p.integer(0, CHANNEL), ctx.options);
    return reading(ctx, { ...r, value: r.value ? 1 : 0 });
  }),
  command('SOURce:DIGital', 2, async (ctx, p) => {
    await ctx.devices.daq.writeDigital(p.integer(0, CHANNEL), p.boolean(1), ctx.options);
    return undefined;
  }),
  // Simulator fault injection
  command('SIMulation:TRIP', 1, async (ctx, p) => {
    await simulator(ctx).tripInterlock(p.choice(0, INTERLOCK_NAMES));
    return undefined;
  }),
  command('SIMulation:RESet', 1, async (ctx, p) => {
    await simulator(ctx).resetInterlocks(p.has(0) ? p.choice(0, INTERLOCK_NAMES) : undefined);
    return undefined;
  }),
  // The model's ground truth (first nucleation of Form I, Form II; epoch ms, -1 for not yet)
  command('SIMulation:NUCLeation?', 0, async (ctx) => {
    const truth = simulator(ctx).firstNucleation?.();
    if (!truth) throw new ScpiError('UNDEFINED_HEADER', 'this simulator reports no nucleation');
    return [truth.formI, truth.formII].map((t) => (t === null ? '-1' : formatNumber(t))).join(',');
  }),
];
