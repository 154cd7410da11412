import { isIP } from 'node:net';
import { resolve, sep } from 'node:path';
import { withSecretFiles } from '@polymorph/secret-files/secret-files';
import {
  DEFAULT_SAMPLE_ID_PATTERN,
  SampleIdPatternError,
  validateSampleIdPattern,
} from './modules/samples/sample-id.ts';

export type Environment = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LabConfig {
  env: Environment;
  host: string;
  port: number;
  logLevel: LogLevel;
  /** Embedded PGlite data directory; ignored when databaseUrl is set. */
  dataDir: string;
  databaseUrl: string | undefined;
  dbPoolMax: number;
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
  /** HS256 secret for access tokens; required in production, generated and kept under dataDir otherwise. */
  jwtSecret: string | undefined;
  /** PEM file of the server's Ed25519 key (audit checkpoints, e-signature manifests). */
  signingKeyFile: string | undefined;
  lockoutThreshold: number;
  lockoutMinutes: number;
  /** 0 disables the maximum password age. */
  passwordMaxAgeDays: number;
  /** Minutes without a request after which a session ends (21 CFR 11.10(d)). */
  sessionIdleMinutes: number;
  /** Login attempts allowed per client address, and per email, in each window of loginWindowSeconds. */
  loginMaxPerAddress: number;
  loginMaxPerAccount: number;
  loginWindowSeconds: number;
  auditCheckpointInterval: number;
  /** Sign the audit head when its oldest unsigned event is this many seconds old (0: only every N events). */
  auditCheckpointSeconds: number;
  /**
   * Where the last signed audit head is kept, outside the database, so that a database put back to an
   * older state is noticed (restore, audit verify). Must lie outside dataDir, which a restore replaces.
   */
  auditHeadFile: string;
  /** Generated sample ids, e.g. S-{YYYY}-{SEQ:6}. */
  sampleIdPattern: string;
  /** Names of the organization and lab an empty database starts with. */
  defaultOrgName: string;
  defaultLabName: string;
  /** POLYMORPH_ENGINE: 'off' keeps a PostgreSQL server from running runs (standalone engines do). */
  engine: 'on' | 'off';
  /** A run whose engine does not renew its lease for this long becomes interrupted. */
  engineLeaseMs: number;
  /** How often an engine looks for pending runs and expired leases. */
  enginePollMs: number;
  /** Runs one engine process drives at once. */
  engineMaxRuns: number;
  /** Experiment time per wall time of simulated devices and the engine's waits (1: real time). */
  runAcceleration: number;
  /**
   * Hosts an SCPI instrument binding may name (lower case): binding a device makes the server open TCP
   * connections to it, so only listed hosts are accepted.
   */
  instrumentHosts: string[];
}

/** A configuration error names the variable at fault in one line. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

type Env = Record<string, string | undefined>;

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${raw}")`);
  }
  return raw as T;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be an integer (got "${raw}")`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max} (got ${value})`);
  return value;
}

function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw.trim())) throw new ConfigError(name, `must be a number (got "${raw}")`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max} (got ${value})`);
  return value;
}

function databaseUrl(env: Env): string | undefined {
  const raw = env['DATABASE_URL'];
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      'DATABASE_URL',
      'is not a valid URL (expected postgres://user:password@host:port/db)',
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    // Never echo the URL: it may hold a password.
    throw new ConfigError(
      'DATABASE_URL',
      `must start with postgres:// or postgresql:// (got ${url.protocol}//)`,
    );
  }
  return raw;
}

function sampleIdPattern(env: Env): string {
  const raw = env['POLYMORPH_SAMPLE_ID_PATTERN'] || DEFAULT_SAMPLE_ID_PATTERN;
  try {
    return validateSampleIdPattern(raw);
  } catch (err) {
    if (err instanceof SampleIdPatternError)
      throw new ConfigError('POLYMORPH_SAMPLE_ID_PATTERN', `${err.message} (got "${raw}")`);
    throw err;
  }
}

/**
 * Connections per instance. Audited writes queue on one lock, so more connections let more requests do
 * their other statements meanwhile; bench/RESULTS.md (LIMS) measured 10 vs 20 vs 32.
 */
export const DEFAULT_DB_POOL_MAX = 20;

/** Secret variables that may instead name a file (NAME_FILE), as compose and Kubernetes mount secrets. */
export const SECRET_VARIABLES = ['DATABASE_URL', 'POLYMORPH_JWT_SECRET'] as const;

/** Default: beside the data directory, e.g. ./data/lab.audit-head.json for ./data/lab. */
function auditHeadFile(env: Env, dataDir: string): string {
  const file = resolve(env['POLYMORPH_AUDIT_HEAD_FILE'] || `${dataDir}.audit-head.json`);
  if (file === dataDir || file.startsWith(`${dataDir}${sep}`))
    throw new ConfigError(
      'POLYMORPH_AUDIT_HEAD_FILE',
      `must lie outside POLYMORPH_DATA_DIR (${dataDir}): a restore replaces that directory, and a backup of it would carry the file along (got "${file}")`,
    );
  return file;
}

/** Loopback only: without the variable, instruments are reached only on this machine (instrument-sim). */
export const DEFAULT_INSTRUMENT_HOSTS: readonly string[] = ['127.0.0.1', '::1', 'localhost'];

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function instrumentHosts(env: Env): string[] {
  const raw = env['POLYMORPH_INSTRUMENT_HOSTS'];
  if (raw === undefined || raw.trim() === '') return [...DEFAULT_INSTRUMENT_HOSTS];
  const hosts = raw.split(',').map((h) => h.trim().toLowerCase());
  const bad = hosts.find((h) => isIP(h) === 0 && !HOST_NAME.test(h));
  if (bad !== undefined)
    throw new ConfigError(
      'POLYMORPH_INSTRUMENT_HOSTS',
      `must be a comma-separated list of host names or IP addresses (got "${bad}" in "${raw}")`,
    );
  return [...new Set(hosts)];
}

/** Reads and validates the whole configuration once, at start. */
export function loadConfig(processEnv: Env = process.env): LabConfig {
  const env = withSecretFiles(
    processEnv,
    SECRET_VARIABLES,
    (name, message) => new ConfigError(name, message),
  );
  const dataDir = resolve(env['POLYMORPH_DATA_DIR'] || './data/lab');
  const host = env['POLYMORPH_HOST'] || '127.0.0.1';
  if (/\s/.test(host))
    throw new ConfigError('POLYMORPH_HOST', `must be a host name or IP address (got "${host}")`);
  return {
    env: oneOf(env, 'POLYMORPH_ENV', ['development', 'test', 'production'], 'development'),
    host,
    port: integer(env, 'POLYMORPH_PORT', 8001, 0, 65535),
    logLevel: oneOf(
      env,
      'POLYMORPH_LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
    ),
    dataDir,
    databaseUrl: databaseUrl(env),
    dbPoolMax: integer(env, 'POLYMORPH_DB_POOL_MAX', DEFAULT_DB_POOL_MAX, 1, 1000),
    bodyLimitBytes: integer(env, 'POLYMORPH_BODY_LIMIT_BYTES', 1_048_576, 1024, 104_857_600),
    shutdownTimeoutMs: integer(env, 'POLYMORPH_SHUTDOWN_TIMEOUT_MS', 8_000, 100, 600_000),
    jwtSecret: env['POLYMORPH_JWT_SECRET'] || undefined,
    signingKeyFile: env['POLYMORPH_SIGNING_KEY_FILE']
      ? resolve(env['POLYMORPH_SIGNING_KEY_FILE'])
      : undefined,
    lockoutThreshold: integer(env, 'POLYMORPH_LOCKOUT_THRESHOLD', 5, 1, 100),
    lockoutMinutes: integer(env, 'POLYMORPH_LOCKOUT_MINUTES', 30, 1, 100_000),
    passwordMaxAgeDays: integer(env, 'POLYMORPH_PASSWORD_MAX_AGE_DAYS', 0, 0, 3650),
    sessionIdleMinutes: integer(env, 'POLYMORPH_SESSION_IDLE_MINUTES', 30, 1, 1440),
    loginMaxPerAddress: integer(env, 'POLYMORPH_LOGIN_MAX_PER_ADDRESS', 50, 1, 100_000),
    loginMaxPerAccount: integer(env, 'POLYMORPH_LOGIN_MAX_PER_ACCOUNT', 10, 1, 100_000),
    loginWindowSeconds: integer(env, 'POLYMORPH_LOGIN_WINDOW_SECONDS', 60, 1, 86_400),
    auditCheckpointInterval: integer(env, 'POLYMORPH_AUDIT_CHECKPOINT_INTERVAL', 1000, 1, 10_000_000),
    auditCheckpointSeconds: integer(env, 'POLYMORPH_AUDIT_CHECKPOINT_SECONDS', 300, 0, 86_400),
    auditHeadFile: auditHeadFile(env, dataDir),
    sampleIdPattern: sampleIdPattern(env),
    defaultOrgName: env['POLYMORPH_DEFAULT_ORG_NAME'] || 'Default organization',
    defaultLabName: env['POLYMORPH_DEFAULT_LAB_NAME'] || 'Default lab',
    engine: oneOf(env, 'POLYMORPH_ENGINE', ['on', 'off'], 'on'),
    engineLeaseMs: integer(env, 'POLYMORPH_ENGINE_LEASE_MS', 15_000, 1_000, 600_000),
    enginePollMs: integer(env, 'POLYMORPH_ENGINE_POLL_MS', 1_000, 50, 60_000),
    engineMaxRuns: integer(env, 'POLYMORPH_ENGINE_MAX_RUNS', 1, 1, 64),
    runAcceleration: decimal(env, 'POLYMORPH_RUN_ACCELERATION', 1, 1, 100_000),
    instrumentHosts: instrumentHosts(env),
  };
}
