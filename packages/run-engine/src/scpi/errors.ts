/**
 * SCPI error queue entries (SCPI-99 volume 2, chapter 21) and their mapping to the Driver interface's
 * defined execution errors, on both sides of the wire: the server turns a DriverError of the device it
 * serves into a queue entry, and the client turns the entry it reads back into a DriverError.
 */
import { DriverError, type DriverErrorCode } from '../drivers.ts';

/** The standard entries this server raises, plus device-specific ones (positive, as SCPI-99 reserves). */
export const SCPI_ERRORS = {
  NO_ERROR: [0, 'No error'],
  COMMAND_ERROR: [-100, 'Command error'],
  SYNTAX_ERROR: [-102, 'Syntax error'],
  DATA_TYPE_ERROR: [-104, 'Data type error'],
  PARAMETER_NOT_ALLOWED: [-108, 'Parameter not allowed'],
  MISSING_PARAMETER: [-109, 'Missing parameter'],
  UNDEFINED_HEADER: [-113, 'Undefined header'],
  EXECUTION_ERROR: [-200, 'Execution error'],
  DATA_OUT_OF_RANGE: [-222, 'Data out of range'],
  TOO_MUCH_DATA: [-223, 'Too much data'],
  ILLEGAL_PARAMETER_VALUE: [-224, 'Illegal parameter value'],
  HARDWARE_ERROR: [-240, 'Hardware error'],
  DEVICE_SPECIFIC_ERROR: [-300, 'Device-specific error'],
  QUEUE_OVERFLOW: [-350, 'Queue overflow'],
  INTERLOCK_TRIPPED: [201, 'Interlock tripped'],
  DEVICE_BUSY: [202, 'Device busy'],
} as const satisfies Record<string, readonly [number, string]>;

export type ScpiErrorKind = keyof typeof SCPI_ERRORS;

/** A failed program unit: becomes one entry `<code>,"<message>[;detail]"` in the connection's error queue. */
export class ScpiError extends Error {
  override readonly name = 'ScpiError';
  readonly code: number;
  constructor(kind: ScpiErrorKind, detail?: string) {
    const [code, text] = SCPI_ERRORS[kind];
    super(detail ? `${text}; ${detail}` : text);
    this.code = code;
  }
}

/** The queue entry as SYST:ERR? prints it; quotes and newlines in a detail cannot break the reply. */
export function formatErrorEntry(code: number, message: string): string {
  const safe = message.replace(/["\r\n]/g, "'").slice(0, 255);
  return `${code},"${safe}"`;
}

const FROM_DRIVER: Record<DriverErrorCode, ScpiErrorKind> = {
  out_of_range: 'DATA_OUT_OF_RANGE',
  interlock: 'INTERLOCK_TRIPPED',
  busy: 'DEVICE_BUSY',
  timeout: 'HARDWARE_ERROR',
  disconnected: 'HARDWARE_ERROR',
  malformed_reply: 'HARDWARE_ERROR',
  device_error: 'HARDWARE_ERROR',
  cancelled: 'EXECUTION_ERROR',
};

/** What the served device threw, as a queue entry. Anything unexpected is -300, never a crash. */
export function scpiErrorOf(err: unknown): ScpiError {
  if (err instanceof ScpiError) return err;
  if (err instanceof DriverError) return new ScpiError(FROM_DRIVER[err.code], `${err.code}: ${err.message}`);
  return new ScpiError('DEVICE_SPECIFIC_ERROR', err instanceof Error ? err.message : String(err));
}

/** A queue entry read back by the client, as the DriverError the engine understands. */
export function driverErrorOf(code: number, message: string): DriverError {
  const driverCode: DriverErrorCode =
    code === SCPI_ERRORS.DATA_OUT_OF_RANGE[0]
      ? 'out_of_range'
      : code === SCPI_ERRORS.INTERLOCK_TRIPPED[0]
        ? 'interlock'
        : code === SCPI_ERRORS.DEVICE_BUSY[0]
          ? 'busy'
          : 'device_error';
  return new DriverError(driverCode, `SCPI error ${code}: ${message}`);
}
