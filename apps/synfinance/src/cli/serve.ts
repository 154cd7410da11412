// `synfinance serve`: start the API of apps/synfinance/src/api/app.ts with the settings config.ts read
// from SYNFINANCE_* variables; this command only listens and shuts down on a signal.
import { type Env, loadServerConfig } from '../config.ts';
import { type Command, parseCli, strOpt } from './args.ts';
import { UsageError } from './config.ts';

export const SERVE_USAGE =
  'usage: synfinance serve [--model PATH]   (--model: the model file to serve, instead of SYNFINANCE_MODEL_PATH; env: SYNFINANCE_PORT=8000, SYNFINANCE_HOST=127.0.0.1, SYNFINANCE_API_KEYS=k1,k2, SYNFINANCE_RATE_LIMIT=60 per minute, SYNFINANCE_DATA_DIR=data/synfinance, SYNFINANCE_MODEL_PATH, SYNFINANCE_MODEL_DIR (reloads are confined to it), SYNFINANCE_ADMIN_API_KEY, SYNFINANCE_REDIS_URL (shared customer histories), SYNFINANCE_HISTORY_TTL_DAYS=30)';

const SERVE: Command = {
  name: 'serve',
  summary: 'Start the SynFinance API.',
  synopsis: '[--model PATH]',
  flags: { model: { arg: 'PATH', help: 'the model file to serve', group: 'Model' } },
};

/** The model path given on the command line, if any; a refusal carries the usage with the env variables. */
function modelFlag(argv: string[]): string | undefined {
  try {
    return strOpt(parseCli(argv, SERVE), 'model');
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`${e.message}; ${SERVE_USAGE}`);
    throw e;
  }
}

export async function runServe(argv: string[], env: Env): Promise<number> {
  const model = modelFlag(argv);
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
