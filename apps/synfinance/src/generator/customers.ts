// Customer generation: one independent PRNG stream per customer, so a customer depends only on
// (seed, shard, index) and never on how many workers or chunks produced it.
import { cumulative, hashInts, Rng } from '@polymorph/random/rng';
import type { Customer, Difficulty } from './types.ts';
import { HOUR_PROFILE_NAMES } from './world/calendar.ts';
import { CITIES, haversineKm } from './world/cities.ts';
import { CATEGORIES, CATEGORY_INDEX, type MerchantUniverse } from './world/merchants.ts';
import {
  APP_VERSIONS,
  PAYMENT_MODE_CALIBRATION,
  PAYMENT_MODE_TARGET,
  PM_BNPL,
  PM_CASH,
  PM_CREDIT,
  PM_DEBIT,
  PM_UPI,
  PM_WALLET,
} from './world/payments.ts';
import { INCOME_SPEND, SEGMENTS } from './world/segments.ts';

export const SEGMENT_CUM = cumulative(SEGMENTS.map((s) => s.weight));
export const CITY_CUM = cumulative(CITIES.map((c) => c.weight));

/** How strongly legitimate behaviour overlaps fraud-like behaviour (travel, splurges, new phones). */
export function overlapFactor(d: Difficulty): number {
  return d === 'easy' ? 0.5 : d === 'hard' ? 2 : 1;
}

export const AVG_MONTHLY_TXN =
  SEGMENTS.reduce((s, g) => s + g.weight * ((g.monthlyTxnMin + g.monthlyTxnMax) / 2), 0) /
  SEGMENTS.reduce((s, g) => s + g.weight, 0);

export function customerId(globalIdx: number): string {
  return `CUST${String(globalIdx + 1).padStart(8, '0')}`;
}

function deviceId(seed: number, globalIdx: number, salt: number): string {
  return `DEV${hashInts(seed, globalIdx, salt).toString(16).padStart(8, '0').toUpperCase()}`;
}

export function makeCustomer(
  seed: number,
  shard: number,
  idx: number,
  globalIdx: number,
  days: number,
  world: MerchantUniverse,
  difficulty: Difficulty,
): Customer {
  const rng = new Rng(seed, shard, 0x43555354, idx); // 'CUST'
  const ov = overlapFactor(difficulty);
  const segment = rng.weighted(SEGMENT_CUM);
  const seg = SEGMENTS[segment]!;
  const age = rng.intRange(seg.ageMin, seg.ageMax);
  const income = rng.weighted(cumulative(seg.income));
  const occ = rng.pick(seg.occupations);
  const savviness = rng.weighted(cumulative(seg.savviness));
  const homeCity = rng.weighted(CITY_CUM);
  const city = CITIES[homeCity]!;
  const homeLat = city.lat + rng.range(-0.08, 0.08);
  const homeLon = city.lon + rng.range(-0.08, 0.08);
  const spend = seg.spend * INCOME_SPEND[income]! * rng.lognormal(1, 0.25);
  const monthlyTxn = rng.range(seg.monthlyTxnMin, seg.monthlyTxnMax);

  const catWeights = CATEGORIES.map((c) => {
    let w = seg.categories.includes(c.name) ? 3 : 1;
    if (c.name === 'Education' && age > 55) w *= 0.3;
    return w * rng.range(0.6, 1.4);
  });

  // instruments held
  const hasDebit = rng.chance(seg.name === 'Student' ? 0.7 : 0.92);
  const creditOdds = Math.min(0.95, 0.12 * seg.payTilt[PM_CREDIT]! * (0.6 + income * 0.35));
  const hasCredit = rng.chance(creditOdds);
  const hasBnpl = rng.chance(Math.min(0.6, 0.18 * seg.payTilt[PM_BNPL]! * (savviness === 2 ? 1.3 : 0.6)));
  const payWeights = PAYMENT_MODE_TARGET.map(
    (b, m) => b * PAYMENT_MODE_CALIBRATION[m]! * seg.payTilt[m]! * rng.range(0.7, 1.3),
  );
  // digital savviness moves weight between cash and digital modes
  if (savviness === 0) {
    payWeights[PM_UPI]! *= 0.75;
    payWeights[PM_CASH]! *= 1.5;
    payWeights[PM_WALLET]! *= 0.5;
  } else if (savviness === 2) {
    payWeights[PM_UPI]! *= 1.1;
    payWeights[PM_CASH]! *= 0.6;
    payWeights[PM_WALLET]! *= 1.2;
  }
  if (!hasDebit) payWeights[PM_DEBIT] = 0;
  // credit holders use the card a lot more than the population average suggests
  if (!hasCredit) payWeights[PM_CREDIT] = 0;
  else payWeights[PM_CREDIT]! /= Math.max(0.15, creditOdds);
  if (!hasBnpl) payWeights[PM_BNPL] = 0;
  else payWeights[PM_BNPL]! *= 2.5;

  const phoneOs = rng.chance(seg.name === 'Affluent' ? 0.25 : 0.05) ? 'iOS' : 'Android';
  const hasDesktop = rng.chance(savviness === 2 ? 0.55 : savviness === 1 ? 0.3 : 0.08);
  const desktopOs = hasDesktop ? (rng.chance(0.8) ? 'Windows' : rng.chance(0.7) ? 'macOS' : 'Linux') : null;

  const loyalty = rng.range(0.55, 0.85);
  const nCat = CATEGORIES.length;
  const favourites: number[][] = [];
  const onlineFavourites: number[][] = [];
  for (let k = 0; k < nCat; k++) {
    const pool = world.byCityCat[homeCity * nCat + k]!;
    const nFav = Math.min(pool.length, rng.intRange(1, catWeights[k]! > 2 ? 4 : 2));
    const fav: number[] = [];
    for (let j = 0; j < nFav; j++) {
      const m = pool[rng.int(pool.length)]!;
      if (!fav.includes(m)) fav.push(m);
    }
    favourites.push(fav);
    const op = world.onlineByCat[k]!;
    onlineFavourites.push([op[rng.int(op.length)]!, op[rng.int(op.length)]!]);
  }
  const payees: number[] = [];
  const nPayees = rng.intRange(2, 5);
  for (let j = 0; j < nPayees; j++) payees.push(hashInts(seed, globalIdx, 0x50415945, j) % 90_000_000);

  // legitimate trips to other cities (overlap with geography-based fraud)
  const tripsPerYear =
    (seg.name === 'Affluent'
      ? 5
      : seg.name === 'Young Professional' || seg.name === 'Tech-Savvy Millennial'
        ? 3
        : 1.2) * ov;
  const trips: number[] = [];
  let tt = rng.exp((365 / tripsPerYear) * 86400);
  while (tt < days * 86400) {
    const len = rng.range(1.5, 6) * 86400;
    let dest = rng.weighted(CITY_CUM);
    if (dest === homeCity) dest = (dest + 1 + rng.int(CITIES.length - 1)) % CITIES.length;
    trips.push(tt, tt + len, dest);
    tt += len + rng.exp((365 / tripsPerYear) * 86400);
  }
  const phoneChangeAt = rng.chance(Math.min(0.8, (0.35 * ov * days) / 365))
    ? rng.range(0.1, 1) * days * 86400
    : -1;

  return {
    idx,
    id: customerId(globalIdx),
    segment,
    age,
    income,
    occupation: occ.name,
    hourProfile: HOUR_PROFILE_NAMES.indexOf(occ.profile),
    savviness,
    homeCity,
    homeLat,
    homeLon,
    spend,
    monthlyTxn,
    catCum: cumulative(catWeights),
    catWeights,
    payWeights,
    hasDebit,
    hasCredit,
    hasBnpl,
    phoneOs,
    phoneId: deviceId(seed, globalIdx, 1),
    appVersion: rng.pick(APP_VERSIONS),
    desktopOs,
    desktopId: hasDesktop ? deviceId(seed, globalIdx, 2) : null,
    loyalty,
    favourites,
    onlineFavourites,
    payees,
    nightOwl: rng.chance(0.05 * ov),
    synthetic: false,
    accountOpenDay: rng.intRange(30, 3650),
    trips,
    phoneChangeAt,
    newPhoneId: deviceId(seed, globalIdx, 3),
  };
}

/** Far city for a customer (>= minKm from home), falling back to the farthest one. */
export function farCity(rng: Rng, home: number, minKm: number): number {
  const h = CITIES[home]!;
  for (let i = 0; i < 12; i++) {
    const c = rng.weighted(CITY_CUM);
    if (c !== home && haversineKm(h.lat, h.lon, CITIES[c]!.lat, CITIES[c]!.lon) >= minKm) return c;
  }
  let best = 0;
  let bestD = -1;
  CITIES.forEach((c, i) => {
    const d = haversineKm(h.lat, h.lon, c.lat, c.lon);
    if (d > bestD) {
      bestD = d;
      best = i;
    }
  });
  return best;
}

/** A city at moderate distance (between lo and hi km), used by stealthier patterns. */
export function nearbyCity(rng: Rng, home: number, lo: number, hi: number): number {
  const h = CITIES[home]!;
  const cands: number[] = [];
  CITIES.forEach((c, i) => {
    const d = haversineKm(h.lat, h.lon, c.lat, c.lon);
    if (i !== home && d >= lo && d <= hi) cands.push(i);
  });
  return cands.length ? rng.pick(cands) : farCity(rng, home, lo);
}

export const CAT = (name: string): number => {
  const i = CATEGORY_INDEX.get(name);
  if (i === undefined) throw new Error(`unknown category ${name}`);
  return i;
};
