import { rename, rm, writeFile } from 'node:fs/promises';

/** Writes JSON to `<out>.tmp-<pid>` and renames it, so a failed run never leaves a truncated report. */
export async function writeJsonReport(out: string, report: unknown): Promise<void> {
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, `${JSON.stringify(report, null, 2)}\n`);
    await rename(tmp, out);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
