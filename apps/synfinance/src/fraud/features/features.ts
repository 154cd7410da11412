// THE fraud features: one implementation, used by training (a whole table, in stream order) and by
// the scoring API (one transaction at a time through a bounded LRU of customer histories). Each
// feature of a transaction depends only on that transaction and the same customer's earlier
// transactions (the history is updated after the features are computed), never on labels.
import { CHANNELS, PAYMENT_MODES, TRANSACTION_TYPES } from '../../transactions/vocabulary.ts';
import type { Txn } from './transaction.ts';

const H = 3_600_000;
/** Bounds of the per-customer state, so one customer cannot grow memory without limit. */
export const HISTORY_LIMITS = {
  recent: 200,
  amounts: 50,
  merchants: 256,
  devices: 16,
  cities: 32,
  categories: 32,
  statuses: 10,
};

/** Version 1: the features the first models were trained with (a prefix of every later version). */
export const FEATURE_NAMES_V1 = [
  'amount_log', // log(1 + amount)
  'amount_zscore', // z-score of log amount against the customer's own history
  'amount_to_median', // amount / median of the customer's last 50 amounts
  'amount_vs_category', // log amount minus the customer's mean log amount in this category
  'amount_vs_merchant', // log amount minus the customer's mean log amount at this merchant
  'same_amount_at_merchant', // 1 when equal (to the paisa) to the last amount at this merchant
  'round_amount', // 1 when the rupee amount ends in 00 or 99
  'count_10m', // earlier transactions in the last 10 minutes
  'count_1h',
  'amount_1h_log', // log(1 + sum of amounts in the last hour)
  'count_6h',
  'amount_6h_log',
  'count_24h',
  'amount_24h_log',
  'distance_from_home_log', // log(1 + distance_from_home_km)
  'distance_from_prev_log', // log(1 + km from the previous transaction's location)
  'travel_speed_kmh_log', // log(1 + km/h needed to get there from the previous transaction)
  'new_merchant', // merchant not in the customer's history (as far as the history reaches)
  'new_device', // device_id given and not seen before for this customer
  'new_city',
  'new_category',
  'merchant_reputation', // NaN for transfers and ATMs
  'hour',
  'is_weekend',
  'hour_habit', // share of the customer's earlier transactions in this hour of day
  'category_diversity_24h', // distinct categories in the last 24 h, this one included
  'declined_rate_recent', // declined share of the customer's last 10 transactions
  'declined_1h', // declined transactions in the last hour
  'time_since_last_log', // log(1 + seconds since the customer's previous transaction)
  'history_count', // transactions in the history, capped at 100
  'spend_24h_vs_typical', // log((amount + last 24 h amounts) / the customer's average daily spend so far)
  'max_prior_zscore_24h', // largest amount z-score among the customer's transactions of the last 24 h
  'new_merchants_24h', // first-time merchants among the customer's transactions of the last 24 h
  ...TRANSACTION_TYPES.map((t) => `type_${t}`),
  ...CHANNELS.map((c) => `channel_${c.toLowerCase()}`),
  ...PAYMENT_MODES.map((m) => `payment_${m.toLowerCase().replace(/ /g, '_')}`),
] as const;

/**
 * Version 2 adds features that need no long history, so a customer first seen days ago (a test set
 * generated on its own: every customer starts cold) is not read as a string of anomalies.
 */
export const FEATURE_NAMES = [
  ...FEATURE_NAMES_V1,
  'category_code', // index in CATEGORY_PRIORS (NaN for a category not in it)
  'days_known_log', // log(1 + days since the customer's first transaction); 0 without history
  'amount_vs_category_shrunk', // log amount minus the customer's category mean shrunk toward the population's
  'amount_zscore_shrunk', // amount z-score against the customer's mean and sd shrunk toward the population's
] as const;

export type FeatureVersion = 1 | 2;
/** The version `train` uses; models record theirs and older ones keep loading (a prefix of the row). */
export const FEATURE_VERSION: FeatureVersion = 2;
export const N_FEATURES = FEATURE_NAMES.length;
const N_FEATURES_V1 = FEATURE_NAMES_V1.length;

/** Feature names of a version. */
export const featureNamesOf = (v: FeatureVersion): readonly string[] =>
  v === 1 ? FEATURE_NAMES_V1 : FEATURE_NAMES;
/** Number of features of a version: the first so many of a full row. */
export const nFeaturesOf = (v: FeatureVersion): number => (v === 1 ? N_FEATURES_V1 : N_FEATURES);

const IDX_TYPE = FEATURE_NAMES.indexOf('type_purchase');
if (IDX_TYPE !== 33 || N_FEATURES_V1 !== 48) throw new Error('FEATURE_NAMES and computeFeatures disagree');
const IDX_CHANNEL = IDX_TYPE + TRANSACTION_TYPES.length;
const IDX_PAYMENT = IDX_CHANNEL + CHANNELS.length;

/**
 * Population norms: mean log(1 + amount) per category, label-free: measured on generated
 * tables (seeds 101 and 303, 300,000 rows each, agreeing to 0.02). A customer with little history in
 * a category is compared with these rather than with one or two of their own amounts.
 */
export const CATEGORY_PRIORS: Readonly<Record<string, number>> = {
  'Cash Withdrawal': 7.88,
  Education: 8.16,
  Electronics: 8.92,
  Entertainment: 6.27,
  Fashion: 7.89,
  'Food & Dining': 6.15,
  Fuel: 7.18,
  Groceries: 6.36,
  Healthcare: 6.94,
  'Money Transfer': 7.12,
  Shopping: 7.47,
  Transportation: 5.23,
  Travel: 8.78,
  'Utilities & Bills': 6.68,
};
const CATEGORY_CODES = new Map(Object.keys(CATEGORY_PRIORS).map((c, i) => [c, i]));
/** Norm of every amount together, for a category without a prior. */
const POPULATION_PRIOR = { mean: 7.15, sd: 1.56 };
/** Pseudo-counts: how many own transactions weigh as much as the population norm. */
const SHRINK_CATEGORY = 5;
const SHRINK_CUSTOMER = 10;

/** Running, bounded state of one customer's earlier transactions. */
export interface CustomerHistory {
  n: number;
  firstTime: number;
  amountSum: number;
  logSum: number;
  logSq: number;
  lastTime: number;
  lastLat: number;
  lastLon: number;
  // recent transactions (last 24 h, at most HISTORY_LIMITS.recent), oldest first
  rTime: number[];
  rAmount: number[];
  rDeclined: number[];
  rCategory: string[];
  rZ: number[]; // amount z-score at the time (0 without history)
  rNew: number[]; // 1 when the merchant was new at the time
  amounts: number[]; // last 50 amounts (ring in insertion order)
  statuses: number[]; // last 10 declined flags
  hours: Uint16Array;
  merchants: Map<string, { n: number; logSum: number; last: number }>;
  categories: Map<string, { n: number; logSum: number }>;
  devices: Set<string>;
  cities: Set<string>;
}

export function newHistory(): CustomerHistory {
  return {
    n: 0,
    firstTime: Number.NaN,
    amountSum: 0,
    logSum: 0,
    logSq: 0,
    lastTime: Number.NaN,
    lastLat: Number.NaN,
    lastLon: Number.NaN,
    rTime: [],
    rAmount: [],
    rDeclined: [],
    rCategory: [],
    rZ: [],
    rNew: [],
    amounts: [],
    statuses: [],
    hours: new Uint16Array(24),
    merchants: new Map(),
    categories: new Map(),
    devices: new Set(),
    cities: new Set(),
  };
}

function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180;
  const dLat = (lat2 - lat1) * r;
  const dLon = (lon2 - lon1) * r;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dLon / 2) ** 2;
  return 12_742 * Math.asin(Math.min(1, Math.sqrt(a)));
}

const medianScratch = new Float64Array(64);
/** Median of at most 64 numbers (typed-array sort: numeric, no comparator, no allocation). */
function median(xs: readonly number[]): number {
  const k = xs.length;
  for (let i = 0; i < k; i++) medianScratch[i] = xs[i]!;
  const s = medianScratch.subarray(0, k).sort();
  const m = k >> 1;
  return k % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const DAY = 24 * H;
/** Hour of day and weekday (0 = Sunday) of a wall-clock time in ms, without Date objects. */
const hourOf = (ms: number) => Math.floor((((ms % DAY) + DAY) % DAY) / H);
const weekdayOf = (ms: number) => (((Math.floor(ms / DAY) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
const catScratch: string[] = [];

/** Insert into a bounded Map/Set, evicting the oldest insertion when full. */
function boundedAdd<K>(s: Set<K>, k: K, cap: number): void {
  if (s.has(k)) return;
  if (s.size >= cap) s.delete(s.values().next().value as K);
  s.add(k);
}

/**
 * Features of `t` given the customer's history so far, written into `out` (length N_FEATURES).
 * Pure: the history is not modified (call `updateHistory` afterwards).
 */
export function computeFeatures(
  t: Txn,
  h: CustomerHistory,
  out: Float64Array = new Float64Array(N_FEATURES),
): Float64Array {
  const NaN_ = Number.NaN;
  const amt = t.amount;
  const la = Math.log1p(amt);
  const now = t.timeMs;
  let c10m = 0;
  let c1h = 0;
  let a1h = 0;
  let c6h = 0;
  let a6h = 0;
  let c24 = 0;
  let a24 = 0;
  let dec1h = 0;
  let maxZ = Number.NEGATIVE_INFINITY;
  let new24 = 0;
  const cats = catScratch;
  cats.length = 0;
  cats.push(t.category);
  for (let i = h.rTime.length - 1; i >= 0; i--) {
    const dt = now - h.rTime[i]!;
    if (dt >= 24 * H) break;
    if (dt < 0) continue; // same customer's later row (never in time-ordered streams)
    const a = h.rAmount[i]!;
    c24++;
    a24 += a;
    if (h.rZ[i]! > maxZ) maxZ = h.rZ[i]!;
    new24 += h.rNew[i]!;
    const rc = h.rCategory[i]!;
    if (!cats.includes(rc)) cats.push(rc);
    if (dt < 6 * H) {
      c6h++;
      a6h += a;
      if (dt < H) {
        c1h++;
        a1h += a;
        dec1h += h.rDeclined[i]!;
        if (dt < H / 6) c10m++;
      }
    }
  }
  const n = h.n;
  const mean = n ? h.logSum / n : NaN_;
  const sd = n > 1 ? Math.sqrt(Math.max(1e-6, h.logSq / n - mean * mean)) : 1;
  const cat = h.categories.get(t.category);
  const mer = h.merchants.get(t.merchantId);
  const hour = hourOf(now);
  const dow = weekdayOf(now);
  const dPrev =
    n && !Number.isNaN(h.lastLat) && !Number.isNaN(t.latitude)
      ? haversineKm(h.lastLat, h.lastLon, t.latitude, t.longitude)
      : NaN_;
  const dtH = n ? Math.max(now - h.lastTime, 0) / H : NaN_;
  let dec = 0;
  for (const s of h.statuses) dec += s;
  const rupees = Math.round(amt);

  out[0] = la;
  out[1] = n ? (la - mean) / sd : NaN_;
  const med = h.amounts.length ? median(h.amounts) : 0;
  out[2] = med > 0 ? amt / med : NaN_; // no history, or only zero amounts
  out[3] = cat ? la - cat.logSum / cat.n : NaN_;
  out[4] = mer ? la - mer.logSum / mer.n : NaN_;
  out[5] = mer && Math.abs(mer.last - amt) < 0.005 ? 1 : 0;
  out[6] = rupees % 100 === 0 || rupees % 100 === 99 ? 1 : 0;
  out[7] = c10m;
  out[8] = c1h;
  out[9] = Math.log1p(a1h);
  out[10] = c6h;
  out[11] = Math.log1p(a6h);
  out[12] = c24;
  out[13] = Math.log1p(a24);
  out[14] = Math.log1p(t.distanceFromHomeKm);
  out[15] = Math.log1p(dPrev);
  // at least one minute, so two transactions a few seconds apart in one place are not "infinitely fast"
  out[16] = Math.log1p(Number.isNaN(dPrev) ? NaN_ : dPrev / Math.max(dtH, 1 / 60));
  out[17] = mer ? 0 : 1;
  out[18] = t.deviceId !== null && n > 0 && !h.devices.has(t.deviceId) ? 1 : 0;
  out[19] = t.city !== null && n > 0 && !h.cities.has(t.city) ? 1 : 0;
  out[20] = n > 0 && !cat ? 1 : 0;
  out[21] = t.merchantReputation;
  out[22] = hour;
  out[23] = dow === 0 || dow === 6 ? 1 : 0;
  out[24] = n ? h.hours[hour]! / n : NaN_;
  out[25] = cats.length;
  out[26] = h.statuses.length ? dec / h.statuses.length : NaN_;
  out[27] = dec1h;
  out[28] = n ? Math.log1p(Math.max(now - h.lastTime, 0) / 1000) : NaN_;
  out[29] = Math.min(n, 100);
  const days = n ? Math.max(1, (now - h.firstTime) / (24 * H)) : NaN_;
  out[30] = n && h.amountSum > 0 && a24 + amt > 0 ? Math.log((a24 + amt) / (h.amountSum / days)) : NaN_;
  out[31] = c24 ? maxZ : NaN_;
  out[32] = new24;
  for (let i = 0; i < TRANSACTION_TYPES.length; i++) out[IDX_TYPE + i] = t.transactionType === i ? 1 : 0;
  for (let i = 0; i < CHANNELS.length; i++) out[IDX_CHANNEL + i] = t.channel === i ? 1 : 0;
  for (let i = 0; i < PAYMENT_MODES.length; i++) out[IDX_PAYMENT + i] = t.paymentMode === i ? 1 : 0;
  writeColdStartFeatures(t, h, la, out);
  return out;
}

/** The version-2 features (after the version-1 ones): shrunk norms and how long the customer is known. */
function writeColdStartFeatures(t: Txn, h: CustomerHistory, la: number, out: Float64Array): void {
  const code = CATEGORY_CODES.get(t.category);
  const catMean = code === undefined ? POPULATION_PRIOR.mean : CATEGORY_PRIORS[t.category]!;
  const cat = h.categories.get(t.category);
  const k = SHRINK_CATEGORY;
  const catNorm = cat ? (cat.logSum + k * catMean) / (cat.n + k) : catMean;
  // the customer's mean and second moment, each shrunk toward the population's
  const { mean: pm, sd: psd } = POPULATION_PRIOR;
  const c = SHRINK_CUSTOMER;
  const m = (h.logSum + c * pm) / (h.n + c);
  const m2 = (h.logSq + c * (psd * psd + pm * pm)) / (h.n + c);
  const sd = Math.sqrt(Math.max(1e-6, m2 - m * m));
  const i = N_FEATURES_V1;
  out[i] = code ?? Number.NaN;
  out[i + 1] = h.n ? Math.log1p(Math.max(0, t.timeMs - h.firstTime) / DAY) : 0;
  out[i + 2] = la - catNorm;
  out[i + 3] = (la - m) / sd;
}

/** Append `t` to the customer's history (after its features were computed). */
export function updateHistory(t: Txn, h: CustomerHistory): void {
  const L = HISTORY_LIMITS;
  const la = Math.log1p(t.amount);
  // z-score and novelty as they were for this transaction, before it joins the history
  const mean = h.n ? h.logSum / h.n : 0;
  const sd = h.n > 1 ? Math.sqrt(Math.max(1e-6, h.logSq / h.n - mean * mean)) : 1;
  const z = h.n ? (la - mean) / sd : 0;
  const isNew = h.merchants.has(t.merchantId) ? 0 : 1;
  if (h.n === 0) h.firstTime = t.timeMs;
  h.amountSum += t.amount;
  h.n++;
  h.logSum += la;
  h.logSq += la * la;
  h.lastTime = t.timeMs;
  if (!Number.isNaN(t.latitude)) {
    h.lastLat = t.latitude;
    h.lastLon = t.longitude;
  }
  // drop entries older than 24 h and keep at most L.recent
  let drop = 0;
  while (drop < h.rTime.length && t.timeMs - h.rTime[drop]! >= 24 * H) drop++;
  if (h.rTime.length - drop >= L.recent) drop = h.rTime.length - L.recent + 1;
  if (drop) {
    h.rTime.splice(0, drop);
    h.rAmount.splice(0, drop);
    h.rDeclined.splice(0, drop);
    h.rCategory.splice(0, drop);
    h.rZ.splice(0, drop);
    h.rNew.splice(0, drop);
  }
  h.rTime.push(t.timeMs);
  h.rAmount.push(t.amount);
  h.rDeclined.push(t.declined ? 1 : 0);
  h.rCategory.push(t.category);
  h.rZ.push(z);
  h.rNew.push(isNew);
  h.amounts.push(t.amount);
  if (h.amounts.length > L.amounts) h.amounts.shift();
  h.statuses.push(t.declined ? 1 : 0);
  if (h.statuses.length > L.statuses) h.statuses.shift();
  h.hours[hourOf(t.timeMs)]!++;
  const m = h.merchants.get(t.merchantId);
  if (m) {
    m.n++;
    m.logSum += la;
    m.last = t.amount;
  } else {
    if (h.merchants.size >= L.merchants) h.merchants.delete(h.merchants.keys().next().value as string);
    h.merchants.set(t.merchantId, { n: 1, logSum: la, last: t.amount });
  }
  const c = h.categories.get(t.category);
  if (c) {
    c.n++;
    c.logSum += la;
  } else {
    if (h.categories.size >= L.categories) h.categories.delete(h.categories.keys().next().value as string);
    h.categories.set(t.category, { n: 1, logSum: la });
  }
  if (t.deviceId !== null) boundedAdd(h.devices, t.deviceId, L.devices);
  if (t.city !== null) boundedAdd(h.cities, t.city, L.cities);
}

export class OutOfOrderError extends Error {
  override name = 'OutOfOrderError';
}

/**
 * Customer histories keyed by customer id, least recently used evicted beyond `maxCustomers`
 * (Infinity for training over a whole table). `process` = features from the history, then update.
 */
export class FeatureExtractor {
  readonly histories = new Map<string, CustomerHistory>();
  hits = 0;
  misses = 0;
  evictions = 0;

  constructor(
    readonly maxCustomers = Number.POSITIVE_INFINITY,
    /** 'error': a customer's transaction older than its previous one throws (training on a table). */
    readonly outOfOrder: 'error' | 'accept' = 'accept',
  ) {}

  /** Features of `t` (into `out`); the transaction then joins its customer's history. */
  process(
    t: Txn,
    out: Float64Array = new Float64Array(N_FEATURES),
  ): { features: Float64Array; hit: boolean } {
    let h = this.histories.get(t.customerId);
    const hit = h !== undefined;
    if (h) {
      this.hits++;
      if (this.maxCustomers !== Number.POSITIVE_INFINITY) {
        // move to most recently used
        this.histories.delete(t.customerId);
        this.histories.set(t.customerId, h);
      }
      if (this.outOfOrder === 'error' && t.timeMs < h.lastTime) {
        throw new OutOfOrderError(
          `transactions of customer ${t.customerId} are not in time order; sort the table by timestamp`,
        );
      }
    } else {
      this.misses++;
      h = newHistory();
      if (this.histories.size >= this.maxCustomers) {
        this.histories.delete(this.histories.keys().next().value as string);
        this.evictions++;
      }
      this.histories.set(t.customerId, h);
    }
    computeFeatures(t, h, out);
    updateHistory(t, h);
    return { features: out, hit };
  }

  get size(): number {
    return this.histories.size;
  }
}
