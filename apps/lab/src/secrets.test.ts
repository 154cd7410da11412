import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';
import { exportServerKeyPair, generateServerKeyPair } from './platform/signatures/server-key.ts';
import { loadServerSecrets } from './secrets.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'secrets-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('server secrets', () => {
  it('production refuses to start without a token secret, or with a published default', async () => {
    const base = { POLYMORPH_ENV: 'production', POLYMORPH_DATA_DIR: dir };
    await expect(loadServerSecrets(loadConfig(base))).rejects.toThrow(ConfigError);
    await expect(loadServerSecrets(loadConfig(base))).rejects.toThrow(
      /^POLYMORPH_JWT_SECRET: token signing key is missing/,
    );
    await expect(
      loadServerSecrets(
        loadConfig({ ...base, POLYMORPH_JWT_SECRET: 'polymorph-dev-secret-change-me-please-000000' }),
      ),
    ).rejects.toThrow(/POLYMORPH_JWT_SECRET: token signing key is a published default/);
  });

  it('production refuses to start without a signing key file', async () => {
    const config = loadConfig({
      POLYMORPH_ENV: 'production',
      POLYMORPH_DATA_DIR: dir,
      POLYMORPH_JWT_SECRET: 'k'.repeat(8) + 'Zx9!aQ7#Lm2$Rt5&Wp8*Yc4^Hv6@',
    });
    await expect(loadServerSecrets(config)).rejects.toThrow(
      /^POLYMORPH_SIGNING_KEY_FILE: is required in production/,
    );
  });

  it('production starts with both secrets given', async () => {
    const keyFile = join(dir, 'key.pem');
    await writeFile(keyFile, exportServerKeyPair(generateServerKeyPair()).privateKeyPem);
    const secrets = await loadServerSecrets(
      loadConfig({
        POLYMORPH_ENV: 'production',
        POLYMORPH_DATA_DIR: dir,
        POLYMORPH_JWT_SECRET: 'Zx9!aQ7#Lm2$Rt5&Wp8*Yc4^Hv6@kkkkkkkk',
        POLYMORPH_SIGNING_KEY_FILE: keyFile,
      }),
    );
    expect(secrets.signingKey.keyId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('development generates the secrets once and keeps them', async () => {
    const config = loadConfig({ POLYMORPH_DATA_DIR: dir });
    const first = await loadServerSecrets(config);
    const second = await loadServerSecrets(config);
    expect(Buffer.from(second.tokenKey).equals(Buffer.from(first.tokenKey))).toBe(true);
    expect(second.signingKey.keyId).toBe(first.signingKey.keyId);
    expect(await readFile(join(dir, 'secrets', 'signing-key.pem'), 'utf8')).toMatch(/BEGIN PRIVATE KEY/);
  });
});
