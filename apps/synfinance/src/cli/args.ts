// Argument handling of the model commands (train, evaluate, features): one table of flags gives
// both the parser's options and the `--help` text, so a new flag is one entry. Output paths: `-` is
// stdout, missing folders are created when the file is written.
import fs from 'node:fs';
import path from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { DatasetError } from '../fraud/features/dataset.ts';
import { ModelLoadError, writeFileAtomic } from '../fraud/training/train.ts';
import { UsageError } from './config.ts';

export interface Flag {
  /** Placeholder of the value (`N`, `FILE`); absent for a boolean switch. */
  arg?: string;
  help: string;
  /** Title of the help section the flag is listed under. */
  group: string;
}

export type Flags = Record<string, Flag>;
export type Values = Record<string, string | boolean | undefined>;

export interface Command {
  name: string;
  summary: string;
  /** The usage line after `synfinance NAME`. */
  synopsis: string;
  flags: Flags;
  /** Paragraphs printed after the flags (recipes, notes). */
  notes?: string;
}

/** Short usage (first line of the full help), for the overview and error messages. */
export const usageLine = (c: Command) => `usage: synfinance ${c.name} ${c.synopsis}`;

/** Full help: usage, summary, every flag by group, notes. */
export function helpText(c: Command): string {
  const out = [usageLine(c), '', c.summary];
  const groups = [...new Set(Object.values(c.flags).map((f) => f.group))];
  for (const g of groups) {
    out.push('', `${g}:`);
    for (const [name, f] of Object.entries(c.flags)) {
      if (f.group !== g) continue;
      const left = `  --${name}${f.arg ? ` ${f.arg}` : ''}`;
      out.push(left.length < 30 ? `${left.padEnd(30)}${f.help}` : `${left}\n${' '.repeat(30)}${f.help}`);
    }
  }
  out.push(`  ${'--help'.padEnd(28)}this text`);
  if (c.notes) out.push('', c.notes);
  return `${out.join('\n')}\n`;
}

/** Parse argv against a command's flags (`--help` is handled before, by the dispatcher). */
export function parseCli(argv: string[], c: Command): Values {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, f] of Object.entries(c.flags)) options[name] = { type: f.arg ? 'string' : 'boolean' };
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values;
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (see synfinance ${c.name} --help)`);
  }
  const out: Values = {};
  for (const [k, x] of Object.entries(values))
    if (typeof x === 'string' || typeof x === 'boolean') out[k] = x;
  return out;
}

export const strOpt = (v: Values, name: string): string | undefined => {
  const s = v[name];
  if (s === undefined) return undefined;
  if (typeof s !== 'string' || s.trim() === '') throw new UsageError(`--${name} needs a value`);
  return s;
};

export function numOpt(
  v: Values,
  name: string,
  o: { int?: boolean; min?: number; max?: number; gt?: number } = {},
): number | undefined {
  const s = v[name];
  if (s === undefined) return undefined;
  const x = Number(s);
  if (typeof s !== 'string' || s.trim() === '' || !Number.isFinite(x))
    throw new UsageError(`--${name} must be a number, got "${s}"`);
  if (o.int && !Number.isInteger(x)) throw new UsageError(`--${name} must be an integer, got "${s}"`);
  if (o.min !== undefined && x < o.min) throw new UsageError(`--${name} must be >= ${o.min}, got "${s}"`);
  if (o.gt !== undefined && !(x > o.gt)) throw new UsageError(`--${name} must be > ${o.gt}, got "${s}"`);
  if (o.max !== undefined && x > o.max) throw new UsageError(`--${name} must be <= ${o.max}, got "${s}"`);
  return x;
}

export function costFnOpt(v: Values): number | 'amount' | undefined {
  if (v['cost-fn'] === 'amount') return 'amount';
  return numOpt(v, 'cost-fn', { min: 0 });
}

export function requireOpt(v: Values, name: string, c: Command): string {
  const s = v[name];
  if (typeof s !== 'string' || !s)
    throw new UsageError(`--${name} ${c.flags[name]?.arg ?? ''} is required (${usageLine(c)})`);
  return s;
}

export function checkInputFile(v: Values, name: string, c: Command): string {
  const f = requireOpt(v, name, c);
  if (!fs.existsSync(f)) throw new UsageError(`--${name}: no such file: ${f}`);
  if (!fs.statSync(f).isFile()) throw new UsageError(`--${name}: ${f} is not a file`);
  return f;
}

/**
 * Check an output path before any work: `-` (stdout) passes; otherwise the nearest existing folder
 * on the way must be a folder (missing ones are created when the file is written).
 */
export function checkOutPath(p: string, flag: string): void {
  if (p === '-') return;
  if (p.endsWith('/') || (fs.existsSync(p) && fs.statSync(p).isDirectory()))
    throw new UsageError(`${flag}: ${p} is a folder; give a file name`);
  let dir = path.dirname(path.resolve(p));
  while (!fs.existsSync(dir)) dir = path.dirname(dir);
  if (!fs.statSync(dir).isDirectory()) throw new UsageError(`${flag}: ${dir} is not a folder`);
}

/** At most one output may be stdout; returns whether one is. */
export function stdoutTaken(outputs: Record<string, string | undefined>): boolean {
  const dashes = Object.entries(outputs).filter(([, p]) => p === '-');
  if (dashes.length > 1)
    throw new UsageError(`only one output can be stdout (-): ${dashes.map(([f]) => f).join(' and ')}`);
  return dashes.length === 1;
}

/** Write text to a file (atomically, creating folders) or to stdout for `-`. */
export function writeOutput(p: string, text: string | Uint8Array): void {
  if (p === '-') {
    process.stdout.write(text);
    return;
  }
  writeFileAtomic(p, text);
}

/** Known data/model problems become usage errors (one line, exit 2). */
export async function asUsage<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof DatasetError || e instanceof ModelLoadError || e instanceof RangeError)
      throw new UsageError(e.message);
    throw e;
  }
}
