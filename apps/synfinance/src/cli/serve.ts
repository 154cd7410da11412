// `synfinance serve`: start the API of apps/synfinance/src/api/app.ts with the settings config.ts read
// from SYNFINANCE_* variables; this command only listens and shuts down on a signal.
import { parseArgs } from 'node:util';
import { type Env, loadServerConfig } from '../config.ts';
import { UsageError } from './config.ts';

export const SERVE_USAGE =
  'usage: synfinance serve [--model PATH]   (--model: the model file to serve, instead of SYNFINANCE_MODEL_PATH; env: SYNFINANCE_PORT=8000, SYNFINANCE_HOST=127.0.0.1, SYNFINANCE_API_KEYS=k1,k2, SYNFINANCE_RATE_LIMIT=60 per minute, SYNFINANCE_DATA_DIR=data/synfinance, SYNFINANCE_MODEL_PATH, SYNFINANCE_MODEL_DIR (reloads are confined to it), SYNFINANCE_ADMIN_API_KEY, SYNFINANCE_REDIS_URL (shared customer histories), SYNFINANCE_HISTORY_TTL_DAYS=30)';

export async function runServe(argv: string[], env: Env): Promise<number> {
  let model: string | undefined;
  try {
    const { values } = parseArgs({ args: argv, options: { model: { type: 'string' } }, strict: true });
    model = values.model;
  } catch (e) {
    throw new UsageError(`${e instanceof Error ? e.message : String(e)}; ${SERVE_USAGE}`);
  }
  if (model === '') throw new UsageError(`--model needs a file; ${SERVE_USAGE}`);
  const config = loadServerConfig(model === undefined ? env : { ...env, SYNFINANCE_MODEL_PATH: model });
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
