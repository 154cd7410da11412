import { parseArgs } from 'node:util';
import { ConfigError, type LabConfig, loadConfig } from './config.ts';
import { migrate } from './db/migrate.ts';
import { openConfiguredDatabase, startServer } from './main.ts';

/** Bad arguments: one clear line, exit code 2. */
class UsageError extends Error {}

interface Command {
  summary: string;
  help: string;
  run(args: string[], config: () => LabConfig): Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  start: {
    summary: 'Migrate the database and serve the lab OS API',
    help: `Usage: npm run lab -- start

Opens the database (PGlite under POLYMORPH_DATA_DIR, or PostgreSQL when DATABASE_URL is set),
applies pending migrations under an advisory lock, and serves HTTP on POLYMORPH_HOST:POLYMORPH_PORT.
SIGTERM or SIGINT drains in-flight requests, closes the database and exits 0.`,
    run: async (args, config) => {
      noArguments('start', args);
      await startServer(config());
    },
  },
  migrate: {
    summary: 'Apply pending database migrations and exit',
    help: `Usage: npm run lab -- migrate

Applies the committed SQL migrations that the database has not seen yet, each in its own
transaction, under an advisory lock. Safe to run while other instances start.`,
    run: async (args, config) => {
      noArguments('migrate', args);
      const database = await openConfiguredDatabase(config());
      try {
        const { applied } = await migrate(database);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'up to date: no pending migrations');
      } finally {
        await database.close();
      }
    },
  },
};

function noArguments(command: string, args: string[]) {
  if (args.length > 0)
    throw new UsageError(
      `${command}: unexpected argument "${args[0]}" (see: npm run lab -- ${command} --help)`,
    );
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`);
  return `Usage: npm run lab -- <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "npm run lab -- <command> --help" for a command's options.`;
}

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command "${name}"\n\n${usage()}`);
    const { values, positionals } = parseArgs({
      args: rest,
      options: { help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: false,
    });
    if (values.help) {
      console.log(command.help);
      return 0;
    }
    await command.run(positionals, () => loadConfig());
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      console.error(`configuration error: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      // `start` keeps running; every other command ends here.
      if (code !== 0 || process.argv[2] !== 'start') process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`fatal: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
