import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, runCli } from '../generator/test-helpers.ts';

describe('quality --reference REF --data FILE', () => {
  it('reports no drift for a dataset against itself, and amount drift once amounts are tripled', async () => {
    const { file, dir } = await generate(6000, 'csv', { days: 30 });
    const same = runCli(['quality', '--reference', file, '--data', file, '--json']);
    expect(same.status, same.stderr).toBe(0);
    const report = JSON.parse(same.stdout);
    expect(report.records).toBe(6000);
    expect(report.schema.violationsTotal).toBe(0);
    expect(report.fields.filter((f: { drifted: boolean }) => f.drifted)).toEqual([]);
    expect(report.quality.score).toBe(100);

    // Shift one field the way an upstream unit change would: every amount times three.
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    const header = lines[0]!.split(',');
    const amount = header.indexOf('amount');
    const shifted = [
      lines[0],
      ...lines.slice(1).map((l) => {
        const cells = l.split(',');
        // Rows with quoted JSON evidence contain commas; the amount column precedes them, so index is safe.
        cells[amount] = String(Number(cells[amount]) * 3);
        return cells.join(',');
      }),
    ].join('\n');
    const drifted = path.join(dir, 'drifted.csv');
    fs.writeFileSync(drifted, `${shifted}\n`);
    const result = runCli(['quality', '--reference', file, '--data', drifted, '--json']);
    const amountReport = JSON.parse(result.stdout).fields.find((f: { name: string }) => f.name === 'amount');
    expect(amountReport.driftVerdict).toBe('drift');
    expect(amountReport.drift.find((d: { method: string }) => d.method === 'psi').value).toBeGreaterThan(
      0.25,
    );
  });

  it('exits 2 with one line when an argument is missing or a file cannot be read', () => {
    const missing = runCli(['quality', '--data', 'x.csv']);
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim()).toBe('synfinance: error: quality: --reference and --data are required');
    const unreadable = runCli([
      'quality',
      '--reference',
      '/nonexistent/ref.csv',
      '--data',
      '/nonexistent/new.csv',
    ]);
    expect(unreadable.status).toBe(2);
    expect(unreadable.stderr).toContain('cannot read /nonexistent/ref.csv');
  });
});
