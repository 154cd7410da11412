import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { ConfigError, type LabConfig, loadConfig } from './config.ts';
import { grantApplicationRole } from './db/grants.ts';
import { migrate } from './db/migrate.ts';
import { openConfiguredDatabase, startServer } from './main.ts';
import { ExportFormatError, verifyAuditExport, writeAuditExport } from './modules/compliance/audit-export.ts';
import { seedDemo } from './modules/demo/seed-demo.ts';
import { syncRolePermissions } from './modules/users/service.ts';
import { HttpProblem } from './platform/http/problem.ts';
import { loadServerSecrets } from './secrets.ts';

/** Bad arguments: one clear line, exit code 2. */
class UsageError extends Error {}

interface Command {
  summary: string;
  help: string;
  /** Returns the exit code. */
  run(args: string[], config: () => LabConfig): Promise<number>;
}

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

/** Strict option parsing: an unknown flag or a stray argument is a usage error naming the command. */
function options<T extends OptionSpec>(command: string, args: string[], spec: T) {
  try {
    const { values } = parseArgs({ args, options: spec, allowPositionals: false, strict: true });
    return values as { [K in keyof T]?: T[K]['type'] extends 'string' ? string : boolean };
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message} (see: npm run lab -- ${command} --help)`);
  }
}

function required(command: string, name: string, value: string | undefined): string {
  if (!value)
    throw new UsageError(`${command}: --${name} is required (see: npm run lab -- ${command} --help)`);
  return value;
}

/** Opens the configured database, migrates, and builds the app without listening: the CLI uses the same services. */
async function withLab<T>(config: LabConfig, work: (app: FastifyInstance) => Promise<T>): Promise<T> {
  const database = await openConfiguredDatabase(config);
  try {
    await migrate(database);
    const app = await buildApp({
      config: { ...config, logLevel: 'warn' },
      database,
      secrets: await loadServerSecrets(config),
    });
    try {
      await syncRolePermissions(app.lab.uow);
      return await work(app);
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
  }
}

async function readPassword(): Promise<string> {
  const fromEnv = process.env['POLYMORPH_ADMIN_PASSWORD'];
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) process.stderr.write('Password for the administrator: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split('\n')[0]?.replace(/\r$/, '') ?? '';
}

const CLI_CONTEXT = { actor: 'system:cli', requestId: null, ip: null };

const COMMANDS: Record<string, Command> = {
  start: {
    summary: 'Migrate the database and serve the lab OS API',
    help: `Usage: npm run lab -- start

Opens the database (PGlite under POLYMORPH_DATA_DIR, or PostgreSQL when DATABASE_URL is set),
applies pending migrations under an advisory lock, and serves HTTP on POLYMORPH_HOST:POLYMORPH_PORT.
SIGTERM or SIGINT drains in-flight requests, closes the database and exits 0.`,
    run: async (args, config) => {
      options('start', args, {});
      await startServer(config());
      return 0;
    },
  },
  migrate: {
    summary: 'Apply pending database migrations and exit',
    help: `Usage: npm run lab -- migrate

Applies the committed SQL migrations that the database has not seen yet, each in its own
transaction, under an advisory lock. Safe to run while other instances start.`,
    run: async (args, config) => {
      options('migrate', args, {});
      const database = await openConfiguredDatabase(config());
      try {
        const { applied } = await migrate(database);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'up to date: no pending migrations');
      } finally {
        await database.close();
      }
      return 0;
    },
  },
  'create-admin': {
    summary: 'Create an administrator (idempotent)',
    help: `Usage: npm run lab -- create-admin --email E --name N

Creates a user with the admin role. The password is read from POLYMORPH_ADMIN_PASSWORD, or from
the first line of standard input; it must meet the password policy (12+ characters, not a common
password, not containing the email's local part). If the user exists, prints "exists" and exits 0.`,
    run: async (args, config) => {
      const o = options('create-admin', args, { email: { type: 'string' }, name: { type: 'string' } });
      const email = required('create-admin', 'email', o.email).trim().toLowerCase();
      const name = required('create-admin', 'name', o.name).trim();
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
        throw new UsageError(`create-admin: --email "${email}" is not an email address`);
      return withLab(config(), async (app) => {
        const existing = await app.lab.users.get(email).then(
          () => true,
          () => false,
        );
        if (existing) {
          console.log('exists');
          return 0;
        }
        const password = await readPassword();
        if (!password)
          throw new UsageError(
            'create-admin: no password (set POLYMORPH_ADMIN_PASSWORD or pipe it on stdin)',
          );
        try {
          await app.lab.users.create({ email, name, password, roles: ['admin'] }, CLI_CONTEXT);
        } catch (err) {
          if (err instanceof HttpProblem && err.status === 400)
            throw new UsageError(`create-admin: ${err.message}`);
          throw err;
        }
        console.log(`created administrator ${email}`);
        return 0;
      });
    },
  },
  'grant-app-role': {
    summary: 'Grant least privilege to the PostgreSQL role the server runs as',
    help: `Usage: npm run lab -- grant-app-role --role NAME

Run as the database owner (DATABASE_URL of the owner) after migrating. Grants NAME SELECT, INSERT,
UPDATE, DELETE on business tables and only SELECT, INSERT on the append-only ones (audit_events,
audit_checkpoints, electronic_signatures, signing_keys). See docs/operations.md.`,
    run: async (args, config) => {
      const o = options('grant-app-role', args, { role: { type: 'string' } });
      const role = required('grant-app-role', 'role', o.role);
      const cfg = config();
      if (!cfg.databaseUrl)
        throw new UsageError(
          'grant-app-role: needs DATABASE_URL (roles do not apply to the embedded database)',
        );
      const database = await openConfiguredDatabase(cfg);
      try {
        await migrate(database);
        await database.withSession((s) => grantApplicationRole(s, role));
      } catch (err) {
        if ((err as Error).message.includes('must be a plain'))
          throw new UsageError(`grant-app-role: ${(err as Error).message}`);
        throw err;
      } finally {
        await database.close();
      }
      console.log(`granted least privilege to ${role}`);
      return 0;
    },
  },
  audit: {
    summary: 'Verify or export the audit trail (audit verify | audit verify --file F | audit export --out F)',
    help: `Usage:
  npm run lab -- audit verify              verify the database's chain against its signed checkpoints
  npm run lab -- audit verify --file F     verify an export file offline (no database needed)
  npm run lab -- audit export --out F      write events, checkpoints, signatures and the public key to F

Exits 0 when valid, 1 when the chain or a signature is invalid, 2 on wrong arguments.`,
    run: async (args, config) => {
      const [sub, ...rest] = args;
      if (sub === 'verify') {
        const o = options('audit verify', rest, { file: { type: 'string' } });
        if (o.file) {
          let result: Awaited<ReturnType<typeof verifyAuditExport>>;
          try {
            result = await verifyAuditExport(o.file);
          } catch (err) {
            if (err instanceof ExportFormatError || (err as NodeJS.ErrnoException).code === 'ENOENT') {
              throw new UsageError(`audit verify: ${(err as Error).message}`);
            }
            throw err;
          }
          console.log(
            JSON.stringify({ ...summary(result.chain), valid: result.valid, signatures: result.signatures }),
          );
          return result.valid ? 0 : 1;
        }
        return withLab(config(), async (app) => {
          const result = await app.lab.audit.verify();
          console.log(JSON.stringify(summary(result)));
          return result.valid ? 0 : 1;
        });
      }
      if (sub === 'export') {
        const o = options('audit export', rest, { out: { type: 'string' } });
        const out = required('audit export', 'out', o.out);
        return withLab(config(), async (app) => {
          const cfg = config();
          const secrets = await loadServerSecrets(cfg);
          const { events } = await writeAuditExport(out, {
            publicKeyPem: secrets.signingKey.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
            keyId: secrets.signingKey.keyId,
            checkpointInterval: cfg.auditCheckpointInterval,
            events: app.lab.audit.events(),
            checkpoints: await app.lab.audit.checkpoints(),
            signatures: await app.lab.signatures.all(),
          });
          console.log(`exported ${events} events to ${out}`);
          return 0;
        });
      }
      throw new UsageError(`audit: expected "verify" or "export" (see: npm run lab -- audit --help)`);
    },
  },
  'seed-demo': {
    summary: 'Load a small demo lab (2 labs, users in every role, 200 samples, inventory, devices)',
    help: `Usage: npm run lab -- seed-demo

Creates, through the same services as the API (so every record is audited): a second lab, demo users
in every role in both labs, projects, batches, containers, 200 samples with aliquots, 30 inventory
items with lots (some expiring, some expired), and 10 devices (2 overdue for calibration, 1 failed).
Passwords: POLYMORPH_DEMO_PASSWORD for every demo user, or a random one each, printed once.
Running it again on a seeded database prints "already seeded" and changes nothing.`,
    run: async (args, config) => {
      options('seed-demo', args, {});
      return withLab(config(), async (app) => {
        const s = await seedDemo(app);
        if (s.alreadySeeded) {
          console.log('already seeded');
          return 0;
        }
        console.log(
          `seeded labs ${s.labs.join(', ')}: ${s.samples} samples (${s.aliquots} aliquots), ${s.items} items, ${s.lots} lots, ${s.devices} devices (${s.overdueDevices} overdue)`,
        );
        for (const u of s.users)
          console.log(`  ${u.role.padEnd(11)} ${u.lab.padEnd(8)} ${u.email}  ${u.password}`);
        return 0;
      });
    },
  },
};

function summary(r: {
  valid: boolean;
  checked: number;
  first_invalid_seq: number | null;
  reason: string | null;
}) {
  return { valid: r.valid, checked: r.checked, first_invalid_seq: r.first_invalid_seq, reason: r.reason };
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
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(command.help);
      return 0;
    }
    return await command.run(rest, () => loadConfig());
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
