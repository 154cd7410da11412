// Generation of one customer shard. A shard is a pure function of (params, shard spec): the same
// inputs give the same rows whatever worker or chunk produced it. Customer state evolves strictly in
// transaction-time order, and fraud/anomaly episodes are injected during that pass.

import { cumulative, Rng } from '@polymorph/random/rng';
import { CAT, farCity, makeCustomer, overlapFactor } from './customers.ts';
import {
  ANOMALY_PATTERNS,
  type Episode,
  FRAUD_PATTERNS,
  type Pattern,
  type PatternHost,
} from './patterns.ts';
import {
  type Customer,
  FRAUD_TYPES,
  type FraudLabel,
  type GenParams,
  LABEL_FEED,
  type LabelFeedSettings,
  type ShardSpec,
  type ShardStats,
  Txn,
} from './types.ts';
import { FESTIVALS } from './world/calendar.ts';
import { CITIES, haversineKm } from './world/cities.ts';
import { CATEGORIES } from './world/merchants.ts';
import {
  CH_ATM,
  CH_MOBILE,
  CH_ONLINE,
  CH_POS,
  CHANNEL_MODES,
  PM_BNPL,
  PM_CASH,
  PM_CREDIT,
  PM_DEBIT,
  PM_NETBANKING,
  PM_UPI,
} from './world/payments.ts';
import type { World } from './world.ts';

const DAY = 86_400;
export const SORT_SEQ_BITS = 2_097_152; // 2^21: rows per shard must stay below this

interface CustState {
  lastT: number;
  day: number;
  dailyCount: number;
  dailyAmount: number;
  count: number;
  merch: Map<number, number>;
  lastTxn: Txn | null;
  lastOnline: Txn | null;
}

// Payment-mode adjustment by category (UPI, Cash, Debit, Credit, Wallet, NetBanking, BNPL).
const CAT_PAY_ADJ: Record<string, number[]> = {
  Fuel: [1, 1.2, 1.4, 1.4, 0.5, 0, 0],
  Travel: [0.7, 0.3, 1, 1.8, 0.8, 3, 1.5],
  Education: [0.8, 0.5, 1, 1, 0.3, 3.5, 0.5],
  'Utilities & Bills': [1.1, 0.4, 0.8, 1, 1.5, 2.5, 0.2],
  Electronics: [0.7, 0.5, 1.3, 2, 0.6, 1, 2.5],
  Transportation: [1.3, 1.2, 0.5, 0.6, 1.5, 0, 0],
};
const ONES = [1, 1, 1, 1, 1, 1, 1];
/** CAT_PAY_ADJ by category index (looked up per row) */
const PAY_ADJ_BY_CAT: readonly number[][] = CATEGORIES.map((c) => CAT_PAY_ADJ[c.name] ?? ONES);
/** per festival, per category: 2 for the festival's boosted categories, else 1 */
const FESTIVAL_BOOST: readonly Float64Array[] = FESTIVALS.map(
  (f) => new Float64Array(CATEGORIES.map((c) => (f.boost.includes(c.name) ? 2 : 1))),
);
const CAT_SHOPPING = CAT('Shopping');
const CAT_FASHION = CAT('Fashion');
const CAT_ELECTRONICS = CAT('Electronics');

/** ATMs per city: their merchant keys follow the merchants' (payee keys start 1,000,000 above those) */
export const ATM_SLOTS = 8;

export class ShardGenerator implements PatternHost {
  readonly params: GenParams;
  readonly world: World;
  readonly ov: number;
  rng!: Rng;
  spec!: ShardSpec;
  customers: Customer[] = [];
  rows: Txn[] = [];
  private st!: CustState;
  private cust!: Customer;
  private episodeId: string | null = null;
  private seq = 0;
  private readonly pool: Txn[] = [];
  private poolUsed = 0;
  private readonly nMerch: number;
  private readonly payW = new Float64Array(7);
  private readonly catW = new Float64Array(CATEGORIES.length);

  constructor(params: GenParams, world: World) {
    this.params = params;
    this.world = world;
    this.ov = overlapFactor(params.difficulty);
    this.nMerch = world.merchants.length;
  }

  generate(spec: ShardSpec): { rows: Txn[]; customers: Customer[]; stats: ShardStats } {
    const p = this.params;
    this.spec = spec;
    this.rows = [];
    this.seq = 0;
    this.poolUsed = 0;
    const rng = new Rng(p.seed, spec.shard, 0x53484152); // 'SHAR'
    this.rng = rng;
    const customers: Customer[] = [];
    for (let i = 0; i < spec.customers; i++) {
      customers.push(
        makeCustomer(p.seed, spec.shard, i, spec.customerOffset + i, p.days, this.world, p.difficulty),
      );
    }
    this.customers = customers;

    // rows per customer: largest-remainder apportionment by monthly activity
    const counts = apportion(
      spec.rows,
      customers.map((c) => c.monthlyTxn),
    );
    const times = customers.map((c, i) => this.slotTimes(c, counts[i]!));

    const episodes = this.planEpisodes(customers, times, rng);

    for (let i = 0; i < customers.length; i++) {
      this.runCustomer(customers[i]!, times[i]!, episodes.get(i));
    }
    this.applyLabelFeed();

    // order within the shard by time, ties by creation order (deterministic)
    const n = this.rows.length;
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = this.rows[i]!;
      keys[i] = r.t * SORT_SEQ_BITS + r.seq;
    }
    keys.sort();
    const sorted: Txn[] = new Array(n);
    for (let i = 0; i < n; i++) sorted[i] = this.rows[keys[i]! % SORT_SEQ_BITS]!;

    const stats: ShardStats = {
      rows: n,
      fraudRows: 0,
      fraudByType: {},
      fraudByTypeSeverity: {},
      anomalyByType: {},
    };
    for (const r of sorted) {
      if (r.fraud) {
        stats.fraudRows++;
        stats.fraudByType[r.fraud.type] = (stats.fraudByType[r.fraud.type] ?? 0) + 1;
        const ks = `${r.fraud.type}|${r.fraud.severity}`;
        stats.fraudByTypeSeverity[ks] = (stats.fraudByTypeSeverity[ks] ?? 0) + 1;
      }
      if (r.anomaly) stats.anomalyByType[r.anomaly.type] = (stats.anomalyByType[r.anomaly.type] ?? 0) + 1;
    }
    return { rows: sorted, customers, stats };
  }

  // ---- time slots --------------------------------------------------------------------------

  private slotTimes(c: Customer, n: number): Float64Array {
    const rng = new Rng(this.params.seed, this.spec.shard, 0x54494d45, c.idx); // 'TIME'
    const w = this.world;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const d = rng.weighted(w.dayCum);
      const info = w.calendar[d]!;
      const tab = (c.nightOwl ? w.nightOwlCum : w.hourCum)[c.hourProfile * 2 + (info.weekend ? 1 : 0)]!;
      const h = rng.weighted(tab);
      out[i] = d * DAY + h * 3600 + rng.int(3600);
    }
    out.sort();
    return out;
  }

  // ---- planning ----------------------------------------------------------------------------

  private planEpisodes(
    customers: Customer[],
    times: Float64Array[],
    rng: Rng,
  ): Map<number, Map<number, Episode>> {
    const p = this.params;
    const byCust = new Map<number, Map<number, Episode>>();
    const occupied = times.map((t) => new Uint8Array(t.length));
    const spanEnd = p.days * DAY - 1;

    let episodes = 0;
    const free = (ep: Episode): boolean => {
      const occ = occupied[ep.cust]!;
      for (let s = ep.slot; s < ep.slot + ep.k; s++) if (occ[s]) return false;
      return true;
    };
    // all or none: a ring's victims and mules are placed together, under one episode id
    const place = (...eps: Episode[]): boolean => {
      if (!eps.every(free)) return false;
      const fraud = !eps[0]!.pattern.type.startsWith('anomaly_');
      const id = fraud
        ? `EP${String(this.spec.shard).padStart(5, '0')}-${String(episodes++).padStart(5, '0')}`
        : undefined;
      for (const ep of eps) {
        ep.id = id;
        commit(ep);
      }
      return true;
    };
    const commit = (ep: Episode): void => {
      const occ = occupied[ep.cust]!;
      const tt = times[ep.cust]!;
      ep.times = assignTimes(
        tt,
        ep.slot,
        ep.k,
        ep.pattern,
        ep.chain,
        ep.kFirst,
        ep.stealth,
        rng,
        spanEnd,
        ep.times,
      );
      for (let s = ep.slot; s < ep.slot + ep.k; s++) occ[s] = 1;
      let m = byCust.get(ep.cust);
      if (!m) {
        m = new Map();
        byCust.set(ep.cust, m);
      }
      m.set(ep.slot, ep);
    };

    const stealth = () => {
      const d = p.difficulty;
      return d === 'easy' ? rng.range(0, 0.15) : d === 'hard' ? rng.range(0.3, 0.9) : rng.range(0, 0.45);
    };

    // fraud budget for this shard (stochastic rounding keeps the expectation exact)
    const target = p.fraudRate * this.spec.rows;
    let budget = Math.floor(target) + (rng.next() < target - Math.floor(target) ? 1 : 0);
    // pick types by episode so that each type's expected share of fraud *rows* follows the mix
    const weights = FRAUD_PATTERNS.map(
      (pt, i) => (p.fraudMix[i] ?? 0) / (pt.avgRows ?? (pt.minRows + pt.maxRows) / 2),
    );
    const cum = cumulative(weights);
    const total = cum[cum.length - 1]!;
    // synthetic identities: a few customers opened only to bust out
    if ((p.fraudMix[FRAUD_TYPES.indexOf('synthetic_identity')] ?? 0) > 0) {
      const pool = customers.filter((c) => c.hasCredit || c.hasBnpl);
      const want = Math.min(pool.length, Math.max(1, Math.round(customers.length * 0.05)));
      for (let i = 0; i < want; i++) pool.splice(rng.int(pool.length), 1)[0]!.synthetic = true;
    }
    // customers satisfying each pattern's static preconditions and with enough history
    const eligible = FRAUD_PATTERNS.map((pt) =>
      customers
        .map((_c, i) => i)
        .filter((i) => times[i]!.length >= pt.minHistory + pt.minRows + 1 && pt.eligible(customers[i]!)),
    );
    let guard = 0;
    while (budget > 0 && total > 0 && guard++ < 100_000) {
      let pi = rng.weighted(cum);
      let pt = FRAUD_PATTERNS[pi]!;
      if (pt.minRows > budget || !eligible[pi]!.length) {
        const small = FRAUD_PATTERNS.map((_, i) => i).filter(
          (i) => FRAUD_PATTERNS[i]!.minRows <= budget && (p.fraudMix[i] ?? 0) > 0 && eligible[i]!.length > 0,
        );
        if (!small.length) break;
        pi = rng.pick(small);
        pt = FRAUD_PATTERNS[pi]!;
      }
      if (pt.type === 'mule_account') {
        budget -= this.planMuleRing(customers, times, rng, budget, stealth(), place, free, eligible[pi]!);
        continue;
      }
      const ci = rng.pick(eligible[pi]!);
      const c = customers[ci]!;
      const n = times[ci]!.length;
      let chain: Pattern | null = null;
      let kFirst = Math.min(budget, rng.intRange(pt.minRows, pt.maxRows));
      let k = kFirst;
      if (p.chainProbability > 0 && rng.chance(p.chainProbability)) {
        const nxt = FRAUD_PATTERNS[pt.chainsTo ?? -1];
        if (nxt && budget - kFirst >= nxt.minRows && nxt.eligible(c)) {
          chain = nxt;
          k = kFirst + Math.min(budget - kFirst, rng.intRange(nxt.minRows, nxt.maxRows));
        }
      }
      if (!chain) kFirst = k;
      const lo =
        pt.type === 'synthetic_identity' ? Math.max(pt.minHistory, Math.floor(n * 0.6)) : pt.minHistory;
      if (n - k < lo) continue;
      const slot = rng.intRange(lo, n - k);
      if (place({ pattern: pt, chain, cust: ci, slot, k, kFirst, stealth: stealth(), times: [] }))
        budget -= k;
    }

    // anomalies: single rows, labelled separately from fraud
    const aTarget = p.anomalyRate * this.spec.rows;
    let aBudget = Math.floor(aTarget) + (rng.next() < aTarget - Math.floor(aTarget) ? 1 : 0);
    guard = 0;
    while (aBudget > 0 && guard++ < 100_000) {
      const ci = rng.int(customers.length);
      const n = times[ci]!.length;
      if (n < 8) continue;
      const slot = rng.intRange(5, n - 1);
      const pt = rng.pick(ANOMALY_PATTERNS);
      if (place({ pattern: pt, chain: null, cust: ci, slot, k: 1, kFirst: 1, stealth: 0, times: [] }))
        aBudget--;
    }
    return byCust;
  }

  /**
   * Mule ring: victim -> mule -> collector. Each of 3-5 mules (customers of the shard) receives one
   * victim's transfer, then forwards most of it to the ring's collector (another customer) within
   * hours. The victims' and mules' rows are one episode.
   */
  private planMuleRing(
    customers: Customer[],
    times: Float64Array[],
    rng: Rng,
    budget: number,
    stealth: number,
    place: (...eps: Episode[]) => boolean,
    free: (ep: Episode) => boolean,
    eligible: number[],
  ): number {
    const pt = FRAUD_PATTERNS[FRAUD_TYPES.indexOf('mule_account')]!;
    const size = Math.min(rng.intRange(3, 5), customers.length);
    const ringT = rng.range(0.05, 0.95) * this.params.days * DAY;
    const ringId = `RING${this.spec.shard.toString(36).toUpperCase()}${rng.u32().toString(36).toUpperCase()}`;
    const collectorHandle = rng.int(90_000_000);
    const collector = rng.int(customers.length);
    const taken = new Set<number>([collector]);
    const parts: Episode[] = [];
    let used = 0;
    for (let tries = 0; tries < size * 6 && parts.length < size * 2 && budget - used >= 2; tries++) {
      const ci = rng.pick(eligible);
      const vi = rng.pick(eligible);
      if (ci === vi || taken.has(ci) || taken.has(vi)) continue;
      const k = Math.min(budget - used - 1, rng.intRange(pt.minRows, pt.maxRows));
      const start = ringT + rng.range(0, 4 * 3600);
      const sent = start - rng.range(600, 3 * 3600);
      const tt = times[ci]!;
      const slot = Math.max(lowerBound(tt, start), pt.minHistory);
      const vslot = lowerBound(times[vi]!, sent);
      // the victim's transfer must fit in its history before the mule forwards it
      if (slot + k > tt.length || vslot < pt.minHistory || vslot >= times[vi]!.length) continue;
      const typ = 900 * customers[vi]!.spend;
      const inflowPaise =
        Math.max(1, Math.round(blendAmount(typ, rng.range(15_000, 90_000), stealth) / 1000)) * 100_000;
      const ring = { id: ringId, size, inflowPaise };
      const common = { pattern: pt, chain: null, stealth };
      const pair: Episode[] = [
        {
          ...common,
          cust: ci,
          slot,
          k,
          kFirst: k,
          times: [start],
          ring: { ...ring, role: 'mule', to: collector, handle: collectorHandle },
        },
        {
          ...common,
          cust: vi,
          slot: vslot,
          k: 1,
          kFirst: 1,
          times: [sent],
          ring: { ...ring, role: 'victim', to: ci, handle: rng.int(90_000_000) },
        },
      ];
      if (!pair.every(free)) continue;
      parts.push(...pair);
      for (const x of [ci, vi]) taken.add(x);
      used += k + 1;
    }
    return parts.length && place(...parts) ? used : 0;
  }

  // ---- time-ordered pass -------------------------------------------------------------------

  private runCustomer(c: Customer, times: Float64Array, eps: Map<number, Episode> | undefined): void {
    const rng = new Rng(this.params.seed, this.spec.shard, 0x50415353, c.idx); // 'PASS'
    this.rng = rng;
    this.cust = c;
    // the last transaction before the window: gap drawn from the customer's own rhythm
    const meanGap = (30 * DAY) / c.monthlyTxn;
    this.st = {
      lastT: -Math.floor(rng.exp(meanGap)) - 1,
      day: -1,
      dailyCount: 0,
      dailyAmount: 0,
      count: 0,
      merch: new Map(),
      lastTxn: null,
      lastOnline: null,
    };
    const n = times.length;
    // episodes in slot order (they never overlap): a cursor instead of a lookup per row
    const order = eps ? [...eps.values()].sort((a, b) => a.slot - b.slot) : [];
    let nextEp = 0;
    let nextSlot = order.length ? order[0]!.slot : n;
    for (let j = 0; j < n; ) {
      if (j === nextSlot) {
        const ep = order[nextEp++]!;
        nextSlot = nextEp < order.length ? order[nextEp]!.slot : n;
        const rowsBefore = this.rows.length;
        this.episodeId = ep.id ?? null;
        ep.pattern.build(this, ep, ep.times.slice(0, ep.kFirst));
        if (ep.chain) ep.chain.build(this, ep, ep.times.slice(ep.kFirst));
        this.episodeId = null;
        if (ep.chain) {
          const parts = `${ep.pattern.type}+${ep.chain.type}`;
          for (let r = rowsBefore; r < this.rows.length; r++) {
            const row = this.rows[r]!;
            if (row.fraud)
              row.fraud = { ...row.fraud, type: 'combined', evidence: withChain(row.fraud.evidence, parts) };
          }
        }
        j += ep.k;
        continue;
      }
      this.legit(times[j]!);
      j++;
    }
  }

  // ---- helpers used by legit generation and by the patterns --------------------------------

  get c(): Customer {
    return this.cust;
  }
  get state(): CustState {
    return this.st;
  }

  typical(cat: number): number {
    return CATEGORIES[cat]!.median * this.cust.spend;
  }

  tripCity(t: number): number {
    const tr = this.cust.trips;
    for (let i = 0; i < tr.length; i += 3) if (t >= tr[i]! && t < tr[i + 1]!) return tr[i + 2]!;
    return -1;
  }

  phoneIdAt(t: number): string {
    const c = this.cust;
    return c.phoneChangeAt >= 0 && t >= c.phoneChangeAt ? c.newPhoneId : c.phoneId;
  }

  pickCategory(t: number): number {
    const c = this.cust;
    const info = this.world.calendar[Math.floor(t / DAY)];
    if (!info || info.festival < 0) return this.rng.weighted(c.catCum);
    const boost = FESTIVAL_BOOST[info.festival]!;
    let s = 0;
    for (let k = 0; k < CATEGORIES.length; k++) {
      s += c.catWeights[k]! * boost[k]!;
      this.catW[k] = s;
    }
    return this.rng.weighted(this.catW);
  }

  /** Random (usually new-to-customer) merchant of a category in a city. */
  randomMerchant(city: number, cat: number): number {
    const pool = this.world.byCityCat[city * CATEGORIES.length + cat]!;
    return pool[this.rng.int(pool.length)]!;
  }

  randomOnlineMerchant(cat: number): number {
    const pool = this.world.onlineByCat[cat]!;
    return pool[this.rng.int(pool.length)]!;
  }

  pickMode(ch: number, cat: number, amount: number): number {
    const c = this.cust;
    const allow = CHANNEL_MODES[ch]!;
    const adj = PAY_ADJ_BY_CAT[cat] ?? ONES;
    let s = 0;
    for (let m = 0; m < 7; m++) {
      let w = c.payWeights[m]! * allow[m]! * adj[m]!;
      if (amount < 200) {
        if (m === PM_CREDIT) w *= 0.5;
        else if (m === PM_NETBANKING) w *= 0.3;
        else if (m === PM_BNPL) w *= 0.2;
        else if (m === PM_UPI) w *= 1.2;
      } else if (amount > 5000) {
        if (m === PM_CASH) w *= 0.4;
        else if (m === PM_CREDIT) w *= 1.8;
        else if (m === PM_BNPL) w *= 1.6;
        else if (m === PM_NETBANKING) w *= 1.5;
        else if (m === PM_UPI) w *= 0.8;
      }
      s += w;
      this.payW[m] = s;
    }
    if (s <= 0) return ch === CH_POS ? PM_CASH : c.hasDebit ? PM_DEBIT : PM_UPI;
    return this.rng.weighted(this.payW);
  }

  /** Fill device fields from channel and payment mode. */
  setDevice(tx: Txn, override?: { id: string; os: string; app: string | null }): void {
    const c = this.cust;
    const ch = tx.channel;
    if (ch === CH_ATM) {
      tx.deviceType = 'ATM';
      return;
    }
    if (ch === CH_POS && (tx.mode === PM_CASH || tx.mode === PM_DEBIT || tx.mode === PM_CREDIT)) {
      tx.deviceType = 'POS Terminal';
      return;
    }
    if (override) {
      tx.deviceType = 'Mobile';
      tx.deviceId = override.id;
      tx.os = override.os;
      tx.appVersion = ch === CH_MOBILE ? override.app : null;
      return;
    }
    if (ch === CH_ONLINE && c.desktopId && this.rng.chance(0.5)) {
      tx.deviceType = 'Desktop';
      tx.deviceId = c.desktopId;
      tx.os = c.desktopOs;
      return;
    }
    tx.deviceType = 'Mobile';
    tx.deviceId = this.phoneIdAt(tx.t);
    tx.os = c.phoneOs;
    tx.appVersion = ch === CH_ONLINE ? null : c.appVersion;
  }

  newTxn(t: number): Txn {
    // rows are pooled: a shard's rows stay valid until the next generate() call, which is all the
    // serialisers need, and the pool saves promoting every row to the old generation
    let tx = this.pool[this.poolUsed];
    if (tx) tx.reset();
    else {
      tx = new Txn();
      this.pool.push(tx);
    }
    this.poolUsed++;
    tx.t = Math.floor(t);
    tx.cust = this.cust;
    return tx;
  }

  setMerchant(tx: Txn, m: number): void {
    const mer = this.world.merchants[m]!;
    tx.merchantKey = m;
    tx.merchantId = mer.id;
    tx.merchantName = mer.name;
    tx.merchantIsChain = mer.isChain ? 1 : 0;
    tx.merchantReputation = mer.reputation;
    tx.category = CATEGORIES[mer.category]!.name;
    tx.subcategory = mer.subcategory;
    if (!mer.online) {
      tx.city = mer.city;
      tx.lat = mer.lat;
      tx.lon = mer.lon;
    }
  }

  /**
   * A P2P transfer to payee number `payee`. The receiver is a customer of the shard: `to` when given
   * (a mule ring), else the one the payee number maps to, so every transfer is an edge between customers.
   */
  setPayee(tx: Txn, payee: number, imps: boolean, to?: Customer): void {
    const cs = this.customers;
    if (to) tx.counterparty = to;
    else if (cs.length > 1) {
      const i = payee % cs.length;
      tx.counterparty = cs[i === this.cust.idx ? (i + 1) % cs.length : i]!;
    }
    tx.txnType = 'p2p_transfer';
    tx.merchantKey = this.nMerch + 1_000_000 + payee;
    tx.merchantId = `PAYEE${String(payee).padStart(8, '0')}`;
    tx.merchantName = 'Individual';
    tx.merchantIsChain = 0;
    tx.merchantReputation = null;
    tx.category = 'Money Transfer';
    tx.subcategory = imps ? 'IMPS' : 'UPI P2P';
  }

  setAtm(tx: Txn, city: number): void {
    const slot = this.rng.int(ATM_SLOTS);
    const cityInfo = CITIES[city]!;
    tx.txnType = 'atm_withdrawal';
    tx.merchantKey = this.nMerch + city * ATM_SLOTS + slot;
    tx.merchantId = `ATM${String(city).padStart(3, '0')}${slot}`;
    tx.merchantName = `Bank ATM ${cityInfo.name}`;
    tx.merchantIsChain = 1;
    tx.merchantReputation = null;
    tx.category = 'Cash Withdrawal';
    tx.subcategory = 'ATM';
    tx.channel = CH_ATM;
    tx.mode = PM_DEBIT;
    tx.city = city;
    tx.lat = cityInfo.lat + ((slot % 3) - 1) * 0.03;
    tx.lon = cityInfo.lon + (((slot / 3) | 0) - 1) * 0.03;
  }

  /** Location of a card-not-present transaction: where the customer is (home, or on a trip). */
  setRemoteLocation(tx: Txn, city = -1): void {
    const c = this.cust;
    const trip = city >= 0 ? city : this.tripCity(tx.t);
    if (trip >= 0) {
      const ci = CITIES[trip]!;
      tx.city = trip;
      tx.lat = ci.lat + this.rng.range(-0.06, 0.06);
      tx.lon = ci.lon + this.rng.range(-0.06, 0.06);
    } else {
      tx.city = c.homeCity;
      tx.lat = c.homeLat;
      tx.lon = c.homeLon;
    }
  }

  /** Close a row: state features computed from the customer's history, then state updated. */
  emit(tx: Txn, fraud: FraudLabel | null = null): Txn {
    const st = this.st;
    const c = this.cust;
    tx.seq = this.seq++;
    if (tx.t < st.lastT) tx.t = st.lastT; // safety: time never runs backwards for a customer
    tx.sinceLast = tx.t - st.lastT;
    const day = Math.floor(tx.t / DAY);
    if (day !== st.day) {
      st.day = day;
      st.dailyCount = 0;
      st.dailyAmount = 0;
    }
    st.dailyCount++;
    st.dailyAmount += tx.amountPaise;
    tx.dailyCount = st.dailyCount;
    tx.dailyAmountPaise = st.dailyAmount;
    const prev = st.merch.get(tx.merchantKey) ?? 0;
    tx.prevMerchantCount = prev;
    tx.firstWithMerchant = prev === 0 ? 1 : 0;
    st.merch.set(tx.merchantKey, prev + 1);
    tx.distanceKm = haversineKm(c.homeLat, c.homeLon, tx.lat, tx.lon);
    if (fraud) {
      tx.isFraud = 1;
      tx.fraud = fraud;
      tx.episodeId = this.episodeId;
    }
    st.lastT = tx.t;
    st.count++;
    st.lastTxn = tx;
    if (tx.txnType === 'purchase' && tx.channel !== CH_POS && tx.status === 'approved') st.lastOnline = tx;
    this.rows.push(tx);
    return tx;
  }

  // ---- legitimate behaviour ------------------------------------------------------------------

  legit(t: number): Txn {
    const rng = this.rng;
    const c = this.cust;
    const tx = this.newTxn(t);
    const trip = this.tripCity(t);
    const r = rng.next();
    const cashy = c.payWeights[PM_CASH]! > 0.15;
    if (c.hasDebit && r < (cashy ? 0.045 : 0.02)) {
      this.setAtm(tx, trip >= 0 ? trip : c.homeCity);
      tx.amountPaise = Math.max(1, Math.round(rng.lognormal(2500 * Math.sqrt(c.spend), 0.6) / 100)) * 10000;
      tx.deviceType = 'ATM';
      return this.emit(tx);
    }
    if (r < 0.1 && c.payWeights[PM_UPI]! > 0) {
      const known = rng.chance(0.85);
      const payee = known ? rng.pick(c.payees) : rng.int(90_000_000);
      const imps = rng.chance(0.08);
      this.setPayee(tx, payee, imps);
      tx.channel = CH_MOBILE;
      tx.mode = imps ? PM_NETBANKING : PM_UPI;
      tx.amountPaise = Math.max(1, Math.round(rng.lognormal(900 * c.spend, 1.0) / 10)) * 1000;
      this.setRemoteLocation(tx);
      this.setDevice(tx);
      return this.emit(tx);
    }
    // legitimate refund of an earlier online purchase
    const lo = this.st.lastOnline;
    if (lo && r < 0.106) {
      tx.txnType = 'refund';
      this.setMerchant(tx, lo.merchantKey);
      tx.channel = lo.channel;
      tx.mode = lo.mode;
      tx.amountPaise = rng.chance(0.8)
        ? lo.amountPaise
        : Math.max(100, Math.round(lo.amountPaise * rng.range(0.2, 0.9)));
      this.setRemoteLocation(tx);
      this.setDevice(tx);
      return this.emit(tx);
    }
    const k = this.pickCategory(t);
    const cat = CATEGORIES[k]!;
    const digital = c.savviness === 0 ? 0.5 : c.savviness === 2 ? 1.25 : 1;
    const rc = rng.next();
    const ch =
      rc < cat.online * digital ? CH_ONLINE : rc < (cat.online + cat.mobile) * digital ? CH_MOBILE : CH_POS;
    tx.channel = ch;
    if (ch === CH_POS) {
      const city = trip >= 0 ? trip : c.homeCity;
      const fav = c.favourites[k]!;
      const m =
        city === c.homeCity && fav.length && rng.chance(c.loyalty)
          ? rng.pick(fav)
          : this.randomMerchant(city, k);
      this.setMerchant(tx, m);
    } else {
      const fav = c.onlineFavourites[k]!;
      this.setMerchant(tx, rng.chance(c.loyalty) ? rng.pick(fav) : this.randomOnlineMerchant(k));
      // gifts shipped to family elsewhere: legitimate far deliveries overlap shipping fraud
      const far =
        (k === CAT_SHOPPING || k === CAT_FASHION || k === CAT_ELECTRONICS) && rng.chance(0.03 * this.ov);
      this.setRemoteLocation(tx, far ? farCity(rng, c.homeCity, 200) : -1);
    }
    let amount = rng.lognormal(cat.median * c.spend, cat.sigma * 0.85);
    // occasional legitimate splurge, typically somewhere new (a showroom, not the usual kirana)
    if (rng.chance(0.012 * this.ov) && !this.st.merch.has(tx.merchantKey)) amount *= rng.range(3, 8);
    if (rng.chance(0.004 * this.ov)) amount = rng.range(1, 20); // account verification / tiny top-ups
    tx.mode = this.pickMode(ch, k, amount);
    tx.amountPaise =
      tx.mode === PM_CASH
        ? Math.max(1, Math.round(amount / 10)) * 1000
        : Math.max(100, Math.round(amount * 100));
    this.setDevice(tx);
    if (rng.chance(0.015)) tx.status = 'declined';
    return this.emit(tx);
  }

  // ---- the bank's label feed ---------------------------------------------------------------

  /**
   * observed_label and label_available_at from LABEL_FEED: a fraud episode is reported whole (all its
   * rows, one delay after its last row) or missed whole; legitimate card-not-present purchases are
   * sometimes disputed. Its own stream per shard, so is_fraud and every other column are untouched.
   */
  private applyLabelFeed(): void {
    const set = LABEL_FEED[this.params.difficulty];
    const rng = new Rng(this.params.seed, this.spec.shard, 0x4c41424c); // 'LABL'
    const end = new Map<string, number>();
    for (const r of this.rows)
      if (r.episodeId !== null) end.set(r.episodeId, Math.max(end.get(r.episodeId) ?? 0, r.t));
    const reportAt = new Map<string, number>();
    for (const r of this.rows) {
      if (r.isFraud && r.episodeId !== null) {
        let at = reportAt.get(r.episodeId);
        if (at === undefined) {
          at = rng.chance(set.missRate) ? -1 : end.get(r.episodeId)! + labelDelay(rng, set);
          reportAt.set(r.episodeId, at);
        }
        if (at >= 0) {
          r.observed = 1;
          r.labelAt = at;
        }
      } else if (disputable(r) && rng.chance(set.falseDisputeRate)) {
        r.observed = 1;
        r.labelAt = r.t + labelDelay(rng, set);
      }
    }
  }
}

/** A legitimate purchase a customer could dispute: approved, card not present, not an anomaly. */
export function disputable(r: Txn): boolean {
  return (
    !r.isFraud && !r.anomaly && r.txnType === 'purchase' && r.channel !== CH_POS && r.status === 'approved'
  );
}

/** Seconds from the last row to the label: lognormal in days, cut at the chargeback window. */
function labelDelay(rng: Rng, set: LabelFeedSettings): number {
  return Math.round(Math.min(set.delayMaxDays, rng.lognormal(set.delayMedianDays, set.delaySigma)) * DAY);
}

function blendAmount(normal: number, fraud: number, s: number): number {
  return Math.exp((1 - s) * Math.log(fraud) + s * Math.log(normal));
}

function withChain(evidence: string, parts: string): string {
  return `{"chain":"${parts}",${evidence.slice(1)}`;
}

export function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Largest-remainder apportionment of `total` into integer parts proportional to weights. */
export function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const raw = weights.map((w) => (sum > 0 ? (w / sum) * total : 0));
  const out = raw.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  for (let i = 0; left > 0; i = (i + 1) % order.length, left--) out[order[i]![1]]! += 1;
  return out;
}

/**
 * Times for an episode occupying slots [j, j+k): as close as possible to the pattern's rhythm
 * while staying after the previous row and before the next one, so time never runs backwards.
 */
export function assignTimes(
  times: Float64Array,
  j: number,
  k: number,
  pattern: Pattern,
  chain: Pattern | null,
  kFirst: number,
  stealth: number,
  rng: Rng,
  spanEnd: number,
  preset: number[],
): number[] {
  const lower = j > 0 ? times[j - 1]! : 0;
  const upper = j + k < times.length ? times[j + k]! : spanEnd;
  let start = preset.length ? preset[0]! : times[j]!;
  if (!preset.length && pattern.anchor === 'prev' && j > 0)
    start = lower + rng.range(pattern.gap[0], pattern.gap[1]);
  if (!preset.length && pattern.anchor === 'night' && rng.chance(1 - stealth)) {
    const dayStart = Math.floor(times[j]! / DAY) * DAY;
    const cand = dayStart + rng.range(0.5, 4.5) * 3600;
    if (cand > lower) start = cand;
  }
  const desired: number[] = [start];
  for (let m = 1; m < k; m++) {
    const pt = m < kFirst || !chain ? pattern : chain;
    desired.push(desired[m - 1]! + rng.range(pt.gap[0], pt.gap[1]));
  }
  // compress into (lower, upper] if the rhythm would overrun the next slot
  const last = desired[k - 1]!;
  if (last >= upper || start <= lower) {
    const s0 = Math.max(lower + 1, Math.min(start, upper - 1));
    const span = Math.max(0, upper - 1 - s0);
    const want = last - start;
    const scale = want > 0 ? Math.min(1, span / want) : 0;
    for (let m = 0; m < k; m++) desired[m] = s0 + (desired[m]! - start) * scale;
  }
  const out: number[] = [];
  let prev = lower;
  for (let m = 0; m < k; m++) {
    const x = Math.floor(Math.min(upper, Math.max(prev, desired[m]!)));
    out.push(x);
    prev = x;
  }
  return out;
}
