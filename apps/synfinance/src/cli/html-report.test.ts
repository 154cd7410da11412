// `evaluate --html` in a real Chromium (Debian's, driven by playwright-core): the page loads with no
// request other than itself and no console error, and every chart is a drawn SVG with its marks.

// `evaluate --html` in a real Chromium (Debian's, driven by playwright-core): the page loads with no
// request other than itself and no console error, and every chart is a drawn SVG with its marks.
import fs, { existsSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelFileText, trainFromFile } from '../fraud/training/train.ts';
import { generate, runCli } from '../generator/test-helpers.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let browser: Browser;
let dir: string;
let page: string;

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} (apt-get install chromium)`).toBe(true);
  const g = await generate(6000, 'csv', { seed: 11, days: 30, fraudRate: 0.05 });
  dir = g.dir;
  const t = await trainFromFile({ data: g.file, testDays: 8, gapDays: 2, gbdt: { nTrees: 20, maxDepth: 3 } });
  const model = path.join(dir, 'm.json');
  fs.writeFileSync(model, modelFileText(t.file));
  page = path.join(dir, 'out', 'report.html');
  const r = runCli(['evaluate', '--model', model, '--data', g.file, '--test-days', '8', '--html', page]);
  expect(r.status, r.stderr).toBe(0);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('evaluate --html', () => {
  it('is one self-contained page whose charts render in Chromium', async () => {
    const html = fs.readFileSync(page, 'utf8');
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
    const p = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    p.on('pageerror', (e) => errors.push(e.message));
    p.on('request', (r) => requests.push(r.url()));
    await p.goto(`file://${page}`);
    expect(requests).toEqual([`file://${page}`]);
    expect(errors).toEqual([]);
    const charts = await p.$$eval('figure.chart', (figs) =>
      figs.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: f.id,
          title: f.querySelector('h2')?.textContent ?? '',
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          // drawn marks: lines are paths with a d attribute, bars and cells are paths too in vega's SVG
          marks: svg ? svg.querySelectorAll('path[d]:not([d=""])').length : 0,
          text: svg ? svg.querySelectorAll('text').length : 0,
        };
      }),
    );
    expect(charts.map((c) => c.id)).toEqual([
      'roc',
      'pr',
      'calibration',
      'confusion',
      'cost',
      'recall-by-type',
      'drift',
    ]);
    for (const c of charts) {
      expect(c.width, c.id).toBeGreaterThan(100);
      expect(c.height, c.id).toBeGreaterThan(50);
      expect(c.marks, c.id).toBeGreaterThan(3);
      expect(c.text, c.id).toBeGreaterThan(3); // axis labels, titles
    }
    // the confusion matrix shows the report's counts
    const report = await p.textContent('#confusion svg');
    expect(report).toMatch(/\d+ true positive/);
    expect(report).toMatch(/\d+ false alert/);
    await p.close();
  });
});
