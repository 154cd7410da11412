// Test helper: a PDF as a reader sees it, through poppler-utils (pdftoppm, pdftotext) as real processes.
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';

const run = promisify(execFile);

export interface RenderedPdf {
  /** Per page, the pixels darker than near-white at 50 dpi. */
  inkPerPage: number[];
  /** pdftotext's text, whitespace runs collapsed to one space (lines wrap where the layout wraps them). */
  text: string;
}

/** Writes the bytes to `dir/name.pdf`, rasterises every page with `pdftoppm -r 50 -png` and extracts the text. */
export async function renderPdf(dir: string, name: string, bytes: Buffer): Promise<RenderedPdf> {
  const file = join(dir, `${name}.pdf`);
  await writeFile(file, bytes);
  await run('pdftoppm', ['-r', '50', '-png', file, join(dir, name)]);
  const pages = (await readdir(dir)).filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png')).sort();
  const inkPerPage: number[] = [];
  for (const page of pages) inkPerPage.push(inkOf(PNG.sync.read(await readFile(join(dir, page)))));
  const { stdout } = await run('pdftotext', [file, '-']);
  return { inkPerPage, text: stdout.replace(/\s+/g, ' ') };
}

function inkOf(png: PNG): number {
  let ink = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
    if (Math.min(r, g, b) < 200) ink++;
  }
  return ink;
}
