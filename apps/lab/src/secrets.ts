import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabConfig } from './config.ts';
import { ConfigError } from './config.ts';
import { resolveTokenSigningKey, TokenKeyError } from './platform/auth/tokens.ts';
import {
  exportServerKeyPair,
  generateServerKeyPair,
  loadServerKeyPair,
  type ServerKeyPair,
} from './platform/signatures/server-key.ts';

export interface ServerSecrets {
  tokenKey: Uint8Array;
  signingKey: ServerKeyPair;
}

async function readOrCreate(path: string, create: () => string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const value = create();
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, value, { mode: 0o600 });
  await rename(tmp, path);
  return value;
}

/**
 * The token secret and the Ed25519 signing key. Production takes both from configuration and refuses to
 * start without them; development generates them once and keeps them under `<dataDir>/secrets/`, so that
 * logins and signatures survive a restart.
 */
export async function loadServerSecrets(config: LabConfig): Promise<ServerSecrets> {
  const production = config.env === 'production';
  const secretsDir = join(config.dataDir, 'secrets');
  let jwtSecret = config.jwtSecret;
  if (!jwtSecret && !production) {
    jwtSecret = await readOrCreate(join(secretsDir, 'jwt-secret'), () =>
      randomBytes(48).toString('base64url'),
    );
  }
  let tokenKey: Uint8Array;
  try {
    tokenKey = resolveTokenSigningKey({ secret: jwtSecret, production }).key;
  } catch (err) {
    if (err instanceof TokenKeyError)
      throw new ConfigError(
        'POLYMORPH_JWT_SECRET',
        jwtSecret ? err.message : `${err.message}; or POLYMORPH_JWT_SECRET_FILE=a file holding it`,
      );
    throw err;
  }
  let pem: string;
  if (config.signingKeyFile) {
    try {
      pem = await readFile(config.signingKeyFile, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError('POLYMORPH_SIGNING_KEY_FILE', `cannot read ${config.signingKeyFile} (${code})`);
    }
    if (pem.trim() === '')
      throw new ConfigError('POLYMORPH_SIGNING_KEY_FILE', `the file ${config.signingKeyFile} is empty`);
  } else if (production) {
    throw new ConfigError(
      'POLYMORPH_SIGNING_KEY_FILE',
      'is required in production (an Ed25519 private key in PEM: openssl genpkey -algorithm ed25519 -out key.pem)',
    );
  } else {
    pem = await readOrCreate(
      join(secretsDir, 'signing-key.pem'),
      () => exportServerKeyPair(generateServerKeyPair()).privateKeyPem,
    );
  }
  try {
    return { tokenKey, signingKey: loadServerKeyPair(pem) };
  } catch (err) {
    throw new ConfigError(
      'POLYMORPH_SIGNING_KEY_FILE',
      `is not an Ed25519 private key (${(err as Error).message})`,
    );
  }
}
