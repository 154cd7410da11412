// Row -> values, and values -> CSV / JSONL text. One function produces the values so all formats
// carry the same data.
import { csvRow } from '@polymorph/csv/cell';
import { CHANNELS, PAYMENT_MODES } from '../transactions/vocabulary.ts';
import { type Column, CUSTOMER_COLUMNS, MERCHANT_COLUMNS, TXN_COLUMNS } from './schema.ts';
import type { Customer, Txn } from './types.ts';
import { DOW_NAMES, FESTIVALS } from './world/calendar.ts';
import { CITIES } from './world/cities.ts';
import { CATEGORIES } from './world/merchants.ts';
import { cardTypeFor } from './world/payments.ts';
import { INCOME_BRACKETS, SAVVINESS, SEGMENTS } from './world/segments.ts';
import type { World } from './world.ts';

export type Value = string | number | null;

const PAD2: string[] = Array.from({ length: 60 }, (_, i) => (i < 10 ? `0${i}` : String(i)));
const r5 = (x: number) => Math.round(x * 1e5) / 1e5;
const r2 = (x: number) => Math.round(x * 100) / 100;

export function transactionId(globalRow: number): string {
  return `TXN${String(globalRow + 1).padStart(12, '0')}`;
}

const IST_OFFSET_S = 19_800;
const MAX_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59);
const dayZeroMs = new WeakMap<World, number>();

/**
 * A second of the row clock (IST wall-clock seconds from the first day) as an ISO UTC instant,
 * `2025-01-15T04:30:00Z`. A label due after 9999-12-31 is given as that day's last second.
 */
export function utcInstant(world: World, sec: number): string {
  let base = dayZeroMs.get(world);
  if (base === undefined) {
    base = Date.parse(`${world.calendar[0]!.iso}T00:00:00Z`);
    dayZeroMs.set(world, base);
  }
  const ms = Math.min(MAX_INSTANT_MS, base + (sec - IST_OFFSET_S) * 1000);
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Values of one transaction row, in TXN_COLUMNS order. */
export function txnValues(tx: Txn, globalRow: number, world: World): Value[] {
  const c = tx.cust;
  const dayIdx = Math.floor(tx.t / 86400);
  const sec = tx.t - dayIdx * 86400;
  const hour = Math.floor(sec / 3600);
  const min = Math.floor((sec % 3600) / 60);
  const info = world.calendar[dayIdx]!;
  const city = CITIES[tx.city]!;
  const home = CITIES[c.homeCity]!;
  const f = tx.fraud;
  const a = tx.anomaly;
  return [
    transactionId(globalRow),
    c.id,
    tx.merchantId,
    `${info.iso} ${PAD2[hour]}:${PAD2[min]}:${PAD2[sec % 60]}`,
    hour,
    DOW_NAMES[info.dow]!,
    info.weekend ? 1 : 0,
    tx.txnType,
    tx.amountPaise / 100,
    tx.category,
    tx.subcategory,
    tx.merchantName,
    tx.merchantIsChain,
    tx.merchantReputation,
    PAYMENT_MODES[tx.mode]!,
    cardTypeFor(tx.mode),
    CHANNELS[tx.channel]!,
    tx.deviceType,
    tx.deviceId,
    tx.os,
    tx.appVersion,
    tx.status,
    city.name,
    city.state,
    city.region,
    city.tier,
    r5(tx.lat),
    r5(tx.lon),
    r2(tx.distanceKm),
    home.name,
    SEGMENTS[c.segment]!.name,
    c.age,
    INCOME_BRACKETS[c.income]!,
    c.occupation,
    SAVVINESS[c.savviness]!,
    info.festival >= 0 ? 1 : 0,
    info.festival >= 0 ? FESTIVALS[info.festival]!.name : null,
    info.salary ? 1 : 0,
    tx.firstWithMerchant,
    tx.firstWithMerchant ? 0 : 1,
    tx.prevMerchantCount,
    tx.dailyCount,
    tx.dailyAmountPaise / 100,
    tx.sinceLast,
    tx.isFraud,
    f ? f.type : null,
    f ? f.severity : null,
    f ? f.confidence : null,
    f ? f.evidence : null,
    a ? 1 : 0,
    a ? a.type : null,
    a ? a.severity : null,
    a ? a.score : null,
    a ? a.evidence : null,
    tx.observed,
    tx.labelAt >= 0 ? utcInstant(world, tx.labelAt) : null,
    tx.episodeId,
    tx.counterparty ? tx.counterparty.id : null,
  ];
}

export function customerValues(c: Customer): Value[] {
  const home = CITIES[c.homeCity]!;
  const prefs = c.catWeights
    .map((w, k) => [w, k] as const)
    .sort((x, y) => y[0] - x[0] || x[1] - y[1])
    .slice(0, 3)
    .map(([, k]) => CATEGORIES[k]!.name)
    .join('|');
  return [
    c.id,
    SEGMENTS[c.segment]!.name,
    c.age,
    INCOME_BRACKETS[c.income]!,
    c.occupation,
    SAVVINESS[c.savviness]!,
    home.name,
    home.state,
    home.region,
    home.tier,
    r5(c.homeLat),
    r5(c.homeLon),
    Math.round(c.spend * 1000) / 1000,
    Math.round(c.monthlyTxn * 10) / 10,
    prefs,
    PAYMENT_MODES[c.payWeights.indexOf(Math.max(...c.payWeights))]!,
    c.hasDebit ? 1 : 0,
    c.hasCredit ? 1 : 0,
    c.hasBnpl ? 1 : 0,
    c.phoneOs,
    c.accountOpenDay,
  ];
}

export function merchantValues(world: World): Value[][] {
  return world.merchants.map((m) => {
    const city = CITIES[m.city]!;
    return [
      m.id,
      m.name,
      CATEGORIES[m.category]!.name,
      m.subcategory,
      city.name,
      city.state,
      m.isChain ? 1 : 0,
      m.online ? 1 : 0,
      m.reputation,
      r5(m.lat),
      r5(m.lon),
    ];
  });
}

export function csvHeader(cols: readonly Column[]): string {
  return `${cols.map((c) => c.name).join(',')}\n`;
}

export function csvLine(vals: Value[]): string {
  return `${csvRow(vals)}\n`;
}

const TXN_IS_JSON = TXN_COLUMNS.map((c) => c.type === 'json');

/** CSV line of a transaction: only the JSON columns can hold commas or quotes, and they are quoted. */
export function csvTxnLine(vals: Value[]): string {
  let s = '';
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]!;
    if (i) s += ',';
    if (v === null) continue;
    if (typeof v === 'number') s += v;
    else if (TXN_IS_JSON[i]) s += `"${v.replaceAll('"', '""')}"`;
    else s += v;
  }
  return `${s}\n`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters must be JSON-escaped
const NEEDS_JSON_ESCAPE = /["\\\u0000-\u001f]/;
const KEY_PREFIX = new WeakMap<readonly Column[], string[]>();

export function jsonLine(cols: readonly Column[], vals: Value[]): string {
  let keys = KEY_PREFIX.get(cols);
  if (!keys) {
    keys = cols.map((c, i) => `${i ? ',' : '{'}"${c.name}":`);
    KEY_PREFIX.set(cols, keys);
  }
  let s = '';
  for (let i = 0; i < cols.length; i++) {
    const v = vals[i]!;
    s += keys[i]!;
    if (v === null) s += 'null';
    else if (typeof v === 'number') s += v;
    else s += NEEDS_JSON_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
  }
  return `${s}}\n`;
}

export { CUSTOMER_COLUMNS, MERCHANT_COLUMNS, TXN_COLUMNS };
