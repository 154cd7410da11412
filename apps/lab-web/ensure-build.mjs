// Run by `npm start` before the lab: builds the web UI when dist/ is missing or older than any of its
// sources, and otherwise returns at once (a few stat calls), so a current build costs nothing.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const SOURCES = ['index.html', 'vite.config.ts', 'package.json', 'tsconfig.json', 'src'];
// Written by the build itself, or not part of what the browser gets.
const SKIP = (name) => name === 'generated' || name === 'testing' || name.endsWith('.test.ts');

/** The newest modification time under a path, in ms. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (!SKIP(entry)) latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

function builtAt() {
  try {
    return statSync(join(here, 'dist', 'index.html')).mtimeMs;
  } catch {
    return -1;
  }
}

const sourcesAt = Math.max(...SOURCES.map((s) => newest(join(here, s))));
if (builtAt() < sourcesAt) {
  console.error('web UI: building apps/lab-web (sources changed or no build yet)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // A caller's NODE_ENV (vitest sets `test`) would make Vite bundle React's development build.
  const env = { ...process.env, NODE_ENV: 'production' };
  const result = spawnSync(npm, ['run', 'build'], { cwd: here, stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
