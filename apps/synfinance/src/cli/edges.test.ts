import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANG_GUARD_MS, readAll, runCli, tmpDir } from '../generator/test-helpers.ts';
import type { Row } from '../transactions/read.ts';

describe('synfinance edges: the transfer edge list of a generated file', () => {
  let dir = '';
  let data = '';
  let transfers: Row[] = [];
  beforeAll(() => {
    dir = tmpDir();
    data = path.join(dir, 'txns.csv');
    const gen = runCli([
      'generate',
      ...['--count', '20000', '--seed', '9', '--fraud-rate', '0.05', '--days', '60', '--quiet'],
      ...['--format', 'csv', '--out', data],
    ]);
    expect(gen.status, gen.stderr).toBe(0);
  }, HANG_GUARD_MS);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const expectEdgesOf = async (edgesFile: string) => {
    if (!transfers.length)
      transfers = (await readAll(data)).filter((r) => r.transaction_type === 'p2p_transfer');
    const edges = await readAll(edgesFile);
    expect(transfers.length).toBeGreaterThan(500);
    expect(edges.length).toBe(transfers.length);
    expect(edges.some((e) => String(e.episode_id) !== '' && e.episode_id !== null)).toBe(true);
    edges.forEach((e, i) => {
      const t = transfers[i]!;
      const ep = e.episode_id === null ? '' : String(e.episode_id);
      expect([e.from, e.to, Number(e.amount), e.timestamp, e.transaction_id, Number(e.is_fraud), ep]).toEqual(
        [
          t.customer_id,
          t.counterparty_id,
          Number(t.amount),
          t.timestamp,
          t.transaction_id,
          Number(t.is_fraud),
          t.episode_id,
        ],
      );
    });
  };

  it(
    'writes one edge per P2P transfer (CSV and Parquet), read back equal to the transfer rows',
    async () => {
      const csv = path.join(dir, 'out', 'edges.csv');
      const res = runCli(['edges', '--data', data, '--out', csv]);
      expect(res.status, res.stderr).toBe(0);
      expect(res.stderr).toMatch(/transfer edges from 20,000 transactions/);
      expect(fs.readFileSync(csv, 'utf8').split('\n')[0]).toBe(
        'from,to,amount,timestamp,transaction_id,is_fraud,episode_id',
      );
      await expectEdgesOf(csv);
      const pq = path.join(dir, 'edges.parquet');
      const res2 = runCli(['edges', '--data', data, '--out', pq, '--quiet']);
      expect(res2.status, res2.stderr).toBe(0);
      expect(res2.stderr).toBe('');
      await expectEdgesOf(pq);
    },
    HANG_GUARD_MS,
  );

  it('--help prints the usage and exits 0', () => {
    const res = runCli(['edges', '--help']);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^usage: synfinance edges --data FILE --out/);
  });

  it('bad input exits 2 with one line and writes nothing', () => {
    const out = path.join(dir, 'bad', 'e.csv');
    const customers = path.join(dir, 'txns.customers.csv');
    const cases: [string[], RegExp][] = [
      [['--out', out], /--data FILE is required/],
      [['--data', data], /--out FILE is required/],
      [['--data', path.join(dir, 'nope.csv'), '--out', out], /--data: no such file/],
      [['--data', customers, '--out', out], /has no counterparty_id/],
      [['--data', data, '--out', path.join(dir, 'e.txt')], /must end in \.csv or \.parquet/],
      [['--data', data, '--out', out, '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [args, msg] of cases) {
      const res = runCli(['edges', ...args]);
      expect(res.status, args.join(' ')).toBe(2);
      expect(res.stderr).toMatch(/^synfinance: error: /);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(msg);
    }
    expect(fs.existsSync(path.join(dir, 'bad'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'e.txt'))).toBe(false);
  });
});
