// YAML profiles with ${VAR} / ${VAR:-default} substitution from the environment the CLI passes in,
// merged default <- profile <- flags.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Env } from '../config.ts';

export const CONFIG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config');
export const PROFILES = ['default', 'development', 'test', 'production'] as const;

export class UsageError extends Error {}

/** Replace ${VAR} and ${VAR:-default}; an unset ${VAR} without default becomes an empty string. */
export function substituteEnv(text: string, env: Env): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, def?: string) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    return def ?? '';
  });
}

export type ConfigTree = Record<string, unknown>;

function isObj(x: unknown): x is ConfigTree {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function deepMerge(a: ConfigTree, b: ConfigTree): ConfigTree {
  const out: ConfigTree = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = isObj(v) && isObj(out[k]) ? deepMerge(out[k] as ConfigTree, v) : v;
  }
  return out;
}

export function loadYaml(file: string, env: Env): ConfigTree {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read config file ${file}`);
  }
  let doc: unknown;
  try {
    doc = parse(substituteEnv(text, env));
  } catch (e) {
    throw new UsageError(`invalid YAML in ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isObj(doc)) throw new UsageError(`config file ${file} must be a mapping`);
  return doc;
}

/** default.yaml merged with a named profile or an explicit file. */
export function loadConfig(opts: { profile?: string; file?: string }, env: Env): ConfigTree {
  let cfg = loadYaml(path.join(CONFIG_DIR, 'default.yaml'), env);
  if (opts.profile && opts.profile !== 'default') {
    if (!(PROFILES as readonly string[]).includes(opts.profile)) {
      throw new UsageError(`unknown profile "${opts.profile}" (expected one of ${PROFILES.join(', ')})`);
    }
    cfg = deepMerge(cfg, loadYaml(path.join(CONFIG_DIR, `${opts.profile}.yaml`), env));
  }
  if (opts.file) cfg = deepMerge(cfg, loadYaml(opts.file, env));
  return cfg;
}

export function section(cfg: ConfigTree, key: string): ConfigTree {
  const s = cfg[key];
  return isObj(s) ? s : {};
}
