import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type PgTool = 'pg_dump' | 'pg_restore';

/** A PostgreSQL client tool that is missing or failed; the message says which and why. */
export class PgToolError extends Error {
  override readonly name = 'PgToolError';
}

const DEBIAN_VERSIONS_DIR = '/usr/lib/postgresql';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The tool on PATH, else the newest Debian/Ubuntu install (/usr/lib/postgresql/<major>/bin), where the
 * packages put the binaries without linking them onto PATH. pg_dump must be at least the server's version.
 */
export function findPgTool(tool: PgTool, path = process.env['PATH'] ?? ''): string {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    if (executable(join(dir, tool))) return join(dir, tool);
  }
  let versions: string[] = [];
  try {
    versions = readdirSync(DEBIAN_VERSIONS_DIR).filter((v) => /^\d+$/.test(v));
  } catch {
    // not a Debian layout
  }
  for (const v of versions.sort((a, b) => Number(b) - Number(a))) {
    const candidate = join(DEBIAN_VERSIONS_DIR, v, 'bin', tool);
    if (executable(candidate)) return candidate;
  }
  throw new PgToolError(
    `${tool} not found on PATH or in ${DEBIAN_VERSIONS_DIR}/*/bin: install the PostgreSQL client tools (Debian: apt-get install postgresql-client), at least the server's major version`,
  );
}

/**
 * The connection for libpq tools: the URL without its password, which goes in PGPASSWORD instead, so it
 * never shows in the process list or in an error message.
 */
export function libpqConnection(databaseUrl: string): { dbname: string; env: Record<string, string> } {
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  return { dbname: url.toString(), env: password ? { PGPASSWORD: password } : {} };
}

/** Runs the tool to completion; a non-zero exit is a PgToolError carrying its standard error. */
export async function runPgTool(tool: PgTool, databaseUrl: string, args: string[]): Promise<void> {
  const binary = findPgTool(tool);
  const { dbname, env } = libpqConnection(databaseUrl);
  const child = spawn(binary, [...args, `--dbname=${dbname}`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c) => resolve(c));
  });
  if (code !== 0) throw new PgToolError(`${tool} exited with ${code}: ${stderr.trim()}`);
}
