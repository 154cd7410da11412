import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { directoryBytes, registerDataDirUsage } from './data-dir-usage.ts';

let dir: string;
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('data directory usage', () => {
  it('sums the files under the directory, recursively', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dd-'));
    await writeFile(join(dir, 'a.bin'), Buffer.alloc(1000));
    await mkdir(join(dir, 'sub', 'deeper'), { recursive: true });
    await writeFile(join(dir, 'sub', 'deeper', 'b.bin'), Buffer.alloc(2345));
    expect(await directoryBytes(dir)).toBe(3345);
    expect(await directoryBytes(join(dir, 'missing'))).toBe(0);
  });

  it('exports app_data_dir_bytes{path} in Prometheus text, refreshed no more often than asked', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dd-'));
    await writeFile(join(dir, 'a.bin'), Buffer.alloc(500));
    const registry = new Registry();
    registerDataDirUsage(registry, dir, 60_000);
    expect(await registry.metrics()).toContain(`app_data_dir_bytes{path="${dir}"} 500`);
    await writeFile(join(dir, 'b.bin'), Buffer.alloc(500));
    // Cached: still the first figure within maxAge.
    expect(await registry.metrics()).toContain(`app_data_dir_bytes{path="${dir}"} 500`);
    const fresh = new Registry();
    registerDataDirUsage(fresh, dir, 0);
    expect(await fresh.metrics()).toContain(`app_data_dir_bytes{path="${dir}"} 1000`);
  });
});
