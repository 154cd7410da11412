import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Gauge, type Registry } from 'prom-client';

/** Total size in bytes of the regular files under `dir` (symlinks are not followed). Missing dir: 0. */
export async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await directoryBytes(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

/**
 * `app_data_dir_bytes{path}`: disk used by the app's data directory, measured at scrape time but at most
 * once per `maxAgeMs`, so a large directory never makes every scrape walk the tree.
 */
export function registerDataDirUsage(registry: Registry, dir: string, maxAgeMs = 30_000): Gauge {
  let measuredAt = 0;
  let bytes = 0;
  return new Gauge({
    name: 'app_data_dir_bytes',
    help: 'Bytes used by the files under the data directory',
    labelNames: ['path'] as const,
    registers: [registry],
    async collect() {
      if (Date.now() - measuredAt >= maxAgeMs) {
        bytes = await directoryBytes(dir);
        measuredAt = Date.now();
      }
      this.set({ path: dir }, bytes);
    },
  });
}
