// `synfinance serve`: start the API of apps/synfinance/src/api/app.ts on SYNFINANCE_PORT (default 8000);
// this command only reads the environment, listens and shuts down on a signal.

import { resolve } from 'node:path';
import { buildApi } from '../api/app.ts';
import { UsageError } from './config.ts';

export const SERVE_USAGE =
  'usage: synfinance serve   (env: SYNFINANCE_PORT=8000, SYNFINANCE_HOST=127.0.0.1, SYNFINANCE_API_KEYS=k1,k2, SYNFINANCE_RATE_LIMIT=60 per minute, SYNFINANCE_DATA_DIR=data/synfinance)';

export async function runServe(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv.length) throw new UsageError(`serve takes no arguments (got ${argv.join(' ')}); ${SERVE_USAGE}`);
  const port = Number(env.SYNFINANCE_PORT ?? 8000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`SYNFINANCE_PORT must be a port number, got "${env.SYNFINANCE_PORT}"`);
  const rateLimit = Number(env.SYNFINANCE_RATE_LIMIT ?? 60);
  if (!Number.isFinite(rateLimit) || rateLimit < 0)
    throw new UsageError(`SYNFINANCE_RATE_LIMIT must be >= 0, got "${env.SYNFINANCE_RATE_LIMIT}"`);
  const { app } = await buildApi({
    apiKeys: (env.SYNFINANCE_API_KEYS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    rateLimit,
    logger: true,
    dataDir: resolve(env.SYNFINANCE_DATA_DIR || 'data/synfinance'),
  });
  const close = async () => {
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void close());
  process.once('SIGTERM', () => void close());
  await app.listen({ port, host: env.SYNFINANCE_HOST ?? '127.0.0.1' });
  return new Promise<number>(() => {});
}
