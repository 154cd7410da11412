import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalSample } from '@polymorph/random/rng';
import { describe, expect, it } from 'vitest';
import {
  binCounts,
  binIndex,
  buildReferenceProfile,
  capSortedSample,
  profileFromJson,
  profileToJson,
  quantileEdges,
} from './profile.ts';
import type { Schema } from './schema.ts';

const schema: Schema = {
  fields: [
    { name: 'amount', type: 'number' },
    { name: 'hour', type: 'integer', outlierRule: 'mad' },
    { name: 'channel', type: 'string' },
    { name: 'is_fraud', type: 'boolean' },
    { name: 'ts', type: 'timestamp', nullable: true },
  ],
};

describe('reference profile', () => {
  it('bins: edge values fall in the lower bin, outside values in the open end bins', () => {
    const edges = [1, 2, 3];
    expect([0, 1, 1.5, 2, 3, 3.1].map((x) => binIndex(edges, x))).toEqual([0, 0, 1, 1, 2, 3]);
    expect(binCounts(edges, [0, 1, 2, 5, Number.NaN])).toEqual([2, 1, 0, 1]);
  });

  it('decile edges of a large normal sample sit at the normal deciles; proportions are 0.1 each', () => {
    const xs = normalSample(100_000, 21).sort((a, b) => a - b);
    const edges = quantileEdges(xs, 10);
    expect(edges).toHaveLength(9);
    expect(edges[0]!).toBeCloseTo(-1.2816, 1);
    expect(edges[4]!).toBeCloseTo(0, 1);
    const p = buildReferenceProfile(
      xs.map((amount) => ({ amount })),
      { fields: [{ name: 'amount', type: 'number' }] },
    ).fields['amount'];
    if (p?.kind !== 'numeric') throw new Error('numeric expected');
    for (const q of p.binProportions) expect(q).toBeCloseTo(0.1, 3);
    expect(p.sample).toHaveLength(5000);
    expect(p.sample[0]).toBe(xs[0]);
    expect(p.sample[4999]).toBe(xs[xs.length - 1]);
    expect(p.outlierRate).toBeGreaterThan(0.005);
    expect(p.outlierRate).toBeLessThan(0.009);
  });

  it('ties: duplicate edges are removed and proportions measured, not assumed', () => {
    const xs = [...new Array<number>(80).fill(0), ...Array.from({ length: 20 }, (_, i) => i + 1)];
    const edges = quantileEdges(xs, 10);
    expect(edges[0]).toBe(0);
    expect(new Set(edges).size).toBe(edges.length);
    const p = buildReferenceProfile(
      xs.map((v) => ({ v })),
      { fields: [{ name: 'v', type: 'integer' }] },
    ).fields['v'];
    if (p?.kind !== 'numeric') throw new Error('numeric expected');
    expect(p.binProportions[0]).toBeCloseTo(0.8, 12);
    expect(p.binProportions.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('capped sample is deterministic order statistics at even ranks', () => {
    const s = Array.from({ length: 11 }, (_, i) => i * 10);
    expect(capSortedSample(s, 3)).toEqual([0, 50, 100]);
    expect(capSortedSample(s, 20)).toEqual(s);
  });

  it('categorical proportions with an "other" bucket and deterministic tie order', () => {
    const records = [
      ...new Array(50).fill({ channel: 'POS' }),
      ...new Array(20).fill({ channel: 'ATM' }),
      ...new Array(20).fill({ channel: 'ONLINE' }),
      ...new Array(5).fill({ channel: 'other' }),
      ...new Array(5).fill({ channel: null }),
    ];
    const p = buildReferenceProfile(
      records,
      { fields: [{ name: 'channel', type: 'string' }] },
      { maxCategories: 2 },
    ).fields['channel'];
    if (p?.kind !== 'categorical') throw new Error('categorical expected');
    expect(p.count).toBe(95);
    expect(p.missingRate).toBeCloseTo(0.05, 12);
    expect(p.categories.map((c) => c.value)).toEqual(['POS', 'ATM']);
    expect(p.categories[0]!.proportion).toBeCloseTo(50 / 95, 12);
    expect(p.otherProportion).toBeCloseTo(25 / 95, 12); // ONLINE and the literal "other"
  });

  it('round-trips through a JSON file on disk, and rejects a foreign file', () => {
    const records = normalSample(2_000, 22).map((amount, i) => ({
      amount,
      hour: i % 24,
      channel: i % 3 === 0 ? 'POS' : 'ONLINE',
      is_fraud: i % 50 === 0,
      ts: i % 10 === 0 ? null : new Date(1_700_000_000_000 + i * 1000).toISOString(),
    }));
    const profile = buildReferenceProfile(records, schema);
    expect(profile.fields['ts']).toEqual({ kind: 'none', type: 'timestamp', missingRate: 0.1, count: 1800 });
    expect(profile.fields['hour']?.kind === 'numeric' && profile.fields['hour'].fences?.rule).toBe('mad');
    expect(profile.fields['is_fraud']?.kind).toBe('categorical');

    const dir = mkdtempSync(join(tmpdir(), 'profile-'));
    try {
      const file = join(dir, 'reference-profile.json');
      writeFileSync(file + '.tmp', profileToJson(profile));
      renameSync(file + '.tmp', file);
      const back = profileFromJson(readFileSync(file, 'utf8'));
      expect(back).toEqual(profile);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => profileFromJson('{"format":"something-else"}')).toThrow(/format/);
    expect(() => profileFromJson(profileToJson({ ...profile, version: 2 as 1 }))).toThrow(/version/);
    const broken = JSON.parse(profileToJson(profile));
    broken.fields.amount.binProportions.pop();
    expect(() => profileFromJson(JSON.stringify(broken))).toThrow(/amount/);
    const unsorted = JSON.parse(profileToJson(profile));
    unsorted.fields.amount.sample.reverse(); // KS relies on a sorted sample
    expect(() => profileFromJson(JSON.stringify(unsorted))).toThrow(/amount/);
    const nulled = JSON.parse(profileToJson(profile));
    nulled.fields.channel = null;
    expect(() => profileFromJson(JSON.stringify(nulled))).toThrow(/channel/);
  });

  it('validates its options', () => {
    expect(() => buildReferenceProfile([], schema, { bins: 1 })).toThrow(/bins/);
    expect(() => buildReferenceProfile([], schema, { sampleCap: 0 })).toThrow(/sampleCap/);
  });
});
