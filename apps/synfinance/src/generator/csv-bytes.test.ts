import { describe, expect, it } from 'vitest';
import { ByteCsvWriter } from './csv-bytes.ts';
import { planShards } from './plan.ts';
import { csvTxnLine, txnValues } from './serialize.ts';
import { ShardGenerator } from './shard.ts';
import { TaskRunner } from './task.ts';
import { params } from './test-helpers.ts';
import { buildWorld } from './world.ts';

describe('byte-level CSV writer', () => {
  it('produces exactly the bytes of csvTxnLine(txnValues(row)) for every row', () => {
    const p = params({
      fraudRate: 0.08,
      anomalyRate: 0.03,
      chainProbability: 0.3,
      shardRows: 15_000,
      seed: 3,
    });
    const world = buildWorld(p.seed, p.startDay, p.days);
    const gen = new ShardGenerator(p, world);
    const w = new ByteCsvWriter(world, 1024);
    const dec = new TextDecoder();
    let first = '';
    let checked = 0;
    for (const spec of planShards(30_000, p.days, p.shardRows)) {
      const { rows } = gen.generate(spec);
      rows.forEach((r, i) => {
        w.reset();
        w.row(r, spec.rowOffset + i);
        const a = dec.decode(w.take());
        const b = csvTxnLine(txnValues(r, spec.rowOffset + i, world));
        if (a !== b) first ||= `${a}${b}`;
        checked++;
      });
    }
    expect(checked).toBe(30_000);
    expect(first).toBe('');
  });
});

describe('CSV written into a shared target buffer (the worker path)', () => {
  it('gives the same bytes as the copied text, and falls back to a copy when the target is too small', () => {
    const p = params({
      fraudRate: 0.08,
      anomalyRate: 0.03,
      chainProbability: 0.3,
      shardRows: 5_000,
      seed: 11,
    });
    const specs = planShards(12_000, p.days, p.shardRows);
    const tasks = [specs.slice(0, 2), specs.slice(2)];
    const plain = new TaskRunner(p, 'csv');
    const shared = new TaskRunner(p, 'csv');
    for (const [i, task] of tasks.entries()) {
      const want = plain.run(i, task).txnText!;
      const target = new Uint8Array(new SharedArrayBuffer(want.length + 8192));
      const res = shared.run(i, task, target);
      expect(res.txnText).toBeUndefined();
      expect(Buffer.from(target.subarray(0, res.txnInTarget!)).equals(Buffer.from(want))).toBe(true);
      // too small: the rows move to a private buffer and come back as txnText
      const small = new Uint8Array(new SharedArrayBuffer(64 * 1024));
      const res2 = shared.run(i, task, small);
      expect(res2.txnInTarget).toBeUndefined();
      expect(Buffer.from(res2.txnText!).equals(Buffer.from(want))).toBe(true);
      // and the runner still writes its ordinary copies afterwards
      expect(Buffer.from(shared.run(i, task).txnText!).equals(Buffer.from(want))).toBe(true);
    }
  });
});
