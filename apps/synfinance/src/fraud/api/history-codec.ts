// One customer's feature history as the text the Redis store keeps. Lossless: the scores from a decoded
// history equal those from the live object, so replicas sharing it agree with a single process.
// JSON keeps every finite double exactly; NaN (no previous location or time yet) travels as null, and
// maps and sets as entry arrays in insertion order, which decides their eviction order.
import type { CustomerHistory } from '../features/features.ts';

interface Encoded {
  n: number;
  ft: number | null;
  as: number;
  ls: number;
  lq: number;
  lt: number | null;
  la: number | null;
  lo: number | null;
  rt: number[];
  ra: number[];
  rd: number[];
  rc: string[];
  rz: number[];
  rn: number[];
  am: number[];
  st: number[];
  hr: number[];
  me: [string, number, number, number][];
  ca: [string, number, number][];
  de: string[];
  ci: string[];
}

const nanToNull = (x: number): number | null => (Number.isNaN(x) ? null : x);
const nullToNan = (x: number | null): number => (x === null ? Number.NaN : x);

export function encodeHistory(h: CustomerHistory): string {
  const e: Encoded = {
    n: h.n,
    ft: nanToNull(h.firstTime),
    as: h.amountSum,
    ls: h.logSum,
    lq: h.logSq,
    lt: nanToNull(h.lastTime),
    la: nanToNull(h.lastLat),
    lo: nanToNull(h.lastLon),
    rt: h.rTime,
    ra: h.rAmount,
    rd: h.rDeclined,
    rc: h.rCategory,
    // a z-score is finite by construction (sd >= 1e-3); null would only hide a bug, so keep numbers
    rz: h.rZ,
    rn: h.rNew,
    am: h.amounts,
    st: h.statuses,
    hr: Array.from(h.hours),
    me: Array.from(h.merchants, ([id, m]) => [id, m.n, m.logSum, m.last]),
    ca: Array.from(h.categories, ([id, c]) => [id, c.n, c.logSum]),
    de: Array.from(h.devices),
    ci: Array.from(h.cities),
  };
  return JSON.stringify(e);
}

export class HistoryDecodeError extends Error {
  override name = 'HistoryDecodeError';
}

export function decodeHistory(text: string): CustomerHistory {
  let e: Encoded;
  try {
    e = JSON.parse(text) as Encoded;
  } catch {
    throw new HistoryDecodeError('stored customer history is not JSON');
  }
  if (typeof e !== 'object' || e === null || typeof e.n !== 'number' || !Array.isArray(e.rt))
    throw new HistoryDecodeError('stored customer history has an unknown shape');
  return {
    n: e.n,
    firstTime: nullToNan(e.ft),
    amountSum: e.as,
    logSum: e.ls,
    logSq: e.lq,
    lastTime: nullToNan(e.lt),
    lastLat: nullToNan(e.la),
    lastLon: nullToNan(e.lo),
    rTime: e.rt,
    rAmount: e.ra,
    rDeclined: e.rd,
    rCategory: e.rc,
    rZ: e.rz,
    rNew: e.rn,
    amounts: e.am,
    statuses: e.st,
    hours: Uint16Array.from(e.hr),
    merchants: new Map(e.me.map(([id, n, logSum, last]) => [id, { n, logSum, last }])),
    categories: new Map(e.ca.map(([id, n, logSum]) => [id, { n, logSum }])),
    devices: new Set(e.de),
    cities: new Set(e.ci),
  };
}
