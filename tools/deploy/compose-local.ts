// Runs deploy/compose.yaml's services as local processes, for a machine without a Docker engine. A
// service gets exactly the environment the container would: its image's ENV, then compose's
// `environment:` (interpolated as compose does, from an empty env file), then PATH and HOME. The only
// changes are those a container's namespaces would make, and each is made here, in one place:
//   - the database host name in connection strings -> the local PostgreSQL (remapDatabaseHost);
//   - container paths (/run/secrets, volumes, /app) -> local directories (ContainerPaths);
//   - the container's listening port -> a free local port (the published port is the same number).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  secrets?: string[];
  volumes?: string[];
  ports?: string[];
}
export interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
}

export function loadCompose(): ComposeFile {
  return parse(readFileSync(join(DEPLOY_DIR, 'compose.yaml'), 'utf8'), { merge: true }) as ComposeFile;
}

/** Compose's interpolation of `${VAR:-default}` and `${VAR:?message}` against the given env file. */
export function interpolate(value: string, envFile: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, op?: string, arg?: string) => {
    const set = envFile[name];
    if (set !== undefined && set !== '') return set;
    if (op === '-') return arg ?? '';
    throw new Error(`compose would stop: ${name} is required (${arg ?? 'no message'})`);
  });
}

export interface Image {
  env: Record<string, string>;
  workdir: string;
  cmd: string[];
}

/** ENV, WORKDIR and CMD of a Dockerfile's last (runtime) stage. */
export function readImage(dockerfile: string): Image {
  const text = readFileSync(join(REPO_ROOT, dockerfile), 'utf8');
  const stage = text.slice(text.lastIndexOf('\nFROM '));
  const instructions = stage.replace(/\\\n\s*/g, ' ').split('\n');
  const env: Record<string, string> = {};
  let workdir = '/';
  let cmd: string[] = [];
  for (const line of instructions) {
    const [keyword, ...rest] = line.trim().split(/\s+/);
    if (keyword === 'ENV')
      for (const pair of rest) {
        const at = pair.indexOf('=');
        env[pair.slice(0, at)] = pair.slice(at + 1);
      }
    if (keyword === 'WORKDIR') workdir = rest.join(' ');
    if (keyword === 'CMD') cmd = JSON.parse(rest.join(' ')) as string[];
  }
  return { env, workdir, cmd };
}

/** Container path prefixes and the local directories that stand for them, longest prefix first. */
export class ContainerPaths {
  private readonly mounts: [string, string][];
  constructor(mounts: Record<string, string>) {
    this.mounts = Object.entries(mounts).sort((a, b) => b[0].length - a[0].length);
  }
  local(path: string): string {
    for (const [inside, outside] of this.mounts)
      if (path === inside || path.startsWith(`${inside}/`)) return outside + path.slice(inside.length);
    return path;
  }
}

/** The connection string a container would use, pointed at the local PostgreSQL instead of the service. */
export function remapDatabaseHost(
  url: string,
  service: string,
  local: { host: string; port: number },
): string {
  return url.replace(`@${service}:5432/`, `@${local.host}:${local.port}/`);
}

/**
 * Mounts a service's secrets as compose does (each listed one at /run/secrets/NAME): copies of the files
 * in secretsDir, in a directory of the service's own. `transform` is where a remap applies.
 */
export function mountSecrets(
  compose: ComposeFile,
  service: string,
  secretsDir: string,
  mountDir: string,
  transform: (name: string, text: string) => string = (_, t) => t,
): void {
  mkdirSync(mountDir, { recursive: true, mode: 0o755 });
  for (const name of compose.services[service]?.secrets ?? []) {
    const file = compose.secrets[name]?.file;
    if (!file) throw new Error(`${service}: secret ${name} is not declared with a file`);
    const source = join(secretsDir, file.replace(/^\.\/secrets\//, ''));
    const text = readFileSync(source, 'utf8');
    const changed = transform(name, text);
    if (changed === text) copyFileSync(source, join(mountDir, name));
    else writeFileSync(join(mountDir, name), changed);
    chmodSync(join(mountDir, name), 0o644);
  }
}

/** The environment of a service's container; paths and its port remapped, nothing else. */
export function serviceEnvironment(
  compose: ComposeFile,
  service: string,
  paths: ContainerPaths,
  home: string,
  port?: { variable: string; local: number },
): Record<string, string> {
  const s = compose.services[service]!;
  const image = s.build ? readImage(s.build.dockerfile).env : {};
  const env: Record<string, string> = { ...image };
  for (const [name, value] of Object.entries(s.environment ?? {})) env[name] = interpolate(String(value), {});
  for (const [name, value] of Object.entries(env)) env[name] = paths.local(value);
  if (port) env[port.variable] = String(port.local);
  return { ...env, PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, HOME: home };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Running {
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  stop: () => Promise<void>;
}

/** Starts argv (a container's command, run from its WORKDIR) with exactly env. */
export function run(argv: string[], env: Record<string, string>, cwd: string): Running {
  const [file, ...args] = argv;
  const child = spawn(file!, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    stdout: () => out,
    stderr: () => err,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs a command as the OS user PostgreSQL needs (it refuses root), synchronously. */
export function asPostgresUser(argv: string[], env: Record<string, string> = {}): string {
  const root = process.getuid?.() === 0;
  const [file, ...args] = root ? ['runuser', '-u', 'postgres', '--', 'env', ...envArgs(env), ...argv] : argv;
  const r = spawnSync(file!, args, {
    encoding: 'utf8',
    env: root ? { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } : { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

function envArgs(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}
