import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadServerConfig } from './config.ts';

describe('loadServerConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    expect(loadServerConfig({})).toEqual({
      host: '127.0.0.1',
      port: 8000,
      apiKeys: [],
      rateLimit: 60,
      dataDir: resolve('data/synfinance'),
      scoring: { modelPath: undefined, adminApiKey: undefined, cacheSize: undefined, thresholds: {} },
    });
  });

  it('reads every SYNFINANCE_* server variable', () => {
    const config = loadServerConfig({
      SYNFINANCE_HOST: '0.0.0.0',
      SYNFINANCE_PORT: '9001',
      SYNFINANCE_API_KEYS: 'k1, k2,,',
      SYNFINANCE_RATE_LIMIT: '0',
      SYNFINANCE_DATA_DIR: '/srv/syn',
      SYNFINANCE_MODEL_PATH: 'models/fraud.json',
      SYNFINANCE_ADMIN_API_KEY: 'admin',
      SYNFINANCE_FRAUD_CACHE_SIZE: '5000',
      SYNFINANCE_REVIEW_THRESHOLD: '0.4',
      SYNFINANCE_BLOCK_THRESHOLD: '0.95',
    });
    expect(config).toEqual({
      host: '0.0.0.0',
      port: 9001,
      apiKeys: ['k1', 'k2'],
      rateLimit: 0,
      dataDir: '/srv/syn',
      scoring: {
        modelPath: 'models/fraud.json',
        adminApiKey: 'admin',
        cacheSize: 5000,
        thresholds: { review: 0.4, block: 0.95 },
      },
    });
  });

  it('SYNFINANCE_MODEL_DIR is the reload directory, made absolute; unset it is left to the model path', () => {
    expect(loadServerConfig({ SYNFINANCE_MODEL_DIR: 'models' }).scoring.modelDir).toBe(resolve('models'));
    expect(loadServerConfig({ SYNFINANCE_MODEL_PATH: 'm/f.json' }).scoring.modelDir).toBeUndefined();
  });

  it('SYNFINANCE_REDIS_URL moves customer histories to Redis, kept SYNFINANCE_HISTORY_TTL_DAYS (default 30)', () => {
    const day = 24 * 3_600_000;
    expect(loadServerConfig({}).scoring.redis).toBeUndefined();
    expect(loadServerConfig({ SYNFINANCE_REDIS_URL: 'redis://cache:6379/2' }).scoring.redis).toEqual({
      url: 'redis://cache:6379/2',
      ttlMs: 30 * day,
    });
    expect(
      loadServerConfig({ SYNFINANCE_REDIS_URL: 'rediss://r:6380', SYNFINANCE_HISTORY_TTL_DAYS: '7' }).scoring
        .redis?.ttlMs,
    ).toBe(7 * day);
  });

  it('a Redis URL that is not redis:// is refused without echoing it (it may hold a password)', () => {
    expect(() => loadServerConfig({ SYNFINANCE_REDIS_URL: 'http://user:s3cret@cache' })).toThrow(
      /^SYNFINANCE_REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL$/,
    );
    expect(() => loadServerConfig({ SYNFINANCE_REDIS_URL: 'http://user:s3cret@cache' })).not.toThrow(
      /s3cret/,
    );
  });

  it('SYNFINANCE_REDIS_URL may name a file (SYNFINANCE_REDIS_URL_FILE), as a mounted secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'syn-redis-'));
    try {
      writeFileSync(join(dir, 'url'), 'redis://:pw@cache:6379\n');
      const config = loadServerConfig({ SYNFINANCE_REDIS_URL_FILE: join(dir, 'url') });
      expect(config.scoring.redis?.url).toBe('redis://:pw@cache:6379');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad value is a one-line error naming the variable', () => {
    for (const [name, value] of [
      ['SYNFINANCE_PORT', '80x'],
      ['SYNFINANCE_PORT', '70000'],
      ['SYNFINANCE_RATE_LIMIT', '-1'],
      ['SYNFINANCE_FRAUD_CACHE_SIZE', '1.5'],
      ['SYNFINANCE_REVIEW_THRESHOLD', '2'],
      ['SYNFINANCE_HOST', 'a b'],
      ['SYNFINANCE_HISTORY_TTL_DAYS', '0'],
    ] as const) {
      const load = () => loadServerConfig({ [name]: value });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(new RegExp(`^${name}: .*${value}`));
    }
  });

  it('reads the API keys and the admin key from files (SYNFINANCE_*_FILE, compose secrets)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synfinance-config-'));
    try {
      writeFileSync(join(dir, 'keys'), 'k1,k2\n');
      writeFileSync(join(dir, 'admin'), 'admin-key\n');
      const config = loadServerConfig({
        SYNFINANCE_API_KEYS_FILE: join(dir, 'keys'),
        SYNFINANCE_ADMIN_API_KEY_FILE: join(dir, 'admin'),
      });
      expect(config.apiKeys).toEqual(['k1', 'k2']);
      expect(config.scoring.adminApiKey).toBe('admin-key');
      expect(() => loadServerConfig({ SYNFINANCE_API_KEYS_FILE: join(dir, 'absent') })).toThrow(ConfigError);
      expect(() => loadServerConfig({ SYNFINANCE_API_KEYS_FILE: join(dir, 'absent') })).toThrow(
        /^SYNFINANCE_API_KEYS_FILE: cannot read the file/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
