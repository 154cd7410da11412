// SynFinance's environment, read in one place. The service's settings are parsed and validated once
// into one typed object (loadServerConfig); the generator's YAML profiles substitute variables from
// the environment object the CLI hands them, never from process.env directly.
import { resolve } from 'node:path';
import { withSecretFiles } from '@polymorph/secret-files/secret-files';

export type Env = Readonly<Record<string, string | undefined>>;

/** The process environment, read once by the CLI entry point and passed down from there. */
export function processEnvironment(): Env {
  return { ...process.env };
}

/** Settings of the scoring routes (model, reload key, history cache, decision thresholds). */
export interface ScoringConfig {
  /** Model file loaded at start-up and by a reload without a path; without one the routes answer 503. */
  modelPath: string | undefined;
  /** Directory a reload may read model files from (absolute); unset = the directory of modelPath. */
  modelDir: string | undefined;
  /** Key for POST /api/fraud/model/reload (header x-admin-key); without one, reload answers 403. */
  adminApiKey: string | undefined;
  /** Customers kept in the in-process history LRU; undefined = the scorer's default. */
  cacheSize: number | undefined;
  /** Customer histories in Redis, shared by every replica; undefined = in this process. */
  redis: { url: string; ttlMs: number } | undefined;
  /** Overrides of the model's review/block thresholds. */
  thresholds: { review?: number; block?: number };
}

/** Everything `synfinance serve` reads from SYNFINANCE_* variables. */
export interface ServerConfig {
  host: string;
  port: number;
  /** Accepted x-api-key values; empty = no authentication. */
  apiKeys: string[];
  /** Requests per minute per client (key, or IP without keys); 0 = unlimited. */
  rateLimit: number;
  /** Reported as app_data_dir_bytes{path}. */
  dataDir: string;
  scoring: ScoringConfig;
}

/** A configuration error names the variable at fault, in one line. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const given = (env: Env, name: string): string | undefined => {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
};

function numberIn(env: Env, name: string, min: number, max: number, integer = false): number | undefined {
  const raw = given(env, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  const kind = integer ? 'an integer' : 'a number';
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw new ConfigError(name, `must be ${kind} in [${min}, ${max}] (got "${raw}")`);
  }
  return value;
}

function host(env: Env): string {
  const value = given(env, 'SYNFINANCE_HOST') ?? '127.0.0.1';
  if (/\s/.test(value))
    throw new ConfigError('SYNFINANCE_HOST', `must be a host name or IP address (got "${value}")`);
  return value;
}

function modelDir(env: Env): string | undefined {
  const dir = given(env, 'SYNFINANCE_MODEL_DIR');
  return dir === undefined ? undefined : resolve(dir);
}

function redis(env: Env): ScoringConfig['redis'] {
  const url = given(env, 'SYNFINANCE_REDIS_URL');
  const days = numberIn(env, 'SYNFINANCE_HISTORY_TTL_DAYS', 1, 3650, true) ?? 30;
  if (url === undefined) return undefined;
  // never echo the URL: it may carry the password
  if (!/^rediss?:\/\//.test(url))
    throw new ConfigError('SYNFINANCE_REDIS_URL', 'must be a redis:// or rediss:// URL');
  return { url, ttlMs: days * 24 * 3_600_000 };
}

function scoring(env: Env): ScoringConfig {
  const review = numberIn(env, 'SYNFINANCE_REVIEW_THRESHOLD', 0, 1);
  const block = numberIn(env, 'SYNFINANCE_BLOCK_THRESHOLD', 0, 1);
  return {
    modelPath: given(env, 'SYNFINANCE_MODEL_PATH'),
    modelDir: modelDir(env),
    adminApiKey: given(env, 'SYNFINANCE_ADMIN_API_KEY'),
    cacheSize: numberIn(env, 'SYNFINANCE_FRAUD_CACHE_SIZE', 1, 100_000_000, true),
    redis: redis(env),
    thresholds: {
      ...(review !== undefined && { review }),
      ...(block !== undefined && { block }),
    },
  };
}

/** Secret variables that may instead name a file (NAME_FILE), as compose and Kubernetes mount secrets. */
export const SECRET_VARIABLES = [
  'SYNFINANCE_API_KEYS',
  'SYNFINANCE_ADMIN_API_KEY',
  'SYNFINANCE_REDIS_URL',
] as const;

/** Reads and validates every SYNFINANCE_* setting of the service, once, at start. */
export function loadServerConfig(processEnv: Env): ServerConfig {
  const env = withSecretFiles(
    processEnv,
    SECRET_VARIABLES,
    (name, message) => new ConfigError(name, message),
  );
  return {
    host: host(env),
    port: numberIn(env, 'SYNFINANCE_PORT', 0, 65535, true) ?? 8000,
    apiKeys: (env['SYNFINANCE_API_KEYS'] ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    rateLimit: numberIn(env, 'SYNFINANCE_RATE_LIMIT', 0, Number.MAX_SAFE_INTEGER) ?? 60,
    dataDir: resolve(given(env, 'SYNFINANCE_DATA_DIR') ?? 'data/synfinance'),
    scoring: scoring(env),
  };
}
