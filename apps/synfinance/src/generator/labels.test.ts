import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Row } from '../transactions/read.ts';
import { generate, readAll } from './test-helpers.ts';
import { type Difficulty, FRAUD_TYPES, LABEL_FEED } from './types.ts';

// 150k rows at fraud rate 0.1 per difficulty: about 4,000 fraud episodes and 45,000 disputable
// legitimate purchases, enough to measure each configured rate to a few tenths of a percent.
const ROWS = 150_000;
const DAY_S = 86_400;

/** Timestamps are IST wall clock; label_available_at is a UTC instant. */
const istSeconds = (ts: string) => Date.parse(`${ts.replace(' ', 'T')}+05:30`) / 1000;
const utcSeconds = (iso: string) => Date.parse(iso) / 1000;

/** The generator's rule for a purchase a customer could dispute, read back from the columns. */
const disputable = (r: Row) =>
  r.is_fraud === '0' &&
  r.is_anomaly === '0' &&
  r.transaction_type === 'purchase' &&
  r.channel !== 'POS' &&
  r.transaction_status === 'approved';

/**
 * A binomial proportion's acceptance band: 4 standard errors either side of the setting. A correct
 * generator falls outside it with probability about 6e-5 (and the seed is fixed, so not at random).
 */
function band(p: number, n: number): [number, number] {
  const se = Math.sqrt((p * (1 - p)) / n);
  return [p - 4 * se, p + 4 * se];
}

interface Measured {
  episodes: number;
  missed: number;
  disputable: number;
  disputed: number;
  /** ln(days) from each reported episode's last row (or the disputed purchase) to its label */
  logDelays: number[];
  problems: Record<string, number>;
}

function measure(rows: Row[], maxDays: number): Measured {
  const byEpisode = new Map<string, Row[]>();
  const problems = { labelBeforeTxn: 0, labelNullness: 0, episodeNullness: 0, mixedEpisode: 0, overMax: 0 };
  let nDisputable = 0;
  let disputed = 0;
  const logDelays: number[] = [];
  for (const r of rows) {
    const observed = r.observed_label === '1';
    if (observed !== (r.label_available_at !== '')) problems.labelNullness++;
    if ((r.is_fraud === '1') !== (r.episode_id !== '')) problems.episodeNullness++;
    if (observed && utcSeconds(String(r.label_available_at)) < istSeconds(String(r.timestamp)))
      problems.labelBeforeTxn++;
    if (r.is_fraud === '1') {
      const list = byEpisode.get(String(r.episode_id)) ?? [];
      list.push(r);
      byEpisode.set(String(r.episode_id), list);
    } else if (disputable(r)) {
      nDisputable++;
      if (observed) {
        disputed++;
        logDelays.push(
          Math.log((utcSeconds(String(r.label_available_at)) - istSeconds(String(r.timestamp))) / DAY_S),
        );
      }
    } else if (observed) problems.labelNullness++; // a legitimate row that no one could dispute
  }
  let missed = 0;
  for (const ep of byEpisode.values()) {
    const labels = new Set(ep.map((r) => r.label_available_at));
    if (labels.size !== 1) problems.mixedEpisode++;
    const at = String(ep[0]!.label_available_at);
    if (at === '') {
      missed++;
      continue;
    }
    const last = Math.max(...ep.map((r) => istSeconds(String(r.timestamp))));
    const days = (utcSeconds(at) - last) / DAY_S;
    if (days > maxDays) problems.overMax++;
    logDelays.push(Math.log(days));
  }
  return { episodes: byEpisode.size, missed, disputable: nDisputable, disputed, logDelays, problems };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

describe('the label feed: observed_label and label_available_at follow LABEL_FEED', () => {
  const measured = {} as Record<Difficulty, Measured>;
  const dirs: string[] = [];
  beforeAll(async () => {
    for (const difficulty of ['easy', 'default', 'hard'] as const) {
      const g = await generate(ROWS, 'csv', { difficulty, seed: 23, fraudRate: 0.1, days: 180 });
      dirs.push(g.dir);
      measured[difficulty] = measure(await readAll(g.file), LABEL_FEED[difficulty].delayMaxDays);
    }
  }, 300_000);
  afterAll(() => {
    for (const d of dirs) fs.rmSync(path.resolve(d), { recursive: true, force: true });
  });

  for (const difficulty of ['easy', 'default', 'hard'] as const) {
    it(`${difficulty}: measured miss and false-dispute rates lie in their 4-standard-error bands`, () => {
      const m = measured[difficulty];
      const set = LABEL_FEED[difficulty];
      const miss = m.missed / m.episodes;
      const fdr = m.disputed / m.disputable;
      console.log(
        `${difficulty}: missed ${m.missed}/${m.episodes} episodes = ${miss.toFixed(4)} (setting ${set.missRate}); ` +
          `disputed ${m.disputed}/${m.disputable} legitimate purchases = ${fdr.toFixed(5)} (setting ${set.falseDisputeRate})`,
      );
      expect(m.episodes).toBeGreaterThan(2_000);
      const [mLo, mHi] = band(set.missRate, m.episodes);
      expect(miss).toBeGreaterThanOrEqual(mLo);
      expect(miss).toBeLessThanOrEqual(mHi);
      const [dLo, dHi] = band(set.falseDisputeRate, m.disputable);
      expect(fdr).toBeGreaterThanOrEqual(dLo);
      expect(fdr).toBeLessThanOrEqual(dHi);
    });

    it(`${difficulty}: labels are never known before the transaction, null exactly when unreported, one per episode`, () => {
      expect(measured[difficulty].problems).toEqual({
        labelBeforeTxn: 0,
        labelNullness: 0,
        episodeNullness: 0,
        mixedEpisode: 0,
        overMax: 0,
      });
    });

    it(`${difficulty}: the median report delay matches the setting`, () => {
      const set = LABEL_FEED[difficulty];
      const logs = measured[difficulty].logDelays;
      // the sample median of a normal (ln of a lognormal) has standard error ~1.2533 sigma / sqrt(n);
      // the cut at delayMaxDays lies far above the median and does not move it
      const tol = (4 * 1.2533 * set.delaySigma) / Math.sqrt(logs.length);
      expect(Math.abs(median(logs) - Math.log(set.delayMedianDays))).toBeLessThan(tol);
    });
  }

  it('the bands tell the settings apart: hard misses more than default allows, easy fewer', () => {
    const [lo, hi] = band(LABEL_FEED.default.missRate, measured.hard.episodes);
    expect(measured.hard.missed / measured.hard.episodes).toBeGreaterThan(hi);
    expect(measured.easy.missed / measured.easy.episodes).toBeLessThan(lo);
  });
});

describe('money moves between customers: transfers form a graph, mule rings are victim -> mule -> collector chains', () => {
  let rows: Row[] = [];
  let customers = new Set<string>();
  let dir = '';
  beforeAll(async () => {
    const mix = FRAUD_TYPES.map((t) => (t === 'mule_account' || t === 'account_takeover' ? 1 : 0));
    const g = await generate(60_000, 'csv', { seed: 31, fraudRate: 0.05, fraudMix: mix });
    dir = g.dir;
    rows = await readAll(g.file);
    const cust = fs.readFileSync(path.join(dir, 'txns.customers.csv'), 'utf8').trim().split('\n').slice(1);
    customers = new Set(cust.map((l) => l.split(',')[0]!));
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('every transfer, fraud or not, names another customer as counterparty; no other row does', () => {
    const bad = { missing: 0, unknown: 0, self: 0, nonTransfer: 0 };
    for (const r of rows) {
      const cp = String(r.counterparty_id);
      if (r.transaction_type !== 'p2p_transfer') {
        if (cp !== '') bad.nonTransfer++;
        continue;
      }
      if (cp === '') bad.missing++;
      else if (!customers.has(cp)) bad.unknown++;
      else if (cp === r.customer_id) bad.self++;
    }
    expect(bad).toEqual({ missing: 0, unknown: 0, self: 0, nonTransfer: 0 });
  });

  it('each ring: victims pay distinct mules, who receive before they send and forward at most what came in to one collector', () => {
    const rings = new Map<string, Row[]>();
    for (const r of rows.filter((x) => x.fraud_type === 'mule_account')) {
      const list = rings.get(String(r.episode_id)) ?? [];
      list.push(r);
      rings.set(String(r.episode_id), list);
    }
    expect(rings.size).toBeGreaterThan(10);
    const bad = { victimTarget: 0, collectors: 0, collectorInRing: 0, order: 0, overpaid: 0, noInflow: 0 };
    for (const ring of rings.values()) {
      const role = (r: Row) => (JSON.parse(String(r.fraud_evidence)) as { role: string }).role;
      const victims = ring.filter((r) => role(r) === 'victim');
      const muleRows = ring.filter((r) => role(r) === 'mule');
      const mules = new Set(muleRows.map((r) => String(r.customer_id)));
      const collectors = new Set(
        muleRows.filter((r) => r.transaction_type === 'p2p_transfer').map((r) => String(r.counterparty_id)),
      );
      if (collectors.size !== 1) bad.collectors++;
      const [collector] = collectors;
      if (mules.has(String(collector)) || victims.some((v) => v.customer_id === collector))
        bad.collectorInRing++;
      const paid = new Set(victims.map((v) => String(v.counterparty_id)));
      if (paid.size !== victims.length || [...paid].some((m) => !mules.has(m))) bad.victimTarget++;
      for (const mule of mules) {
        const inflow = victims.find((v) => v.counterparty_id === mule);
        if (!inflow) {
          bad.noInflow++;
          continue;
        }
        const out = muleRows.filter((r) => r.customer_id === mule);
        if (out.some((r) => istSeconds(String(r.timestamp)) <= istSeconds(String(inflow.timestamp))))
          bad.order++;
        const sent = out.reduce((s, r) => s + Number(r.amount), 0);
        if (sent > Number(inflow.amount)) bad.overpaid++;
      }
    }
    expect(bad).toEqual({
      victimTarget: 0,
      collectors: 0,
      collectorInRing: 0,
      order: 0,
      overpaid: 0,
      noInflow: 0,
    });
  });
});
