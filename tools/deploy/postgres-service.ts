// The compose `postgres` service on a local cluster: what the postgres image's entrypoint does on an
// empty volume (initdb with the superuser's password, host connections by password, local ones by
// trust; create POSTGRES_DB; run /docker-entrypoint-initdb.d/*.sh with psql on the socket), with the
// service's own environment and secrets. The PostgreSQL binaries are Debian's.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asPostgresUser, type ComposeFile, ContainerPaths, DEPLOY_DIR, freePort } from './compose-local.ts';

export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  return readdirSync(root)
    .map((v) => join(root, v, 'bin'))
    .find((d) => existsSync(join(d, 'initdb')));
}

export interface PostgresService {
  host: string;
  port: number;
  /** psql as the superuser over TCP with its password, as an operator would; returns rows as text. */
  query: (sql: string) => string;
  stop: () => void;
}

export async function startPostgresService(
  compose: ComposeFile,
  dir: string,
  secretsMount: string,
): Promise<PostgresService> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
  const service = compose.services['postgres']!;
  const paths = new ContainerPaths({ '/run/secrets': secretsMount });
  const env = Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, paths.local(String(v))]),
  );
  const user = env['POSTGRES_USER']!;
  const db = env['POSTGRES_DB']!;
  const data = join(dir, 'data');
  const socket = join(dir, 'socket');
  mkdirSync(socket, { recursive: true });
  chmodSync(dir, 0o755);
  if (process.getuid?.() === 0) for (const d of [dir, socket]) chownSync(d, uidOf('postgres'), 0);
  asPostgresUser([
    join(bin, 'initdb'),
    '-D',
    data,
    '-U',
    user,
    `--pwfile=${env['POSTGRES_PASSWORD_FILE']}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
  ]);
  const port = await freePort();
  const options = `-h 127.0.0.1 -p ${port} -k ${socket} -c fsync=off`;
  asPostgresUser([join(bin, 'pg_ctl'), '-D', data, '-l', join(dir, 'log'), '-w', '-o', options, 'start']);
  const local = { PGHOST: socket, PGPORT: String(port) };
  asPostgresUser(
    [
      join(bin, 'psql'),
      '-U',
      user,
      '-d',
      'postgres',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `CREATE DATABASE "${db}"`,
    ],
    local,
  );
  for (const script of initScripts(compose)) asPostgresUser(['sh', script], { ...env, ...local });
  const password = readFileSync(env['POSTGRES_PASSWORD_FILE']!, 'utf8').trim();
  return {
    host: '127.0.0.1',
    port,
    query: (sql) => {
      const r = spawnSync(
        join(bin, 'psql'),
        [
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          user,
          '-d',
          db,
          '-At',
          '-v',
          'ON_ERROR_STOP=1',
          '-c',
          sql,
        ],
        { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PGPASSWORD: password } },
      );
      if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
      return r.stdout.trim();
    },
    stop: () => {
      try {
        asPostgresUser([join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop']);
      } catch {
        // already stopped
      }
    },
  };
}

/** The host files compose mounts into /docker-entrypoint-initdb.d, in the order the image runs them. */
function initScripts(compose: ComposeFile): string[] {
  return (compose.services['postgres']!.volumes ?? [])
    .map((v) => v.split(':'))
    .filter(([, inside]) => inside?.startsWith('/docker-entrypoint-initdb.d/'))
    .sort((a, b) => a[1]!.localeCompare(b[1]!))
    .map(([outside]) => join(DEPLOY_DIR, outside!));
}

function uidOf(user: string): number {
  const r = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}
