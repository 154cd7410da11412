import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { BackupError, backup } from './backup/backup.ts';
import { PgToolError } from './backup/pg-tools.ts';
import { restore } from './backup/restore.ts';
import { ConfigError, type LabConfig, loadConfig } from './config.ts';
import type { Database } from './db/client.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { grantApplicationRole } from './db/grants.ts';
import { migrate } from './db/migrate.ts';
import { INSTRUMENT_SIM_HELP, instrumentSimSettings, serveInstrumentSim } from './instruments-sim.ts';
import { openConfiguredDatabase, serveEngine, startServer } from './main.ts';
import {
  ExportFormatError,
  ExportKeyMismatchError,
  type ExportTrust,
  verifyAuditExport,
  writeAuditExport,
} from './modules/compliance/audit-export.ts';
import { seedDemo } from './modules/demo/seed-demo.ts';
import {
  DEFAULT_REPEATS,
  DEFAULT_SEED,
  DEFAULT_SNR_LEVELS,
  evaluate,
} from './modules/polymorph/evaluation/evaluate.ts';
import { writeJsonReport } from './modules/polymorph/evaluation/report-file.ts';
import { syncRolePermissions } from './modules/users/service.ts';
import type { TrailVerification } from './platform/audit/audit-trail.ts';
import type { ChainVerification } from './platform/audit/chain-verification.ts';
import {
  compareWithSignedHead,
  describeHeadProblem,
  type HeadComparison,
  headFileToKeep,
  readSignedHead,
  SignedHeadFormatError,
} from './platform/audit/signed-head.ts';
import { HttpProblem } from './platform/http/problem.ts';
import {
  keyFingerprintOf,
  loadPublicKey,
  loadServerKeyPair,
  parseKeyFingerprint,
  publicKeyPemOf,
} from './platform/signatures/server-key.ts';
import { loadServerSecrets } from './secrets.ts';

/** Bad arguments: one clear line, exit code 2. */
class UsageError extends Error {}

interface Command {
  summary: string;
  help: string;
  /** What to do instead while a server holds the embedded database (which refuses a second process). */
  whileServing?: string;
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

/** A whole number option at least `min`, or its default when absent. */
function cliInteger(
  command: string,
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${command}: --${name} must be a whole number of at least ${min} (got "${value}")`);
  }
  return n;
}

/** Opens the configured database, migrates, and builds the app without listening: the CLI uses the same services. */
export async function withLab<T>(
  config: LabConfig,
  work: (app: FastifyInstance, database: Database) => Promise<T>,
): Promise<T> {
  const database = await openConfiguredDatabase(config);
  try {
    await migrate(database);
    const secrets = await loadServerSecrets(config);
    const head = await headFileToKeep(database, config.auditHeadFile, secrets.signingKey.publicKey);
    if (head.problem) console.error(`warning: ${head.problem} Not updating ${config.auditHeadFile}.`);
    const app = await buildApp({
      config: { ...config, logLevel: 'warn' },
      database,
      secrets,
      auditHeadFile: head.file,
    });
    try {
      await syncRolePermissions(app.lab.uow);
      return await work(app, database);
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
    whileServing: 'a second server needs its own POLYMORPH_DATA_DIR, or both use PostgreSQL (DATABASE_URL)',
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
    whileServing: 'there is nothing to do: the server applied the migrations when it started',
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
    whileServing: 'an administrator creates users over its HTTP API (POST /api/users)',
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
  engine: {
    summary: 'Run a run engine without the API (more engines on one PostgreSQL)',
    help: `Usage: npm run lab -- engine

Claims pending runs from the PostgreSQL database (DATABASE_URL) and executes them on their devices,
beside the servers and other engine processes: each run is claimed by exactly one engine. A run
whose engine stops renewing its lease (POLYMORPH_ENGINE_LEASE_MS) becomes interrupted. SIGTERM or
SIGINT puts the devices in safe state, marks the runs it drives interrupted and exits 0.
On the embedded database the server runs the only engine; this command refuses it.`,
    run: async (args, config) => {
      options('engine', args, {});
      const cfg = config();
      if (!cfg.databaseUrl)
        throw new UsageError(
          'engine: needs DATABASE_URL (on the embedded database the server runs the engine)',
        );
      return serveEngine(cfg);
    },
  },
  'instrument-sim': {
    summary: 'Serve the simulated reactor (spectrometer, temperature controller, DAQ) over SCPI on TCP',
    help: INSTRUMENT_SIM_HELP,
    run: async (args) => {
      const o = options('instrument-sim', args, {
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        acceleration: { type: 'string' },
      });
      const settings = instrumentSimSettings(o);
      if (typeof settings === 'string')
        throw new UsageError(`instrument-sim: ${settings} (see: npm run lab -- instrument-sim --help)`);
      return serveInstrumentSim(settings);
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
    summary:
      'Verify, export or re-key the audit trail (audit verify | verify --file F --key-fingerprint FP | export | fingerprint | rotate-key)',
    whileServing:
      'an auditor verifies and exports over its HTTP API (GET /api/compliance/audit/verify, GET /api/compliance/audit/export)',
    help: `Usage:
  npm run lab -- audit verify
      verify the database's chain against its signed checkpoints, with the configured signing key.
      Tells an unsealed tail (events whose hashes chain but that no checkpoint covers yet, as a stop
      between a commit and its checkpoint leaves them) from a broken chain: see the exit codes.
  npm run lab -- audit verify --file F (--key-fingerprint SHA256:<hex> | --trusted-key PUB.pem)
      verify an export file offline (no database needed) against a key taken from OUTSIDE the file:
      its fingerprint (printed by "audit fingerprint" and "audit export") or its public key in PEM.
      The file must be signed by that key, or by a key linked to it by signed key rotations.
  npm run lab -- audit verify --file F --integrity-only
      check only that the file is internally consistent, against the key the file names itself. This
      does NOT show who wrote it (anyone can re-sign an edited file): prints a warning, exits 3.
  npm run lab -- audit export --out F
      sign the current head, then write events, checkpoints, signatures and the public key to F
  npm run lab -- audit fingerprint [--key-file K.pem]
      print the fingerprint of the configured signing key (or of K, private or public PEM)
  npm run lab -- audit rotate-key --new-key-file NEW.pem
      hand the chain over to a new Ed25519 key (openssl genpkey -algorithm ed25519 -out NEW.pem):
      the current key and the new key both sign the hand-over, appended as the event
      audit.signing_key_rotated, and the new key signs a checkpoint on it. Stop the server first, then
      start it with POLYMORPH_SIGNING_KEY_FILE=NEW.pem. Old checkpoints still verify.

Exits 0 when valid and authenticated, 1 when the chain, a signature or the key is not, 2 on wrong
arguments (including "verify --file" without a trusted key), 3 when only integrity was checked, and
4 ("audit verify" on the database) when the chain is intact but unsealed: checkpoints the interval
calls for are missing, or the events after the last checkpoint are older than twice
POLYMORPH_AUDIT_CHECKPOINT_SECONDS. Not tampering as such: verify, then sign late (see
docs/runbooks/PolymorphAuditTailUnsealed.md). A younger tail is normal and exits 0 with a note.`,
    run: async (args, config) => {
      const [sub, ...rest] = args;
      if (sub === 'verify') {
        const o = options('audit verify', rest, {
          file: { type: 'string' },
          'trusted-key': { type: 'string' },
          'key-fingerprint': { type: 'string' },
          'integrity-only': { type: 'boolean' },
        });
        if (o.file) return verifyFile(o.file, await exportTrust(o));
        if (o['trusted-key'] || o['key-fingerprint'] || o['integrity-only'])
          throw new UsageError(
            'audit verify: --trusted-key, --key-fingerprint and --integrity-only need --file',
          );
        return withLab(config(), async (app, database) => {
          const result = await app.lab.audit.verify();
          // A problem with the head file was printed when the lab opened (withLab).
          const head = await signedHeadCheck(database, config());
          console.log(
            JSON.stringify({ status: result.status, ...summary(result), signed_head: head.status }),
          );
          const code = verifyExitCode(result);
          return code === 0 && head.problem ? 1 : code;
        });
      }
      if (sub === 'export') {
        const o = options('audit export', rest, { out: { type: 'string' } });
        const out = required('audit export', 'out', o.out);
        return withLab(config(), async (app) => {
          const cfg = config();
          const secrets = await loadServerSecrets(cfg);
          // A signed head: the file then has no unauthenticated tail.
          await app.lab.audit.checkpointNow();
          const { events } = await writeAuditExport(out, {
            publicKeyPem: publicKeyPemOf(secrets.signingKey.publicKey),
            keyId: secrets.signingKey.keyId,
            checkpointInterval: cfg.auditCheckpointInterval,
            events: app.lab.audit.events(),
            checkpoints: await app.lab.audit.checkpoints(),
            signatures: await app.lab.signatures.all(),
          });
          console.log(
            `exported ${events} events to ${out}; verify with --key-fingerprint ${keyFingerprintOf(secrets.signingKey.publicKey)}`,
          );
          return 0;
        });
      }
      if (sub === 'fingerprint') {
        const o = options('audit fingerprint', rest, { 'key-file': { type: 'string' } });
        const key = o['key-file']
          ? await readKeyFile('audit fingerprint', o['key-file'])
          : (await loadServerSecrets(config())).signingKey.publicKey;
        console.log(keyFingerprintOf(key));
        return 0;
      }
      if (sub === 'rotate-key') {
        const o = options('audit rotate-key', rest, { 'new-key-file': { type: 'string' } });
        const file = required('audit rotate-key', 'new-key-file', o['new-key-file']);
        let pem: string;
        try {
          pem = await readFile(file, 'utf8');
        } catch (err) {
          throw new UsageError(`audit rotate-key: cannot read ${file} (${(err as Error).message})`);
        }
        let next: ReturnType<typeof loadServerKeyPair>;
        try {
          next = loadServerKeyPair(pem);
        } catch (err) {
          throw new UsageError(
            `audit rotate-key: ${file} is not an Ed25519 private key (${(err as Error).message})`,
          );
        }
        return withLab(config(), async (app) => {
          const chain = await app.lab.audit.verify();
          if (!chain.valid) {
            console.error(
              `error: not rotating: the chain fails verification at seq ${chain.first_invalid_seq} (${chain.reason})`,
            );
            return 1;
          }
          let rotated: Awaited<ReturnType<typeof app.lab.audit.rotateSigningKey>>;
          try {
            rotated = await app.lab.audit.rotateSigningKey(CLI_CONTEXT, next);
          } catch (err) {
            if ((err as Error).message.includes('is the current one'))
              throw new UsageError(`audit rotate-key: ${(err as Error).message}`);
            throw err;
          }
          console.log(
            JSON.stringify({
              rotated_at_seq: rotated.event.seq,
              from_key_id: rotated.handover.from_key_id,
              to_key_id: rotated.handover.to_key_id,
              to_key_fingerprint: keyFingerprintOf(next.publicKey),
            }),
          );
          console.error(`now start the server with POLYMORPH_SIGNING_KEY_FILE=${file}`);
          return 0;
        });
      }
      throw new UsageError(
        `audit: expected "verify", "export", "fingerprint" or "rotate-key" (see: npm run lab -- audit --help)`,
      );
    },
  },
  polymorph: {
    summary: 'Measure polymorph identification on held-out simulated spectra (polymorph evaluate)',
    help: `Usage: npm run lab -- polymorph evaluate [--seed N] [--repeats N] [--out FILE]

Draws held-out Raman spectra with the simulator's detector model (shot and read noise, fluorescence
baseline, cosmic-ray spikes) at known compositions, at the default noise and at the SNRs
${DEFAULT_SNR_LEVELS.join(', ')}; identifies them against the built-in synthetic references and
prints a JSON report: form accuracy and fraction MAE by SNR, the SNR at which accuracy drops below
0.95, and the accuracy at default noise. --seed (default ${DEFAULT_SEED}) picks the draw, --repeats
(default ${DEFAULT_REPEATS}) the spectra per composition and level, --out also writes the report to FILE.
No database is needed. See docs/polymorph.md for what it does and does not show.`,
    run: async (args) => {
      const [sub, ...rest] = args;
      if (sub !== 'evaluate') {
        throw new UsageError('polymorph: expected "evaluate" (see: npm run lab -- polymorph --help)');
      }
      const o = options('polymorph evaluate', rest, {
        seed: { type: 'string' },
        repeats: { type: 'string' },
        out: { type: 'string' },
      });
      const seed = cliInteger('polymorph evaluate', 'seed', o.seed, DEFAULT_SEED, 0);
      const repeats = cliInteger('polymorph evaluate', 'repeats', o.repeats, DEFAULT_REPEATS, 1);
      const report = evaluate({ seed, repeats, snrLevels: DEFAULT_SNR_LEVELS });
      if (o.out) await writeJsonReport(o.out, report);
      console.log(JSON.stringify(report, null, 2));
      return 0;
    },
  },
  backup: {
    summary: 'Back up the database (pg_dump, or a copy of the embedded data directory) to a new directory',
    whileServing:
      'the embedded database is copied only while no server runs: stop it for the backup (or use PostgreSQL, which is backed up while it serves)',
    help: `Usage: npm run lab -- backup --out DIR

Writes a new directory DIR (it must not exist; written as DIR.partial-<pid> and renamed when complete):
  backup.json      what it holds: the database kind, when, the audit chain's last event
  PostgreSQL (DATABASE_URL set): database.dump (pg_dump --format=custom, run as the database owner;
                   the server may keep serving) and files/ (certificates, development secrets)
  PGlite: data/    a copy of POLYMORPH_DATA_DIR taken under its lock: refused while a server runs
pg_dump is taken from PATH or /usr/lib/postgresql/<newest>/bin. DIR may hold the development secrets:
it is created readable by its owner only. See docs/operations.md.`,
    run: async (args, config) => {
      const o = options('backup', args, { out: { type: 'string' } });
      const out = required('backup', 'out', o.out);
      const manifest = await backup(config(), out);
      const head = manifest.audit_head ? `audit seq ${manifest.audit_head.seq}` : 'no audit events';
      console.log(`backed up the ${manifest.database} database (${head}) to ${out}`);
      return 0;
    },
  },
  restore: {
    summary: 'Restore a backup; refuses one older than the last signed audit head unless --accept-older',
    whileServing: 'stop it for the restore',
    help: `Usage: npm run lab -- restore --from DIR [--accept-older]

PostgreSQL (DATABASE_URL set): restores DIR/database.dump with pg_restore into the database at
DATABASE_URL, which must be empty (createdb NAME first), owned by the role you connect as; then run
grant-app-role again. PGlite: replaces POLYMORPH_DATA_DIR with the backup's copy; refused while a
server runs; the previous contents are moved to <data dir>.before-restore-<time>, never deleted.

The restored audit chain must verify, and it must reach the last signed head that this host kept in
POLYMORPH_AUDIT_HEAD_FILE: a backup older than a head already signed would silently drop signed audit
events, so it is refused (exit 1, nothing replaced on PGlite) unless --accept-older is given. Accepted,
the old head file is renamed <file>.superseded-<time>. Every restore is recorded in the audit trail
(audit.backup_restored) and a checkpoint is signed on it.`,
    run: async (args, config) => {
      const o = options('restore', args, { from: { type: 'string' }, 'accept-older': { type: 'boolean' } });
      const from = required('restore', 'from', o.from);
      const cfg = config();
      const outcome = await restore(cfg, from, { acceptOlder: o['accept-older'] === true });
      const superseded = outcome.supersededHead;
      if (superseded)
        console.error(
          `warning: accepted an older state: ${outcome.check.headProblem} The previous head file is kept as ${superseded.keptAt}.`,
        );
      const event = await withLab(cfg, async (app) => {
        const after = {
          backup_created_at: outcome.manifest.created_at,
          database: outcome.manifest.database,
          restored_last_seq: outcome.check.chain.head?.seq ?? 0,
          superseded_head: superseded
            ? { seq: superseded.head.seq, hash: superseded.head.hash, ts: superseded.head.ts }
            : null,
        };
        await app.lab.audit.transaction(async (_tx, audit) =>
          audit(CLI_CONTEXT, {
            action: 'audit.backup_restored',
            entityType: 'audit_trail',
            entityId: null,
            after,
            reason: superseded ? 'operator accepted an older state (restore --accept-older)' : null,
          }),
        );
        return app.lab.audit.checkpointNow();
      });
      console.log(
        `restored ${from}: the audit chain verifies (${outcome.check.chain.checked} events); the restore is recorded at seq ${event?.seq} and signed`,
      );
      if (outcome.previousData) console.log(`the previous data directory is kept in ${outcome.previousData}`);
      if (cfg.databaseUrl)
        console.log('now grant the server its role again: npm run lab -- grant-app-role --role NAME');
      return 0;
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

/** The chain against the last signed head kept outside the database (POLYMORPH_AUDIT_HEAD_FILE). */
async function signedHeadCheck(
  database: Database,
  cfg: LabConfig,
): Promise<{ status: HeadComparison['status']; problem: string | null }> {
  let head: Awaited<ReturnType<typeof readSignedHead>>;
  try {
    head = await readSignedHead(cfg.auditHeadFile);
  } catch (err) {
    if (err instanceof SignedHeadFormatError) return { status: 'signature_invalid', problem: err.message };
    throw err;
  }
  const { signingKey } = await loadServerSecrets(cfg);
  const comparison = await compareWithSignedHead(database, head, signingKey.publicKey);
  return { status: comparison.status, problem: describeHeadProblem(comparison, cfg.auditHeadFile) };
}

/** A public or private key in PEM, as its public key. */
async function readKeyFile(command: string, file: string) {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${command}: cannot read ${file} (${(err as Error).message})`);
  }
  try {
    return pem.includes('PRIVATE KEY')
      ? loadPublicKey(publicKeyPemOf(createPublicKey(pem)))
      : loadPublicKey(pem);
  } catch (err) {
    throw new UsageError(`${command}: ${file} is not an Ed25519 key (${(err as Error).message})`);
  }
}

/**
 * Exactly one source of trust. Without one, verification is refused rather than run against the file's own
 * key: a re-signed forgery would pass that, and a 0 exit code would say it is authentic.
 */
async function exportTrust(o: {
  'trusted-key'?: string | undefined;
  'key-fingerprint'?: string | undefined;
  'integrity-only'?: boolean | undefined;
}): Promise<ExportTrust> {
  const given = [o['trusted-key'], o['key-fingerprint'], o['integrity-only']].filter(Boolean).length;
  if (given > 1)
    throw new UsageError('audit verify: give only one of --trusted-key, --key-fingerprint, --integrity-only');
  if (o['trusted-key']) return { publicKey: await readKeyFile('audit verify', o['trusted-key']) };
  if (o['key-fingerprint']) {
    if (!parseKeyFingerprint(o['key-fingerprint']))
      throw new UsageError(
        `audit verify: --key-fingerprint "${o['key-fingerprint']}" is not SHA256: followed by 64 hex digits`,
      );
    return { fingerprint: o['key-fingerprint'] };
  }
  if (o['integrity-only']) return { integrityOnly: true };
  throw new UsageError(
    'audit verify --file: give the trusted key from outside the file: --key-fingerprint SHA256:<hex> (from "audit fingerprint" on the server) or --trusted-key PUB.pem; --integrity-only checks consistency but not authenticity',
  );
}

async function verifyFile(file: string, trust: ExportTrust): Promise<number> {
  let result: Awaited<ReturnType<typeof verifyAuditExport>>;
  try {
    result = await verifyAuditExport(file, trust);
  } catch (err) {
    if (err instanceof ExportKeyMismatchError) {
      console.log(JSON.stringify({ valid: false, reason: 'untrusted_key' }));
      console.error(`error: audit verify: ${err.message}`);
      return 1;
    }
    if (err instanceof ExportFormatError || (err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UsageError(`audit verify: ${(err as Error).message}`);
    }
    throw err;
  }
  console.log(
    JSON.stringify({
      ...summary(result.chain),
      valid: result.valid,
      signatures: result.signatures,
      key: result.key,
    }),
  );
  if (result.key.authenticated) return result.valid ? 0 : 1;
  console.error(
    `WARNING: authenticity NOT checked: the file was verified against its own key ${result.key.file_key_id}, which anyone re-signing an edited file can replace. Verify with --key-fingerprint or --trusted-key.`,
  );
  return result.valid ? 3 : 1;
}

function summary(r: ChainVerification) {
  return {
    valid: r.valid,
    checked: r.checked,
    first_invalid_seq: r.first_invalid_seq,
    reason: r.reason,
    unsealed: r.unsealed,
    missing_checkpoints: r.missing_checkpoints,
  };
}

/** 1 for a broken chain only; an unsealed chain gets its own code (4) so that a crash is not tampering. */
function verifyExitCode(r: TrailVerification): number {
  if (r.status === 'broken') return 1;
  const missing = r.missing_checkpoints;
  const tail = r.unsealed;
  const what = [
    missing &&
      `${missing.count} checkpoint(s) the interval calls for are missing (first at seq ${missing.first_seq})`,
    tail &&
      `${tail.count} event(s) after the last checkpoint, the oldest (seq ${tail.first_seq}) ${Math.round(tail.age_seconds)} s old`,
  ].filter(Boolean);
  if (r.status === 'valid') {
    if (what.length)
      console.error(`note: chain intact; ${what.join('; ')}: the server signs them at the next checkpoint`);
    return 0;
  }
  console.error(
    `WARNING: chain intact but UNSEALED: ${what.join('; ')}. Expected after a stop between a commit and its checkpoint; nothing signs it by itself. See docs/runbooks/PolymorphAuditTailUnsealed.md`,
  );
  return 4;
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(16)}${c.summary}`);
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
    if (err instanceof BackupError || err instanceof PgToolError) {
      console.error(`error: ${err.message}`);
      return 1;
    }
    if (err instanceof DataDirLockedError) {
      const instead = command?.whileServing ? `\nWhile it serves, ${command.whileServing}.` : '';
      console.error(`error: ${err.message}, then run this command again.${instead}`);
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
