// npm run bench:backup — wall time of `npm run lab -- backup --out DIR` and `restore --from DIR` on the
// demo database (seed-demo) and a larger one (BENCH_SAMPLES more samples), on PGlite and, given
// BENCH_DATABASE_URL or TEST_DATABASE_URL (`source .ci/postgres.sh && pg_up`), on PostgreSQL. Baselines
// in the same rounds: the CLI's start-up alone (`--help`; and `audit verify`, which opens the database and
// walks the chain as restore does), and what the command wraps: `cp -a` of the data directory (PGlite),
// bare `pg_dump -Fc` / `pg_restore` of the same database (PostgreSQL). The CLI runs as `npm run lab` runs
// it (node with tsx's loader), without npm in front. Variants rotate order from round to round.
// Restore on PGlite goes back into the same data directory (the restored copy is the live one after).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { findPgTool, libpqConnection } from '../apps/lab/src/backup/pg-tools.ts';

const PG_URL = process.env['BENCH_DATABASE_URL'] || process.env['TEST_DATABASE_URL'];
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
/** Samples added to the demo's 200 for the larger database. */
const SAMPLES = Number(process.env['BENCH_SAMPLES'] ?? 2000);
const DATABASES = (process.env['BENCH_DATABASES'] ?? (PG_URL ? 'pglite,postgres' : 'pglite')).split(',');
const CLI = ['--import', 'tsx', 'apps/lab/src/cli.ts'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const MB = (bytes: number) => Math.round(bytes / 1e4) / 100;

/** Runs a command to completion; its wall time in ms. Exit codes other than `ok` fail the bench. */
async function timed(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  ok: number[] = [0],
): Promise<number> {
  const t0 = performance.now();
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  const ms = performance.now() - t0;
  if (code === null || !ok.includes(code))
    throw new Error(`${[command, ...args].join(' ')} exited ${code}: ${stderr.trim()}`);
  return ms;
}

/** Bytes under a path (files only, as `du -b --apparent-size` counts them). */
async function sizeOf(path: string): Promise<number> {
  const s = await stat(path);
  if (!s.isDirectory()) return s.size;
  let total = 0;
  for (const name of await readdir(path)) total += await sizeOf(join(path, name));
  return total;
}

type Step = { name: string; run: (round: number) => Promise<number> };

/**
 * Every step once per round. Groups run in the order given (a restore needs its round's backup); within a
 * group (a baseline and the command it is compared with), the order rotates from round to round.
 */
async function measure(label: string, groups: Step[][]): Promise<Record<string, number[]>> {
  const times: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const group of groups) {
      for (const step of group.map((_, i) => group[(i + round) % group.length]!)) {
        const ms = await step.run(round);
        times[step.name] = [...(times[step.name] ?? []), ms];
        console.log(`${label} round ${round + 1} ${step.name}: ${Math.round(ms)} ms`);
      }
    }
  }
  return times;
}

/** Medians and rounds, and each command against its baselines: minus the CLI's start-up, and as a ratio. */
function summarise(times: Record<string, number[]>, copyBaseline: string, restoreBaseline: string) {
  const m = (name: string) => Math.round(median(times[name] ?? []));
  const startup = m('baseline: cli --help');
  const against = (name: string, baseline: string) => ({
    median_ms: m(name),
    minus_cli_startup_ms: m(name) - startup,
    [`ratio_to_${baseline.replace(/^baseline: /, '')}`]: Math.round((m(name) / m(baseline)) * 10) / 10,
  });
  return {
    backup: against('backup', copyBaseline),
    restore: against('restore', restoreBaseline),
    rounds: Object.fromEntries(
      Object.entries(times).map(([name, ms]) => [
        name,
        { median_ms: Math.round(median(ms)), per_round_ms: ms.map(Math.round) },
      ]),
    ),
  };
}

interface Lab {
  root: string;
  env: Record<string, string>;
}

async function newLab(databaseUrl: string): Promise<Lab> {
  const root = await mkdtemp(join(tmpdir(), 'bench-backup-'));
  return {
    root,
    env: {
      POLYMORPH_DATA_DIR: join(root, 'data'),
      POLYMORPH_AUDIT_HEAD_FILE: join(root, 'state', 'audit-head.json'),
      POLYMORPH_DEMO_PASSWORD:
        process.env['POLYMORPH_DEMO_PASSWORD'] || `Quartz-Lantern-${randomBytes(6).toString('hex')}`,
      POLYMORPH_LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
    },
  };
}

const seedDemo = async (lab: Lab) =>
  Math.round(await timed(process.execPath, [...CLI, 'seed-demo'], lab.env));
const grow = async (lab: Lab, samples: number) =>
  Math.round(
    await timed(process.execPath, ['--import', 'tsx', 'bench/lab-grow.ts', String(samples)], lab.env),
  );

async function benchPglite(lab: Lab, size: string, tag: string) {
  const data = lab.env['POLYMORPH_DATA_DIR']!;
  const backupOf = (round: number) => join(lab.root, `backup-${tag}-${round}`);
  const times = await measure(`PGlite ${size}`, [
    [
      { name: 'baseline: cli --help', run: () => timed(process.execPath, [...CLI, '--help'], lab.env) },
      // Exit 4 is an intact but unsealed tail: still a full walk of the chain.
      {
        name: 'baseline: cli audit verify',
        run: () => timed(process.execPath, [...CLI, 'audit', 'verify'], lab.env, [0, 4]),
      },
    ],
    [
      {
        name: 'baseline: cp -a data dir',
        run: (r) => timed('cp', ['-a', data, join(lab.root, `copy-${tag}-${r}`)]),
      },
      {
        name: 'backup',
        run: (r) => timed(process.execPath, [...CLI, 'backup', '--out', backupOf(r)], lab.env),
      },
    ],
    [
      {
        name: 'restore',
        run: (r) => timed(process.execPath, [...CLI, 'restore', '--from', backupOf(r)], lab.env),
      },
    ],
  ]);
  const sizes = {
    data_dir_mb: MB(await sizeOf(data)),
    backup_mb: MB(await sizeOf(backupOf(0))),
  };
  // restore keeps the replaced contents beside the data directory; they are not part of the measure.
  for (const name of await readdir(lab.root))
    if (name.startsWith('data.before-restore-')) await rm(join(lab.root, name), { recursive: true });
  return { sizes, ...summarise(times, 'baseline: cp -a data dir', 'baseline: cp -a data dir') };
}

interface PostgresContext {
  admin: pg.Client;
  /** The database the lab uses, backed up every round. */
  source: string;
  /** A new empty database's URL; all are dropped by close(). */
  createDatabase(): Promise<string>;
  close(): Promise<void>;
}

async function postgresContext(adminUrl: string): Promise<PostgresContext> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const databases: string[] = [];
  const createDatabase = async () => {
    const name = `bench_backup_${randomBytes(5).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${name}`);
    databases.push(name);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  return {
    admin,
    source: await createDatabase(),
    createDatabase,
    close: async () => {
      for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

async function benchPostgres(
  { admin, source, createDatabase }: PostgresContext,
  lab: Lab,
  size: string,
  tag: string,
) {
  const pgDump = findPgTool('pg_dump');
  const pgRestore = findPgTool('pg_restore');
  const libpq = (url: string) => libpqConnection(url);
  const bareDump = (round: number) => join(lab.root, `bare-${tag}-${round}.dump`);
  const backupOf = (round: number) => join(lab.root, `backup-${tag}-${round}`);
  // Each restore goes into a fresh database (created before the clock starts), with its own copy of the
  // signed head file: the restore signs a checkpoint on its database and moves that file on.
  const restoreTarget = async () => {
    const url = await createDatabase();
    const state = join(lab.root, `state-${randomBytes(3).toString('hex')}`);
    await mkdir(state);
    // No file yet when no checkpoint has been signed.
    await copyFile(lab.env['POLYMORPH_AUDIT_HEAD_FILE']!, join(state, 'audit-head.json')).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      },
    );
    return { url, headFile: join(state, 'audit-head.json') };
  };
  const times = await measure(`PostgreSQL ${size}`, [
    [{ name: 'baseline: cli --help', run: () => timed(process.execPath, [...CLI, '--help'], lab.env) }],
    [
      {
        name: 'baseline: pg_dump -Fc',
        run: (r) => {
          const { dbname, env } = libpq(source);
          return timed(pgDump, ['--format=custom', `--file=${bareDump(r)}`, `--dbname=${dbname}`], env);
        },
      },
      {
        name: 'backup',
        run: (r) => timed(process.execPath, [...CLI, 'backup', '--out', backupOf(r)], lab.env),
      },
    ],
    [
      {
        name: 'baseline: pg_restore',
        run: async (r) => {
          const { url } = await restoreTarget();
          const { dbname, env } = libpq(url);
          return timed(
            pgRestore,
            [
              '--no-owner',
              '--no-acl',
              '--exit-on-error',
              '--single-transaction',
              `--dbname=${dbname}`,
              bareDump(r),
            ],
            env,
          );
        },
      },
      {
        name: 'restore',
        run: async (r) => {
          const { url, headFile } = await restoreTarget();
          return timed(process.execPath, [...CLI, 'restore', '--from', backupOf(r)], {
            ...lab.env,
            DATABASE_URL: url,
            POLYMORPH_AUDIT_HEAD_FILE: headFile,
          });
        },
      },
    ],
  ]);
  const dbSize = await admin.query<{ size: string }>('SELECT pg_database_size($1)::text AS size', [
    new URL(source).pathname.slice(1),
  ]);
  const sizes = {
    database_mb: MB(Number(dbSize.rows[0]!.size)),
    bare_dump_mb: MB(await sizeOf(bareDump(0))),
    backup_mb: MB(await sizeOf(backupOf(0))),
  };
  return { sizes, ...summarise(times, 'baseline: pg_dump -Fc', 'baseline: pg_restore') };
}

const loadStart = loadavg()[0]!;
const results: Record<string, unknown> = {};
const sizes: [string, number][] = [
  ['demo', 0],
  [`demo + ${SAMPLES} samples`, SAMPLES],
];
// One lab per database: measured as seed-demo leaves it, then again after growing it.
for (const kind of DATABASES) {
  if (kind !== 'pglite' && !(kind === 'postgres' && PG_URL)) {
    console.error(
      `BENCH_DATABASES: unknown or unavailable "${kind}" (postgres needs BENCH_DATABASE_URL or TEST_DATABASE_URL)`,
    );
    process.exit(2);
  }
  const postgres = kind === 'postgres' && PG_URL ? await postgresContext(PG_URL) : null;
  const lab = await newLab(postgres?.source ?? '');
  try {
    const seed_ms = await seedDemo(lab);
    let grown = 0;
    for (const [i, [size, extra]] of sizes.entries()) {
      const grow_ms = extra > grown ? await grow(lab, extra - grown) : 0;
      grown = extra;
      const measured = postgres
        ? await benchPostgres(postgres, lab, size, String(i))
        : await benchPglite(lab, size, String(i));
      results[`${kind}, ${size}`] = { ...(i === 0 ? { seed_ms } : { grow_ms }), ...measured };
    }
  } finally {
    await rm(lab.root, { recursive: true, force: true });
    await postgres?.close();
  }
}
console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: `${cpus().length} x ${cpus()[0]?.model}, node ${process.version}, load avg ${loadStart.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}`,
      rounds: ROUNDS,
      ...results,
    },
    null,
    2,
  ),
);
