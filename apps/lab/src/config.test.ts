import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('defaults to port 8001 on loopback, embedded database under ./data/lab', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8001);
    expect(c.host).toBe('127.0.0.1');
    expect(c.dataDir.endsWith('/data/lab')).toBe(true);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.env).toBe('development');
  });

  it('reads every variable', () => {
    const c = loadConfig({
      POLYMORPH_PORT: '9000',
      POLYMORPH_HOST: '0.0.0.0',
      POLYMORPH_DATA_DIR: '/tmp/x',
      DATABASE_URL: 'postgres://u:p@localhost:5432/lab',
      POLYMORPH_ENV: 'production',
      POLYMORPH_LOG_LEVEL: 'warn',
      POLYMORPH_DB_POOL_MAX: '20',
      POLYMORPH_BODY_LIMIT_BYTES: '2048',
      POLYMORPH_SHUTDOWN_TIMEOUT_MS: '5000',
    });
    expect(c).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      dataDir: '/tmp/x',
      databaseUrl: 'postgres://u:p@localhost:5432/lab',
      env: 'production',
      logLevel: 'warn',
      dbPoolMax: 20,
      bodyLimitBytes: 2048,
      shutdownTimeoutMs: 5000,
    });
  });

  it.each([
    ['POLYMORPH_PORT', 'abc', /POLYMORPH_PORT: must be an integer/],
    ['POLYMORPH_PORT', '70000', /POLYMORPH_PORT: must be between 0 and 65535/],
    ['POLYMORPH_ENV', 'prod', /POLYMORPH_ENV: must be one of development, test, production/],
    ['POLYMORPH_LOG_LEVEL', 'loud', /POLYMORPH_LOG_LEVEL/],
    ['DATABASE_URL', 'mysql://u:p@h/db', /DATABASE_URL: must start with postgres/],
    ['DATABASE_URL', 'not a url', /DATABASE_URL: is not a valid URL/],
    ['POLYMORPH_HOST', 'bad host', /POLYMORPH_HOST/],
    ['POLYMORPH_AUDIT_HEAD_FILE', './data/lab/head.json', /POLYMORPH_AUDIT_HEAD_FILE: must lie outside/],
    [
      'POLYMORPH_INSTRUMENT_HOSTS',
      '10.0.0.5,,raman',
      /POLYMORPH_INSTRUMENT_HOSTS: must be a comma-separated/,
    ],
    ['POLYMORPH_INSTRUMENT_HOSTS', 'raman 01', /POLYMORPH_INSTRUMENT_HOSTS/],
    ['POLYMORPH_INSTRUMENT_HOSTS', 'http://raman', /POLYMORPH_INSTRUMENT_HOSTS/],
  ])('%s=%s is rejected naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('keeps the last signed audit head beside the data directory, or where it is told', () => {
    expect(loadConfig({ POLYMORPH_DATA_DIR: '/srv/lab' }).auditHeadFile).toBe('/srv/lab.audit-head.json');
    expect(
      loadConfig({
        POLYMORPH_DATA_DIR: '/srv/lab',
        POLYMORPH_AUDIT_HEAD_FILE: '/var/lib/polymorph/head.json',
      }).auditHeadFile,
    ).toBe('/var/lib/polymorph/head.json');
    // A sibling whose name merely starts like the data directory is outside it.
    expect(
      loadConfig({ POLYMORPH_DATA_DIR: '/srv/lab', POLYMORPH_AUDIT_HEAD_FILE: '/srv/lab-head.json' })
        .auditHeadFile,
    ).toBe('/srv/lab-head.json');
  });

  it('reads the run engine settings, with defaults, and names a bad one', () => {
    expect(loadConfig({})).toMatchObject({
      engine: 'on',
      engineLeaseMs: 15_000,
      enginePollMs: 1_000,
      engineMaxRuns: 1,
      runAcceleration: 1,
    });
    expect(
      loadConfig({
        POLYMORPH_ENGINE: 'off',
        POLYMORPH_ENGINE_LEASE_MS: '1500',
        POLYMORPH_ENGINE_POLL_MS: '100',
        POLYMORPH_ENGINE_MAX_RUNS: '4',
        POLYMORPH_RUN_ACCELERATION: '600.5',
      }),
    ).toMatchObject({
      engine: 'off',
      engineLeaseMs: 1500,
      enginePollMs: 100,
      engineMaxRuns: 4,
      runAcceleration: 600.5,
    });
    expect(() => loadConfig({ POLYMORPH_ENGINE: 'maybe' })).toThrow(
      /^POLYMORPH_ENGINE: must be one of on, off/,
    );
    expect(() => loadConfig({ POLYMORPH_ENGINE_LEASE_MS: '500' })).toThrow(
      /^POLYMORPH_ENGINE_LEASE_MS: must be between/,
    );
    expect(() => loadConfig({ POLYMORPH_RUN_ACCELERATION: '0.5' })).toThrow(
      /^POLYMORPH_RUN_ACCELERATION: must be between 1 and 100000/,
    );
    expect(() => loadConfig({ POLYMORPH_RUN_ACCELERATION: 'fast' })).toThrow(ConfigError);
  });

  it('allows SCPI instruments on loopback only, unless POLYMORPH_INSTRUMENT_HOSTS lists hosts', () => {
    expect(loadConfig({}).instrumentHosts).toEqual(['127.0.0.1', '::1', 'localhost']);
    expect(
      loadConfig({ POLYMORPH_INSTRUMENT_HOSTS: ' 10.0.0.5, Raman-01.lab.example ,fd00::7,10.0.0.5' })
        .instrumentHosts,
    ).toEqual(['10.0.0.5', 'raman-01.lab.example', 'fd00::7']);
  });

  it('never echoes a database password in its error', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@h/db' })).toThrow(/^(?!.*hunter2)/);
  });

  it('reads DATABASE_URL and POLYMORPH_JWT_SECRET from files (NAME_FILE, compose secrets)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-config-'));
    try {
      writeFileSync(join(dir, 'url'), 'postgres://app:pw-in-file@db:5432/lab\n');
      writeFileSync(join(dir, 'jwt'), 'j'.repeat(48));
      const config = loadConfig({
        DATABASE_URL_FILE: join(dir, 'url'),
        POLYMORPH_JWT_SECRET_FILE: join(dir, 'jwt'),
      });
      expect(config.databaseUrl).toBe('postgres://app:pw-in-file@db:5432/lab');
      expect(config.jwtSecret).toBe('j'.repeat(48));
      const missing = () => loadConfig({ POLYMORPH_JWT_SECRET_FILE: join(dir, 'absent') });
      expect(missing).toThrow(ConfigError);
      expect(missing).toThrow(/^POLYMORPH_JWT_SECRET_FILE: cannot read the file .*absent \(ENOENT\)$/);
      writeFileSync(join(dir, 'bad-url'), 'mysql://app:pw-in-file@db/lab');
      expect(() => loadConfig({ DATABASE_URL_FILE: join(dir, 'bad-url') })).not.toThrow(/pw-in-file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
