// Secrets mounted as files (compose `secrets:`, Kubernetes volumes) instead of set in the environment,
// where `docker inspect` and /proc/PID/environ would show them. Each app lists its secret variables;
// NAME_FILE holds the path of a file whose content becomes NAME. Read once, at start; no message ever
// contains a value.
import { readFileSync } from 'node:fs';

export type Env = Readonly<Record<string, string | undefined>>;

/** Builds the app's own configuration error, which names the variable at fault. */
export type ConfigErrorFactory = (variable: string, message: string) => Error;

/**
 * Returns env with NAME set from the file named by NAME_FILE, for each NAME in names. Setting both is an
 * error (which one wins would be a guess); so is a file that is missing, unreadable or empty. One final
 * line break is dropped, as `echo` and editors add it.
 */
export function withSecretFiles(env: Env, names: readonly string[], error: ConfigErrorFactory): Env {
  const resolved: Record<string, string | undefined> = { ...env };
  for (const name of names) {
    const fileVariable = `${name}_FILE`;
    const path = env[fileVariable];
    if (path === undefined || path === '') continue;
    if (env[name] !== undefined && env[name] !== '')
      throw error(fileVariable, `set ${name} or ${fileVariable}, not both`);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw error(fileVariable, `cannot read the file ${path} (${code})`);
    }
    const value = text.replace(/\r?\n$/, '');
    if (value.trim() === '') throw error(fileVariable, `the file ${path} is empty`);
    resolved[name] = value;
  }
  return resolved;
}
