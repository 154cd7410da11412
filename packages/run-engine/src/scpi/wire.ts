/**
 * How values travel on the wire, shared by server and client so both read what the other writes.
 * Numbers are decimal text in the shortest form that reads back to the same double (so a spectrum is
 * identical through the wire); SCPI-99's reserved values stand for NaN (9.91E+37) and the infinities
 * (±9.9E+37), so a detector fault still reaches the engine's guardrails as NaN or Infinity.
 */
import { ScpiError } from './errors.ts';

const NAN = 9.91e37;
const INF = 9.9e37;

export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return '9.91E+37';
  if (x === Number.POSITIVE_INFINITY) return '9.9E+37';
  if (x === Number.NEGATIVE_INFINITY) return '-9.9E+37';
  return String(x);
}

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses one NR1/NR2/NR3 number; undefined when the text is not one. */
export function parseNumber(text: string): number | undefined {
  if (!NUMERIC.test(text)) return undefined;
  const x = Number(text);
  if (x === NAN) return Number.NaN;
  if (x === INF) return Number.POSITIVE_INFINITY;
  if (x === -INF) return Number.NEGATIVE_INFINITY;
  return x;
}

/** Reads a unit's parameters by position, raising the SCPI error a bad one deserves. */
export class Params {
  constructor(private readonly raw: readonly string[]) {}

  /** Refuses a unit with more parameters than the command takes. */
  expect(count: number): this {
    if (this.raw.length > count) throw new ScpiError('PARAMETER_NOT_ALLOWED', `takes ${count} parameter(s)`);
    return this;
  }

  has(i: number): boolean {
    return this.raw[i] !== undefined;
  }

  private text(i: number): string {
    const t = this.raw[i];
    if (t === undefined) throw new ScpiError('MISSING_PARAMETER', `parameter ${i + 1}`);
    return t;
  }

  number(i: number, range: { min: number; max: number }): number {
    const x = parseNumber(this.text(i));
    if (x === undefined || !Number.isFinite(x))
      throw new ScpiError('DATA_TYPE_ERROR', `parameter ${i + 1} must be a number`);
    if (x < range.min || x > range.max)
      throw new ScpiError('DATA_OUT_OF_RANGE', `parameter ${i + 1} must be ${range.min}..${range.max}`);
    return x;
  }

  integer(i: number, range: { min: number; max: number }): number {
    const x = this.number(i, range);
    if (!Number.isInteger(x)) throw new ScpiError('DATA_TYPE_ERROR', `parameter ${i + 1} must be an integer`);
    return x;
  }

  boolean(i: number): boolean {
    const t = this.text(i).toUpperCase();
    if (t === 'ON' || t === '1') return true;
    if (t === 'OFF' || t === '0') return false;
    throw new ScpiError('DATA_TYPE_ERROR', `parameter ${i + 1} must be ON, OFF, 1 or 0`);
  }

  /** Character data matched against `[short, long]` mnemonic pairs; returns the long form. */
  choice<T extends string>(i: number, choices: readonly (readonly [string, T])[]): T {
    const t = this.text(i).toUpperCase();
    const hit = choices.find(([short, long]) => t === short || t === long.toUpperCase());
    if (!hit) {
      const allowed = choices.map(([short]) => short).join('|');
      throw new ScpiError('ILLEGAL_PARAMETER_VALUE', `parameter ${i + 1} must be ${allowed}`);
    }
    return hit[1];
  }

  /** True when parameter i is the character data OFF (e.g. to lift a ramp limit). */
  isOff(i: number): boolean {
    return this.raw[i]?.toUpperCase() === 'OFF';
  }
}

/** Splits a comma-separated reply into numbers; undefined if any field is not a number. */
export function parseNumberList(text: string): number[] | undefined {
  const out: number[] = [];
  for (const field of text.split(',')) {
    const x = parseNumber(field.trim());
    if (x === undefined) return undefined;
    out.push(x);
  }
  return out;
}
