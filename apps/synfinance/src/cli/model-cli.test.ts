// train / evaluate on a foreign table (other column names), as a user runs them: real files, the
// real CLI process for what the user sees (exit codes, stdout/stderr), in-process for the numbers.
import fs from 'node:fs';
import path from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { averagePrecision } from '../fraud/evaluation/metrics.ts';
import { isoDay } from '../fraud/features/dataset.ts';
import { evaluateFile, trainFromFile } from '../fraud/training/train.ts';
import { REPO_ROOT, runCli, tmpDir } from '../generator/test-helpers.ts';
import { foreignRows, writeForeignCsv } from './foreign-table.test-helper.ts';

const dir = tmpDir('sf-model-cli-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const f = (name: string) => path.join(dir, name);
const FOREIGN = [
  '--label',
  'TX_FRAUD',
  '--features',
  'TX_AMOUNT,TERMINAL_ID',
  '--trees',
  '20',
  '--depth',
  '3',
];

beforeAll(() => {
  writeForeignCsv(f('a.csv'), foreignRows({ seed: 1, firstDay: 0, days: 30 }));
  writeForeignCsv(f('b.csv'), foreignRows({ seed: 2, firstDay: 30, days: 15 }));
  // no time column at all, and two of them
  writeForeignCsv(f('notime.csv'), foreignRows({ seed: 3, firstDay: 0, days: 10 }), [
    'CUSTOMER_ID',
    'TERMINAL_ID',
    'TX_AMOUNT',
    'TX_FRAUD',
  ]);
  const two = foreignRows({ seed: 4, firstDay: 0, days: 10 });
  fs.writeFileSync(
    f('twotimes.csv'),
    `TX_DATETIME,POSTED,TX_AMOUNT,TERMINAL_ID,TX_FRAUD\n${two.map((r) => `${r.TX_DATETIME},${r.TX_DATETIME.slice(0, 10)},${r.TX_AMOUNT},${r.TERMINAL_ID},${r.TX_FRAUD}`).join('\n')}\n`,
  );
  writeForeignCsv(f('short.csv'), foreignRows({ seed: 5, firstDay: 0, days: 3 }));
});

describe('train on this file, evaluate on that one (foreign column names)', () => {
  it('trains on every row with --test-days 0, evaluates on a later file with CP@k over the named entity column', () => {
    const t = runCli([
      'train',
      '--data',
      f('a.csv'),
      ...FOREIGN,
      '--entity-column',
      'CUSTOMER_ID',
      '--test-days',
      '0',
      '--model',
      f('out/sub/m.json'),
    ]);
    expect(t.stderr, t.stdout).not.toMatch(/error/);
    expect(t.status).toBe(0);
    // progress on stderr, summary on stdout, dates as dates
    expect(t.stderr).toMatch(/reading .*a\.csv/);
    expect(t.stderr).toMatch(/fitting gbdt/);
    expect(t.stdout).not.toMatch(/reading/);
    expect(t.stdout).toMatch(/every row \(2018-04-01 to 2018-04-30\), no test period/);
    const model = JSON.parse(fs.readFileSync(f('out/sub/m.json'), 'utf8'));
    expect(model.fraud.split).toMatchObject({
      kind: 'all-rows',
      train_rows: foreignRows({ seed: 1, firstDay: 0, days: 30 }).length,
      time_column: 'TX_DATETIME',
      entity_column: 'CUSTOMER_ID',
    });
    expect(model.metrics).toEqual({});

    const e = runCli([
      'evaluate',
      '--model',
      f('out/sub/m.json'),
      '--data',
      f('b.csv'),
      '--report',
      f('r.json'),
    ]);
    expect(e.status, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/2018-05-01 to 2018-05-15/);
    const r = JSON.parse(fs.readFileSync(f('r.json'), 'utf8'));
    expect(r.rows).toBe(foreignRows({ seed: 2, firstDay: 30, days: 15 }).length);
    expect(r.card_precision_at_k.days.length).toBe(15);
    expect(r.average_precision).toBeGreaterThan(0.9);
  });

  it('detects the time column by its values, and CP@k follows --entity-column only', async () => {
    const common = {
      data: f('a.csv'),
      label: 'TX_FRAUD',
      features: ['TX_AMOUNT', 'TERMINAL_ID'],
      testDays: 8,
      gapDays: 2,
      gbdt: { nTrees: 10, maxDepth: 3 },
    };
    const without = await trainFromFile(common);
    expect(without.file.fraud.split.time_column).toBe('TX_DATETIME');
    expect(without.report!.card_precision_at_k).toBeNull();
    expect(without.split.removed_known_compromised).toBeNull();
    const withEntity = await trainFromFile({ ...common, entityColumn: 'CUSTOMER_ID' });
    expect(withEntity.report!.card_precision_at_k!.days.length).toBe(8);
  });
});

describe('the test report leaves out cards already known to be compromised', () => {
  it('removes them from the printed report and the model file alike', async () => {
    const rows = foreignRows({ seed: 1, firstDay: 0, days: 30 });
    const res = await trainFromFile({
      data: f('a.csv'),
      label: 'TX_FRAUD',
      features: ['TX_AMOUNT', 'TERMINAL_ID'],
      entityColumn: 'CUSTOMER_ID',
      testDays: 8,
      gapDays: 2,
      gbdt: { nTrees: 10, maxDepth: 3 },
    });
    // test days 2018-04-23..30; known compromised: a fraud on or before 2018-04-22 (train + gap)
    const testStart = '2018-04-23';
    const known = new Set(
      rows.filter((r) => r.TX_DATETIME < testStart && r.TX_FRAUD).map((r) => r.CUSTOMER_ID),
    );
    const inTest = rows.filter((r) => r.TX_DATETIME >= testStart);
    const kept = inTest.filter((r) => !known.has(r.CUSTOMER_ID));
    expect(known.size).toBeGreaterThan(0);
    expect(res.split.test_dates).toEqual([testStart, '2018-04-30']);
    expect(res.split.removed_known_compromised).toBe(inTest.length - kept.length);
    const report = res.report!;
    expect(report.rows).toBe(kept.length);
    expect(report.frauds).toBe(kept.filter((r) => r.TX_FRAUD).length);
    // the model file saves the same numbers as the report printed
    expect(res.file.metrics).toMatchObject({
      test_rows: report.rows,
      test_frauds: report.frauds,
      average_precision: report.average_precision,
      card_precision_at_k: report.card_precision_at_k!.mean,
    });
    // evaluate --test-days on the same file removes the same cards (earlier rows are history)
    fs.writeFileSync(f('k.json'), JSON.stringify(res.file));
    const ev = await evaluateFile({ model: f('k.json'), data: f('a.csv'), testDays: 8 });
    expect(ev.report.rows).toBe(kept.length);
    expect(ev.removedKnownCompromised).toBe(inTest.length - kept.length);
    expect(ev.report.average_precision).toBeCloseTo(report.average_precision, 12);
    expect(
      averagePrecision(ev.rows.length ? Array.from(ev.rows, (i) => ev.dataset.y[i]!) : [], ev.probs),
    ).toBe(ev.report.average_precision);
  });
});

describe('errors name the real cause (exit 2, one line)', () => {
  const fails = (args: string[], msg: RegExp) => {
    const r = runCli(args);
    expect(r.status, r.stderr).toBe(2);
    // progress lines may come first; the error is one line
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('synfinance'));
    expect(lines.length, r.stderr).toBe(1);
    expect(lines[0]).toMatch(msg);
  };
  it('a table without a usable time column is an error naming the options, never a row-order split', () => {
    fails(
      ['train', '--data', f('notime.csv'), ...FOREIGN, '--model', f('x.json')],
      /no column holds dates or times \(columns: CUSTOMER_ID, TERMINAL_ID, TX_AMOUNT, TX_FRAUD\): name one with --time-col, or train on every row with --test-days 0/,
    );
    fails(
      ['train', '--data', f('twotimes.csv'), ...FOREIGN, '--model', f('x.json')],
      /several columns hold times \(TX_DATETIME, POSTED\): choose one with --time-col/,
    );
    expect(fs.existsSync(f('x.json'))).toBe(false);
  });
  it('a short table blames the default test and gap days, not a --valid-days nobody passed', () => {
    fails(
      ['train', '--data', f('short.csv'), ...FOREIGN, '--time-col', 'TX_DATETIME', '--model', f('x.json')],
      /spans 3 days \(2018-04-01 to 2018-04-03, column TX_DATETIME\): 1 test day \(default: 30% of the days\) and 1 gap day \(default: up to 7\) leave 1 training day, and the validation period needs 2/,
    );
  });
});

describe('help and outputs', () => {
  it('--help on every subcommand prints its full usage and exits 0', () => {
    for (const cmd of ['generate', 'profile', 'serve', 'quality', 'train', 'evaluate', 'features']) {
      const r = runCli([cmd, '--help']);
      expect(r.status, `${cmd}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`synfinance ${cmd}`));
    }
    const t = runCli(['train', '--data', 'x', '--help']);
    expect(t.stdout).toMatch(/--entity-column COL/);
    expect(t.stdout).toMatch(/--test-days N .*0 = train on every row/);
  });
  it('--model - writes the model to stdout and the summary to stderr', () => {
    const r = runCli(['train', '--data', f('a.csv'), ...FOREIGN, '--test-days', '5', '--model', '-']);
    expect(r.status, r.stderr).toBe(0);
    const model = JSON.parse(r.stdout);
    expect(model.fraud.split.test_dates).toEqual(['2018-04-26', '2018-04-30']);
    expect(r.stderr).toMatch(/model written to stdout/);
    expect(fs.existsSync(path.join(REPO_ROOT, '-'))).toBe(false);
    expect(isoDay(model.fraud.split.test_days[0])).toBe('2018-04-26');
  });
});

describe('time columns are found by type in Parquet', () => {
  it('a TIMESTAMP column is the time column whatever its name; text ids are not', async () => {
    const rows = foreignRows({ seed: 6, firstDay: 0, days: 20 });
    const file = f('typed.parquet');
    parquetWriteFile({
      filename: file,
      columnData: [
        {
          name: 'WHEN',
          data: rows.map((r) => new Date(`${r.TX_DATETIME.replace(' ', 'T')}Z`)),
          type: 'TIMESTAMP',
        },
        { name: 'CUSTOMER_ID', data: rows.map((r) => r.CUSTOMER_ID), type: 'STRING' },
        { name: 'TX_AMOUNT', data: rows.map((r) => r.TX_AMOUNT), type: 'DOUBLE' },
        { name: 'TX_FRAUD', data: rows.map((r) => r.TX_FRAUD), type: 'INT32' },
      ],
    });
    const res = await trainFromFile({
      data: file,
      label: 'TX_FRAUD',
      features: ['TX_AMOUNT'],
      testDays: 3,
      gapDays: 1,
      gbdt: { nTrees: 5, maxDepth: 2 },
    });
    expect(res.file.fraud.split.time_column).toBe('WHEN');
    expect(res.split.test_dates).toEqual(['2018-04-18', '2018-04-20']);
  });
});
