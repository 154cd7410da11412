// The 15 fraud patterns and the 4 anomaly types. Each pattern has preconditions on the customer,
// a row count, a rhythm (gaps between its rows) and builds a realistic sequence of rows through the
// shard generator, so its features (amount vs history, velocity, distance, new merchant, device,
// hour) come from behaviour, never from an extra column. `stealth` (0..1, from the difficulty)
// pulls each pattern toward the customer's normal behaviour.
import type { Rng } from '@polymorph/random/rng';
import { CAT, farCity, nearbyCity } from './customers.ts';
import type { AnomalyLabel, AnomalyType, Customer, FraudLabel, FraudType, Txn } from './types.ts';
import { CITIES, haversineKm } from './world/cities.ts';
import { CATEGORIES } from './world/merchants.ts';
import {
  CH_MOBILE,
  CH_ONLINE,
  CH_POS,
  PM_BNPL,
  PM_CREDIT,
  PM_DEBIT,
  PM_NETBANKING,
  PM_UPI,
  PM_WALLET,
} from './world/payments.ts';
import type { World } from './world.ts';

/**
 * A mule ring member's part: a victim's one transfer to its mule, or a mule's forwarding of that
 * money to the ring's collector. `to` is the receiving customer's index in the shard, `handle` the
 * payee number the transfer is addressed to, `inflowPaise` the victim's transfer.
 */
export interface RingPart {
  id: string;
  size: number;
  role: 'victim' | 'mule';
  to: number;
  handle: number;
  inflowPaise: number;
}

export interface Episode {
  /** shared by every row of the attack (all members of a mule ring); assigned when placed */
  id?: string | undefined;
  pattern: Pattern;
  /** second pattern for "combined" chains */
  chain: Pattern | null;
  cust: number;
  slot: number;
  k: number;
  kFirst: number;
  stealth: number;
  times: number[];
  ring?: RingPart;
}

/**
 * What a pattern needs from the generator that runs it: the current customer and their state, the
 * shard's random stream and customers, and the row builders. The shard generator implements it;
 * patterns depend on this, not on the generator.
 */
export interface PatternHost {
  readonly rng: Rng;
  readonly world: World;
  readonly customers: readonly Customer[];
  /** the customer whose rows are being generated */
  readonly c: Customer;
  readonly state: { readonly lastTxn: Txn | null };
  typical(cat: number): number;
  pickCategory(t: number): number;
  randomMerchant(city: number, cat: number): number;
  randomOnlineMerchant(cat: number): number;
  pickMode(ch: number, cat: number, amount: number): number;
  setDevice(tx: Txn, override?: { id: string; os: string; app: string | null }): void;
  newTxn(t: number): Txn;
  setMerchant(tx: Txn, m: number): void;
  setPayee(tx: Txn, payee: number, imps: boolean, to?: Customer): void;
  setAtm(tx: Txn, city: number): void;
  setRemoteLocation(tx: Txn, city?: number): void;
  emit(tx: Txn, fraud?: FraudLabel | null): Txn;
}

export interface Pattern {
  type: FraudType | `anomaly_${AnomalyType}`;
  minRows: number;
  maxRows: number;
  minHistory: number;
  /** where the first row sits: on its slot, just after the previous row, or moved into the night */
  anchor: 'slot' | 'prev' | 'night';
  /** mean rows per episode when it differs from (min+max)/2, e.g. a mule ring spans several customers */
  avgRows?: number;
  /** seconds between consecutive rows of the pattern */
  gap: [number, number];
  /** index in FRAUD_PATTERNS of the pattern this one chains into when chaining is requested */
  chainsTo?: number;
  eligible(c: Customer): boolean;
  build(g: PatternHost, ep: Episode, times: number[]): void;
}

const hasCard = (c: Customer) => c.hasDebit || c.hasCredit;
const round2 = (x: number) => Math.round(x * 100) / 100;
/** Geometric blend: stealth 0 gives the fraud value, stealth 1 the customer's normal value. */
const blend = (normal: number, fraud: number, s: number) =>
  Math.exp((1 - s) * Math.log(fraud) + s * Math.log(normal));
const SEVERITY = ['low', 'medium', 'high', 'critical'] as const;

function label(g: PatternHost, type: FraudType, sev: number, ep: Episode, evidence: object): FraudLabel {
  const conf = Math.min(0.99, Math.max(0.3, 0.97 - 0.45 * ep.stealth + g.rng.range(-0.05, 0.05)));
  return {
    type,
    severity: SEVERITY[sev]!,
    confidence: Math.round(conf * 1000) / 1000,
    evidence: JSON.stringify(evidence),
  };
}

function cardMode(g: PatternHost): number {
  const c = g.c;
  if (c.hasCredit && (!c.hasDebit || g.rng.chance(0.55))) return PM_CREDIT;
  return c.hasDebit ? PM_DEBIT : PM_CREDIT;
}

function fraudsterDevice(g: PatternHost, ep: Episode): { id: string; os: string; app: string | null } {
  const id = `DEVX${((g.rng.u32() ^ ep.slot) >>> 0).toString(16).padStart(8, '0').toUpperCase()}`;
  const os = g.rng.chance(0.3) ? (g.c.phoneOs === 'iOS' ? 'Android' : 'iOS') : g.c.phoneOs;
  return { id, os, app: '6.1.3' };
}

function paise(amount: number): number {
  return Math.max(100, Math.round(amount * 100));
}

function purchase(
  g: PatternHost,
  t: number,
  merchant: number,
  channel: number,
  amount: number,
  mode: number,
): Txn {
  const tx = g.newTxn(t);
  tx.channel = channel;
  g.setMerchant(tx, merchant);
  tx.amountPaise = paise(amount);
  tx.mode = mode;
  if (channel !== CH_POS) g.setRemoteLocation(tx);
  return tx;
}

/** A mule ring's victim sends money to the mule (a scam or a taken-over account): one transfer. */
function victimTransfer(g: PatternHost, ep: Episode, t: number): void {
  const ring = ep.ring!;
  const tx = g.newTxn(t);
  const imps = g.rng.chance(0.35);
  g.setPayee(tx, ring.handle, imps, g.customers[ring.to]);
  tx.channel = CH_MOBILE;
  tx.mode = imps ? PM_NETBANKING : PM_UPI;
  tx.amountPaise = ring.inflowPaise;
  g.setRemoteLocation(tx);
  g.setDevice(tx);
  g.emit(tx, label(g, 'mule_account', 3, ep, { ring_id: ring.id, ring_size: ring.size, role: 'victim' }));
}

const HIGH_VALUE = ['Electronics', 'Fashion', 'Shopping'] as const;

export const FRAUD_PATTERNS: Pattern[] = [
  {
    type: 'card_cloning',
    minRows: 1,
    maxRows: 3,
    minHistory: 5,
    anchor: 'slot',
    gap: [900, 7200],
    chainsTo: 3,
    eligible: hasCard,
    build(g, ep, times) {
      const c = g.c;
      const city = g.rng.chance(ep.stealth)
        ? nearbyCity(g.rng, c.homeCity, 60, 300)
        : farCity(g.rng, c.homeCity, 500);
      const mode = cardMode(g);
      for (const t of times) {
        const k = CAT(g.rng.pick([...HIGH_VALUE, 'Fuel', 'Groceries']));
        const typ = g.typical(k);
        const tx = purchase(
          g,
          t,
          g.randomMerchant(city, k),
          CH_POS,
          blend(typ, typ * g.rng.range(2.5, 7), ep.stealth),
          mode,
        );
        g.setDevice(tx);
        const d = Math.round(haversineKm(c.homeLat, c.homeLon, tx.lat, tx.lon));
        g.emit(
          tx,
          label(g, 'card_cloning', d > 500 ? 2 : 1, ep, {
            txn_city: CITIES[city]!.name,
            distance_km: d,
            card_present: true,
          }),
        );
      }
    },
  },
  {
    type: 'account_takeover',
    minRows: 3,
    maxRows: 6,
    minHistory: 10,
    anchor: 'night',
    gap: [120, 1500],
    chainsTo: 3,
    eligible: (c) => c.savviness >= 1,
    build(g, ep, times) {
      const c = g.c;
      const dev = fraudsterDevice(g, ep);
      const away = g.rng.chance((1 - ep.stealth) * 0.7) ? farCity(g.rng, c.homeCity, 300) : -1;
      times.forEach((t, m) => {
        const tx = g.newTxn(t);
        if (m === 0) {
          // first a small probe: wallet top-up or small transfer from the new device
          const k = CAT('Utilities & Bills');
          g.setMerchant(tx, g.randomOnlineMerchant(k));
          tx.amountPaise = paise(g.rng.range(10, 150));
          tx.mode = g.rng.chance(0.5) ? PM_WALLET : PM_UPI;
          tx.channel = CH_MOBILE;
        } else if (g.rng.chance(0.45)) {
          g.setPayee(tx, g.rng.int(90_000_000), g.rng.chance(0.3));
          const typ = 900 * c.spend;
          tx.amountPaise = Math.round(blend(typ, typ * g.rng.range(4, 12) * (1 + m * 0.4), ep.stealth)) * 100;
          tx.mode = tx.subcategory === 'IMPS' ? PM_NETBANKING : PM_UPI;
          tx.channel = CH_MOBILE;
        } else {
          const k = CAT(g.rng.pick(HIGH_VALUE));
          const typ = g.typical(k);
          g.setMerchant(tx, g.randomOnlineMerchant(k));
          tx.amountPaise = paise(blend(typ, typ * g.rng.range(2, 6) * (1 + m * 0.4), ep.stealth));
          tx.mode = g.rng.pick([PM_UPI, PM_NETBANKING, PM_WALLET, ...(c.hasCredit ? [PM_CREDIT] : [])]);
          tx.channel = g.rng.chance(0.6) ? CH_MOBILE : CH_ONLINE;
        }
        g.setRemoteLocation(tx, away);
        g.setDevice(tx, dev);
        g.emit(
          tx,
          label(g, 'account_takeover', m === 0 ? 1 : 3, ep, {
            new_device_id: dev.id,
            step: m + 1,
            steps: times.length,
          }),
        );
      });
    },
  },
  {
    type: 'merchant_collusion',
    minRows: 1,
    maxRows: 2,
    minHistory: 5,
    anchor: 'slot',
    gap: [3600, 86400],
    eligible: hasCard,
    build(g, ep, times) {
      const c = g.c;
      const col = g.world.colluding;
      const local = col.filter((m) => g.world.merchants[m]!.city === c.homeCity);
      const pool = local.length ? local : col;
      const m = pool.length ? g.rng.pick(pool) : g.randomMerchant(c.homeCity, CAT('Electronics'));
      for (const t of times) {
        const limits = [9999, 19999, 24999, 49999, 9900, 19500];
        const k = g.world.merchants[m]!.category;
        const typ = g.typical(k);
        const amt = g.rng.chance(ep.stealth)
          ? Math.round((typ * g.rng.range(1.5, 3)) / 100) * 100
          : g.rng.pick(limits);
        const tx = purchase(g, t, m, CH_POS, Math.max(100, amt), cardMode(g));
        g.setDevice(tx);
        g.emit(
          tx,
          label(g, 'merchant_collusion', 2, ep, {
            merchant_id: tx.merchantId,
            round_amount: amt % 100 === 0 || amt % 100 === 99,
          }),
        );
      }
    },
  },
  {
    type: 'velocity_abuse',
    minRows: 6,
    maxRows: 12,
    minHistory: 5,
    anchor: 'slot',
    gap: [30, 300],
    eligible: () => true,
    build(g, ep, times) {
      const window = Math.round(times[times.length - 1]! - times[0]!);
      for (const t of times) {
        const k = g.rng.int(CATEGORIES.length);
        const typ = g.typical(k);
        const amount = blend(typ, typ * g.rng.range(1.2, 3), ep.stealth);
        const ch = g.rng.chance(0.6) ? CH_ONLINE : CH_MOBILE;
        const tx = purchase(g, t, g.randomOnlineMerchant(k), ch, amount, g.pickMode(ch, k, amount));
        g.setDevice(tx);
        g.emit(tx, label(g, 'velocity_abuse', 2, ep, { burst_size: times.length, window_s: window }));
      }
    },
  },
  {
    type: 'amount_manipulation',
    minRows: 1,
    maxRows: 1,
    minHistory: 8,
    anchor: 'slot',
    gap: [0, 0],
    eligible: () => true,
    build(g, ep, times) {
      const c = g.c;
      const cats = c.favourites.map((f, k) => (f.length ? k : -1)).filter((k) => k >= 0);
      const k = cats.length ? g.rng.pick(cats) : CAT('Groceries');
      const fav = c.favourites[k]!;
      const m = fav.length ? g.rng.pick(fav) : g.randomMerchant(c.homeCity, k);
      const typ = g.typical(k);
      const ratio = blend(1.5, g.rng.range(6, 20), ep.stealth);
      const tx = purchase(g, times[0]!, m, CH_POS, typ * ratio + g.rng.range(0, 1), cardMode(g));
      if (!hasCard(c)) tx.mode = PM_UPI;
      g.setDevice(tx);
      g.emit(
        tx,
        label(g, 'amount_manipulation', ratio > 5 ? 2 : 1, ep, {
          expected_inr: round2(typ),
          ratio: round2(ratio),
        }),
      );
    },
  },
  {
    type: 'refund_fraud',
    minRows: 2,
    maxRows: 3,
    minHistory: 5,
    anchor: 'slot',
    gap: [1800, 2 * 86400],
    chainsTo: 3,
    eligible: () => true,
    build(g, ep, times) {
      const k = CAT(g.rng.pick(HIGH_VALUE));
      const typ = g.typical(k);
      const m = g.randomOnlineMerchant(k);
      const amount = blend(typ, typ * g.rng.range(2, 5), ep.stealth);
      const ch = g.rng.chance(0.5) ? CH_ONLINE : CH_MOBILE;
      const first = purchase(g, times[0]!, m, ch, amount, g.pickMode(ch, k, amount));
      g.setDevice(first);
      g.emit(first, label(g, 'refund_fraud', 1, ep, { role: 'purchase', refunds: times.length - 1 }));
      let refunded = 0;
      for (let i = 1; i < times.length; i++) {
        const tx = purchase(g, times[i]!, m, ch, 0, first.mode);
        tx.txnType = 'refund';
        tx.amountPaise =
          i === 1
            ? Math.round(first.amountPaise * blend(1, g.rng.range(1.1, 1.8), ep.stealth))
            : first.amountPaise;
        refunded += tx.amountPaise;
        g.setDevice(tx);
        g.emit(
          tx,
          label(g, 'refund_fraud', 2, ep, {
            role: 'refund',
            original_inr: first.amountPaise / 100,
            refunded_inr: refunded / 100,
          }),
        );
      }
    },
  },
  {
    type: 'stolen_card',
    minRows: 2,
    maxRows: 5,
    minHistory: 5,
    anchor: 'night',
    gap: [300, 2700],
    chainsTo: 3,
    eligible: hasCard,
    build(g, ep, times) {
      const c = g.c;
      const city = g.rng.chance(0.6) ? c.homeCity : nearbyCity(g.rng, c.homeCity, 20, 200);
      const mode = cardMode(g);
      for (const t of times) {
        const tx = g.newTxn(t);
        if (mode === PM_DEBIT && g.rng.chance(0.3)) {
          g.setAtm(tx, city);
          tx.amountPaise =
            Math.round(blend(3000 * c.spend, g.rng.range(8000, 20000), ep.stealth) / 100) * 10000;
        } else {
          const k = CAT(g.rng.pick([...HIGH_VALUE, 'Fuel']));
          const typ = g.typical(k);
          g.setMerchant(tx, g.randomMerchant(city, k));
          tx.channel = CH_POS;
          tx.mode = mode;
          tx.amountPaise = paise(blend(typ, typ * g.rng.range(3, 8), ep.stealth));
        }
        g.setDevice(tx);
        g.emit(tx, label(g, 'stolen_card', 3, ep, { txn_city: CITIES[city]!.name, card_present: true }));
      }
    },
  },
  {
    type: 'synthetic_identity',
    minRows: 3,
    maxRows: 5,
    minHistory: 3,
    anchor: 'slot',
    gap: [1800, 6 * 3600],
    chainsTo: 8,
    eligible: (c) => c.synthetic && (c.hasCredit || c.hasBnpl),
    build(g, ep, times) {
      const c = g.c;
      let total = 0;
      for (const t of times) {
        const k = CAT(g.rng.pick(['Electronics', 'Fashion', 'Travel']));
        const typ = g.typical(k);
        const ch = g.rng.chance(0.6) ? CH_ONLINE : CH_POS;
        const m = ch === CH_POS ? g.randomMerchant(c.homeCity, k) : g.randomOnlineMerchant(k);
        const mode = c.hasCredit && (!c.hasBnpl || g.rng.chance(0.6)) ? PM_CREDIT : PM_BNPL;
        const tx = purchase(
          g,
          t,
          m,
          ch,
          blend(typ, typ * g.rng.range(6, 18), ep.stealth),
          ch === CH_POS && mode === PM_BNPL ? PM_CREDIT : mode,
        );
        if (tx.mode === PM_CREDIT && !c.hasCredit) tx.mode = PM_BNPL;
        if (ch === CH_POS && tx.mode === PM_BNPL) {
          tx.channel = CH_ONLINE;
          g.setRemoteLocation(tx);
        }
        total += tx.amountPaise;
        g.setDevice(tx);
        g.emit(
          tx,
          label(g, 'synthetic_identity', 3, ep, {
            account_age_days: c.accountOpenDay,
            bust_total_inr: total / 100,
          }),
        );
      }
    },
  },
  {
    type: 'first_party_bust_out',
    minRows: 4,
    maxRows: 8,
    minHistory: 15,
    anchor: 'slot',
    gap: [2 * 3600, 14 * 3600],
    chainsTo: 5,
    eligible: (c) => c.hasCredit || c.hasBnpl,
    build(g, ep, times) {
      const c = g.c;
      let first = 0;
      times.forEach((t, m) => {
        const k = CAT(g.rng.pick(['Electronics', 'Fashion', 'Travel', 'Shopping']));
        const typ = g.typical(k);
        const ch = g.rng.chance(0.5) ? CH_ONLINE : CH_MOBILE;
        const amount = blend(typ, typ * (2.5 + m * 2) * g.rng.range(0.8, 1.3), ep.stealth);
        const mode = c.hasCredit && (!c.hasBnpl || g.rng.chance(0.6)) ? PM_CREDIT : PM_BNPL;
        const tx = purchase(g, t, g.randomOnlineMerchant(k), ch, amount, mode);
        if (m === 0) first = tx.amountPaise;
        g.setDevice(tx);
        g.emit(
          tx,
          label(g, 'first_party_bust_out', m < 2 ? 1 : 3, ep, {
            step: m + 1,
            escalation: round2(tx.amountPaise / first),
          }),
        );
      });
    },
  },
  {
    type: 'friendly_fraud',
    minRows: 1,
    maxRows: 1,
    minHistory: 5,
    anchor: 'slot',
    gap: [0, 0],
    eligible: () => true,
    build(g, ep, times) {
      const c = g.c;
      const k = CAT(g.rng.pick([...HIGH_VALUE, 'Entertainment', 'Travel']));
      const typ = g.typical(k);
      const m = g.rng.chance(0.5) ? g.rng.pick(c.onlineFavourites[k]!) : g.randomOnlineMerchant(k);
      const amount = blend(typ, typ * g.rng.range(1.5, 3.5), ep.stealth);
      const ch = g.rng.chance(0.5) ? CH_ONLINE : CH_MOBILE;
      const tx = purchase(g, times[0]!, m, ch, amount, g.pickMode(ch, k, amount));
      g.setDevice(tx);
      const reason = g.rng.pick(['item_not_received', 'unrecognised', 'not_as_described']);
      g.emit(tx, label(g, 'friendly_fraud', 0, ep, { dispute_reason: reason }));
    },
  },
  {
    type: 'transaction_replay',
    minRows: 1,
    maxRows: 3,
    minHistory: 5,
    anchor: 'prev',
    gap: [3, 240],
    eligible: () => true,
    build(g, ep, times) {
      const src = g.state.lastTxn;
      const replayable = src && src.txnType === 'purchase' && src.mode !== 1 && src.status === 'approved';
      for (const t of times) {
        const tx = g.newTxn(t);
        if (replayable) {
          tx.channel = src.channel;
          g.setMerchant(tx, src.merchantKey);
          tx.amountPaise = src.amountPaise;
          tx.mode = src.mode;
          tx.city = src.city;
          tx.lat = src.lat;
          tx.lon = src.lon;
          tx.deviceType = src.deviceType;
          tx.deviceId = src.deviceId;
          tx.os = src.os;
          tx.appVersion = src.appVersion;
        } else {
          const k = g.rng.int(CATEGORIES.length);
          const typ = g.typical(k);
          tx.channel = CH_ONLINE;
          g.setMerchant(tx, g.randomOnlineMerchant(k));
          tx.amountPaise = paise(typ);
          tx.mode = PM_UPI;
          g.setRemoteLocation(tx);
          g.setDevice(tx);
        }
        g.emit(tx, label(g, 'transaction_replay', 2, ep, { duplicate_of_previous: Boolean(replayable) }));
      }
    },
  },
  {
    type: 'card_testing',
    minRows: 4,
    maxRows: 10,
    minHistory: 3,
    anchor: 'night',
    gap: [8, 90],
    chainsTo: 6,
    eligible: hasCard,
    build(g, ep, times) {
      const c = g.c;
      const mode = cardMode(g);
      const bot = g.rng.chance(1 - ep.stealth);
      const dev = bot
        ? {
            id: `DEVX${g.rng.u32().toString(16).padStart(8, '0').toUpperCase()}`,
            os: g.rng.pick(['Linux', 'Windows']),
            app: null,
          }
        : undefined;
      const away = bot ? farCity(g.rng, c.homeCity, 300) : -1;
      let declined = 0;
      times.forEach((t, m) => {
        const last = m === times.length - 1;
        const k = last
          ? CAT(g.rng.pick(HIGH_VALUE))
          : CAT(g.rng.pick(['Entertainment', 'Utilities & Bills', 'Shopping']));
        const typ = g.typical(k);
        const amount = last ? blend(typ, typ * g.rng.range(3, 10), ep.stealth) : g.rng.range(1, 99);
        const tx = purchase(g, t, g.randomOnlineMerchant(k), CH_ONLINE, amount, mode);
        g.setRemoteLocation(tx, away);
        if (!last && g.rng.chance(0.4)) {
          tx.status = 'declined';
          declined++;
        }
        if (dev) {
          tx.deviceType = 'Desktop';
          tx.deviceId = dev.id;
          tx.os = dev.os;
        } else g.setDevice(tx);
        g.emit(tx, label(g, 'card_testing', last ? 3 : 1, ep, { probe: !last, probes_declined: declined }));
      });
    },
  },
  {
    type: 'mule_account',
    minRows: 2,
    maxRows: 3,
    avgRows: 10,
    minHistory: 10,
    anchor: 'slot',
    gap: [600, 3600],
    eligible: (c) => c.payWeights[PM_UPI]! > 0,
    build(g, ep, times) {
      const ring = ep.ring;
      if (ring?.role === 'victim') {
        victimTransfer(g, ep, times[0]!);
        return;
      }
      const c = g.c;
      const to = ring ? g.customers[ring.to] : undefined;
      // the mule keeps a cut and forwards the rest in round sums, the last one sometimes in cash
      let left = Math.round((ring?.inflowPaise ?? 2_000_000) * g.rng.range(0.85, 0.95));
      times.forEach((t, m) => {
        const tx = g.newTxn(t);
        const rowsLeft = times.length - m;
        const share = rowsLeft === 1 ? left : (left / rowsLeft) * g.rng.range(0.7, 1.3);
        if (m === times.length - 1 && c.hasDebit && g.rng.chance(0.3)) {
          g.setAtm(tx, c.homeCity);
          tx.amountPaise = Math.max(1, Math.round(share / 10_000)) * 10_000;
        } else {
          const imps = g.rng.chance(0.35);
          g.setPayee(tx, ring?.handle ?? 1, imps, to);
          tx.channel = CH_MOBILE;
          tx.mode = imps ? PM_NETBANKING : PM_UPI;
          // whole thousands of rupees, but never zero: a zero amount exists only on fraud rows and
          // would leak the label
          tx.amountPaise = Math.max(1, Math.round(share / 100_000)) * 100_000;
          g.setRemoteLocation(tx);
        }
        left = Math.max(0, left - tx.amountPaise);
        g.setDevice(tx);
        g.emit(
          tx,
          label(g, 'mule_account', 3, ep, { ring_id: ring?.id, ring_size: ring?.size, role: 'mule' }),
        );
      });
    },
  },
  {
    type: 'shipping_fraud',
    minRows: 1,
    maxRows: 2,
    minHistory: 5,
    anchor: 'slot',
    gap: [600, 7200],
    eligible: () => true,
    build(g, ep, times) {
      const c = g.c;
      const dest = g.rng.chance(ep.stealth)
        ? nearbyCity(g.rng, c.homeCity, 60, 300)
        : farCity(g.rng, c.homeCity, 500);
      for (const t of times) {
        const k = CAT(g.rng.pick(['Electronics', 'Fashion']));
        const typ = g.typical(k);
        const amount = blend(typ, typ * g.rng.range(2, 6), ep.stealth);
        const ch = g.rng.chance(0.5) ? CH_ONLINE : CH_MOBILE;
        const tx = purchase(g, t, g.randomOnlineMerchant(k), ch, amount, g.pickMode(ch, k, amount));
        g.setRemoteLocation(tx, dest);
        g.setDevice(tx);
        g.emit(tx, label(g, 'shipping_fraud', 2, ep, { delivery_city: CITIES[dest]!.name }));
      }
    },
  },
  {
    type: 'loyalty_abuse',
    minRows: 3,
    maxRows: 6,
    minHistory: 10,
    anchor: 'slot',
    gap: [60, 900],
    eligible: (c) => c.favourites.some((f) => f.length > 0),
    build(g, ep, times) {
      const c = g.c;
      const cats = c.favourites.map((f, k) => (f.length ? k : -1)).filter((k) => k >= 0);
      const k = g.rng.pick(cats);
      const m = g.rng.pick(c.favourites[k]!);
      const threshold = g.rng.pick([500, 1000, 2000]);
      for (const t of times) {
        const amount = threshold + g.rng.range(1, 40);
        const ch = g.rng.chance(0.6) ? CH_POS : CH_MOBILE;
        const tx = purchase(g, t, m, CH_POS, amount, g.rng.chance(0.6) ? PM_UPI : PM_WALLET);
        tx.channel = ch;
        g.setDevice(tx);
        g.emit(
          tx,
          label(g, 'loyalty_abuse', 0, ep, { reward_threshold_inr: threshold, repeats: times.length }),
        );
      }
    },
  },
];

// ---- anomalies: unusual but legitimate, labelled separately (is_fraud stays 0) ----------------

function anomalyLabel(g: PatternHost, type: AnomalyType, score: number, evidence: object): AnomalyLabel {
  const s = Math.round(Math.min(0.99, score) * 1000) / 1000;
  const sev = s > 0.85 ? 'high' : s > 0.65 ? 'medium' : 'low';
  void g;
  return { type, severity: sev, score: s, evidence: JSON.stringify(evidence) };
}

function anomalyRow(g: PatternHost, t: number, type: AnomalyType): void {
  const c = g.c;
  let tx: Txn;
  let evidence: object;
  let score: number;
  if (type === 'behavioural') {
    let k = 0;
    for (let i = 1; i < CATEGORIES.length; i++) if (c.catWeights[i]! < c.catWeights[k]!) k = i;
    const typ = g.typical(k);
    const amount = typ * g.rng.range(1.5, 3);
    tx = purchase(g, t, g.randomMerchant(c.homeCity, k), CH_POS, amount, g.pickMode(CH_POS, k, amount));
    score = g.rng.range(0.5, 0.8);
    evidence = { category: CATEGORIES[k]!.name, note: 'rarely used category' };
  } else if (type === 'geographic') {
    const city = farCity(g.rng, c.homeCity, 800);
    const k = g.pickCategory(t);
    const typ = g.typical(k);
    const amount = g.rng.lognormal(typ, 0.5);
    tx = purchase(g, t, g.randomMerchant(city, k), CH_POS, amount, g.pickMode(CH_POS, k, amount));
    score = g.rng.range(0.6, 0.9);
    evidence = { txn_city: CITIES[city]!.name };
  } else if (type === 'temporal') {
    const k = g.pickCategory(t);
    const typ = g.typical(k);
    const amount = g.rng.lognormal(typ, 0.5);
    tx = purchase(g, t, g.randomOnlineMerchant(k), CH_MOBILE, amount, g.pickMode(CH_MOBILE, k, amount));
    score = g.rng.range(0.5, 0.85);
    evidence = { hour: Math.floor((t % 86400) / 3600) };
  } else {
    // a legitimate big-ticket purchase: high-value category, usually a merchant new to the customer
    const k = CAT(g.rng.pick(['Electronics', 'Travel', 'Fashion', 'Education']));
    const typ = g.typical(k);
    const ratio = g.rng.range(3, 8);
    const ch = g.rng.chance(0.5) ? CH_POS : CH_ONLINE;
    const m = ch === CH_POS ? g.randomMerchant(c.homeCity, k) : g.randomOnlineMerchant(k);
    tx = purchase(g, t, m, ch, typ * ratio, g.pickMode(ch, k, typ * ratio));
    score = Math.min(0.99, 0.5 + ratio / 20);
    evidence = { ratio_to_typical: round2(ratio) };
  }
  g.setDevice(tx);
  tx.anomaly = anomalyLabel(g, type, score, evidence);
  g.emit(tx);
}

const anomaly = (type: AnomalyType, anchor: Pattern['anchor']): Pattern => ({
  type: `anomaly_${type}`,
  minRows: 1,
  maxRows: 1,
  minHistory: 5,
  anchor,
  gap: [0, 0],
  eligible: () => true,
  build(g, _ep, times) {
    anomalyRow(g, times[0]!, type);
  },
});

export const ANOMALY_PATTERNS: Pattern[] = [
  anomaly('behavioural', 'slot'),
  anomaly('geographic', 'slot'),
  anomaly('temporal', 'night'),
  anomaly('amount', 'slot'),
];
