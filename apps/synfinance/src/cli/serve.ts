// `synfinance serve`: start the API of apps/synfinance/src/api/app.ts with the settings config.ts read
// from SYNFINANCE_* variables; this command only listens and shuts down on a signal.
import { type Env, loadServerConfig } from '../config.ts';
import { UsageError } from './config.ts';

export const SERVE_USAGE =
  'usage: synfinance serve   (env: SYNFINANCE_PORT=8000, SYNFINANCE_HOST=127.0.0.1, SYNFINANCE_API_KEYS=k1,k2, SYNFINANCE_RATE_LIMIT=60 per minute, SYNFINANCE_DATA_DIR=data/synfinance, SYNFINANCE_MODEL_PATH, SYNFINANCE_MODEL_DIR (reloads are confined to it), SYNFINANCE_ADMIN_API_KEY, SYNFINANCE_REDIS_URL (shared customer histories), SYNFINANCE_HISTORY_TTL_DAYS=30)';

export async function runServe(argv: string[], env: Env): Promise<number> {
  if (argv.length) throw new UsageError(`serve takes no arguments (got ${argv.join(' ')}); ${SERVE_USAGE}`);
  const config = loadServerConfig(env);
  // Loaded here, not at the top: the other commands start without the HTTP stack.
  const { buildApi } = await import('../api/app.ts');
  const { app } = await buildApi({ ...config, logger: true });
  const close = async () => {
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void close());
  process.once('SIGTERM', () => void close());
  await app.listen({ port: config.port, host: config.host });
  return new Promise<number>(() => {});
}
