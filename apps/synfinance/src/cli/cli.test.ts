import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CLI, generate, HANG_GUARD_MS, REPO_ROOT, runCli, tmpDir } from '../generator/test-helpers.ts';
import { deepMerge, loadConfig, substituteEnv } from './config.ts';
import { parseGenerateArgs, runGenerate } from './generate.ts';
import { compareWithTargets, nrmse, profileFile } from './profile.ts';

const good = (out: string) => [
  '--count',
  '1000',
  '--seed',
  '1',
  '--fraud-rate',
  '0.02',
  '--start',
  '2025-01-01',
  '--days',
  '30',
  '--format',
  'csv',
  '--out',
  out,
];

describe('generate: bad input exits 2 with one clear line and leaves no file', () => {
  const cases: [string, (out: string) => string[], RegExp][] = [
    ['negative count', (o) => [...good(o), '--count', '-5'], /--count must be >= 1/],
    ['unknown format', (o) => [...good(o), '--format', 'xml'], /--format must be csv, jsonl or parquet/],
    ['impossible date', (o) => [...good(o), '--start', '2025-02-30'], /--start must be a real date/],
    [
      'path under a file',
      () => good('/dev/null/sub/x.csv'),
      /cannot write to .*: \/dev\/null is not a directory/,
    ],
    ['unknown flag', (o) => [...good(o), '--bogus', '1'], /Unknown option/],
    [
      'bad difficulty',
      (o) => [...good(o), '--difficulty', 'insane'],
      /--difficulty must be easy, default or hard/,
    ],
  ];
  // one CLI process per case is slow on a shared 2-core machine; run the parse in-process for all
  // cases and spawn the real CLI for two of them
  for (const [name, args, msg] of cases) {
    it(`${name} (in-process parse)`, () => {
      const dir = tmpDir();
      const out = path.join(dir, 'x.csv');
      expect(() => parseGenerateArgs(args(out), {})).toThrow(msg);
      expect(fs.readdirSync(dir)).toEqual([]);
    });
  }
  it('the real CLI process exits 2, prints one line on stderr, writes nothing', () => {
    for (const [, args, msg] of [cases[0]!, cases[2]!]) {
      const dir = tmpDir();
      const out = path.join(dir, 'x.csv');
      const res = runCli(['generate', ...args(out)]);
      expect(res.status).toBe(2);
      const lines = res.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('synfinance'));
      expect(lines.length).toBe(1);
      expect(lines[0]).toMatch(msg);
      expect(fs.readdirSync(dir)).toEqual([]);
    }
  });
});

describe('generate: output folders', () => {
  it('creates the missing folders above --out when it runs; a refused command creates none', async () => {
    const dir = tmpDir();
    const out = path.join(dir, 'a', 'b', 'x.csv');
    expect(() => parseGenerateArgs([...good(out), '--count', '-5'], {})).toThrow(/--count must be >= 1/);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(await runGenerate([...good(out), '--workers', '0', '--quiet'], {})).toBe(0);
    expect(fs.readFileSync(out, 'utf8').split('\n').length).toBeGreaterThan(1000);
  });
});

describe('generate: an interrupted run leaves no file under the final name', () => {
  it('SIGINT mid-run removes the temporary files and exits 130', async () => {
    const dir = tmpDir();
    const out = path.join(dir, 'big.csv');
    // node itself, not the tsx CLI: tsx relays SIGINT to its child and SIGKILLs it when the child does
    // not acknowledge within 30 ms, which a loaded machine misses (the run then leaves its temp files).
    const args = [CLI, 'generate', ...good(out), '--count', '5000000', '--workers', '1'];
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO_ROOT });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    // wait until the temporary file exists and has data, then interrupt
    await vi.waitFor(
      () => {
        const tmp = fs.readdirSync(dir).find((f) => f.startsWith('.big.csv.tmp'));
        expect(tmp && fs.statSync(path.join(dir, tmp)).size, `temp file; stdout: ${stdout}`).toBeGreaterThan(
          1_000_000,
        );
      },
      { timeout: HANG_GUARD_MS, interval: 100 },
    );
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(130);
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('config profiles', () => {
  it('substitutes $VAR and $VAR:-default placeholders', () => {
    const env = { A: 'x', EMPTY: '' };
    const d = '$';
    expect(substituteEnv(`a=${d}{A} b=${d}{B:-7} c=${d}{B} d=${d}{EMPTY:-d}`, env)).toBe('a=x b=7 c= d=d');
  });
  it('merges default <- profile <- flags, with env substitution', () => {
    const cfg = loadConfig({ profile: 'development' }, { SYNFINANCE_SEED: '99' });
    expect((cfg.generator as Record<string, unknown>).seed).toBe(99);
    expect((cfg.generator as Record<string, unknown>).days).toBe(90);
    expect((cfg.fraud as Record<string, unknown>).rate).toBe(0.02);
    const dir = tmpDir();
    const job = parseGenerateArgs(
      ['--profile', 'test', '--out', path.join(dir, 'a.csv'), '--days', '10'],
      {},
    );
    expect(job.params.seed).toBe(7);
    expect(job.params.days).toBe(10);
    expect(job.params.fraudRate).toBe(0.05);
    expect(deepMerge({ a: { b: 1, c: 2 } }, { a: { c: 3 } })).toEqual({ a: { b: 1, c: 3 } });
  });
  it('an unknown profile or missing config file is a usage error', () => {
    expect(() => loadConfig({ profile: 'staging' }, {})).toThrow(/unknown profile/);
    expect(() => loadConfig({ file: '/nonexistent.yaml' }, {})).toThrow(/cannot read config file/);
  });
});

describe('profile', () => {
  it('reports NRMSE per figure and fails beyond tolerance', async () => {
    const g = await generate(40_000, 'csv');
    const p = await profileFile(g.file);
    expect(p.rows).toBe(40_000);
    expect(Object.keys(p.amountQuantiles).length).toBe(12);
    const cfg = loadConfig({}, {});
    const figs = compareWithTargets(p, cfg);
    expect(figs.map((f) => f.name)).toEqual([
      'payment_mode_share',
      'hourly_share',
      'amount_median_by_category',
      'fraud_rate_by_type',
      'fraud_rate',
    ]);
    for (const f of figs) expect(f.pass, `${f.name} ${f.nrmse}`).toBe(true);
    expect(compareWithTargets(p, cfg, 0.001).some((f) => !f.pass)).toBe(true);
    // a dataset generated at another fraud rate is off target
    const cfg2 = deepMerge(cfg, { fraud: { rate: 0.1 } });
    expect(compareWithTargets(p, cfg2).find((f) => f.name === 'fraud_rate')!.pass).toBe(false);
    const res = runCli(['profile', g.file, '--tolerance', '0.0001']);
    expect(res.status).toBe(1);
    expect(res.stdout).toMatch(/FAIL/);
    fs.rmSync(g.dir, { recursive: true, force: true });
  });
  it('nrmse is 0 on a perfect match and grows with error', () => {
    expect(nrmse([0.5, 0.5], [0.5, 0.5])).toBe(0);
    expect(nrmse([0.6, 0.4], [0.5, 0.5])).toBeCloseTo(0.2);
  });
});
