// Byte-level CSV writer for transactions: the same bytes as csvTxnLine(txnValues(...)) (a test
// checks this row for row) without building a string per row. Cached fragments are stored as
// bytes; integers and fixed-point decimals are written digit by digit. All generated text is
// ASCII; any non-ASCII fragment falls back to UTF-8 encoding.
import { CHANNELS, PAYMENT_MODES } from '../transactions/vocabulary.ts';
import { utcInstant } from './serialize.ts';
import { ATM_SLOTS } from './shard.ts';
import type { Customer, Txn } from './types.ts';
import { DOW_NAMES, FESTIVALS } from './world/calendar.ts';
import { CITIES } from './world/cities.ts';
import { INCOME_BRACKETS, SAVVINESS, SEGMENTS } from './world/segments.ts';
import type { World } from './world.ts';

const COMMA = 44;
const NL = 10;
const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

// Module-level writers on (buffer, position) that return the new position: small monomorphic
// functions that stay cheap even where the large row() function is not inlined into.

/** Copy a cached fragment: a byte loop for short ones, memmove for long ones. */
function put(buf: Uint8Array, p: number, x: Uint8Array): number {
  const n = x.length;
  if (n > 40) {
    buf.set(x, p);
    return p + n;
  }
  for (let i = 0; i < n; i++) buf[p++] = x[i]!;
  return p;
}

/** A string: ASCII byte by byte, UTF-8 encoded from the first non-ASCII character on. */
function putStr(buf: Uint8Array, p: number, x: string): number {
  for (let i = 0; i < x.length; i++) {
    const code = x.charCodeAt(i);
    if (code > 127) return put(buf, p, bytes(x.slice(i)));
    buf[p++] = code;
  }
  return p;
}

/** Decimal digits of a non-negative integer below 2^53. */
function putUint(buf: Uint8Array, p: number, n: number): number {
  if (n < 10) {
    buf[p] = 48 + n;
    return p + 1;
  }
  let digits = 0;
  if (n < 2147483648) {
    for (let x = n; x > 0; x = (x / 10) | 0) digits++;
    let q = p + digits - 1;
    for (let x = n; x > 0; x = (x / 10) | 0) buf[q--] = 48 + (x % 10);
  } else {
    for (let x = n; x >= 1; x = Math.floor(x / 10)) digits++;
    let q = p + digits - 1;
    for (let x = n; x >= 1; x = Math.floor(x / 10)) buf[q--] = 48 + (x % 10);
  }
  return p + digits;
}

/** Exactly `width` digits, zero-padded (n < 10^width). */
function putPadded(buf: Uint8Array, p: number, n: number, width: number): number {
  let q = p + width - 1;
  let x = n;
  for (let i = 0; i < width; i++) {
    buf[q--] = 48 + (x % 10);
    x = Math.floor(x / 10);
  }
  return p + width;
}

/** Two digits (0 <= n < 100). */
function put2(buf: Uint8Array, p: number, n: number): number {
  const t = (n / 10) | 0;
  buf[p] = 48 + t;
  buf[p + 1] = 48 + n - t * 10;
  return p + 2;
}

/** k / 10^d with trailing zeros trimmed: the same text as String(k / 10 ** d) for |k| < 2^53. */
function putFixed(buf: Uint8Array, p: number, k: number, d: number, scale: number): number {
  if (k < 0) {
    buf[p++] = 45;
    k = -k;
  }
  const ip = Math.floor(k / scale);
  let fp = k - ip * scale;
  p = putUint(buf, p, ip);
  if (fp === 0) return p;
  let digits = d;
  while (fp % 10 === 0) {
    fp /= 10;
    digits--;
  }
  buf[p++] = 46;
  return putPadded(buf, p, fp, digits);
}

/** A JSON text as one quoted CSV cell (quotes doubled). */
function putJson(buf: Uint8Array, p: number, x: string): number {
  buf[p++] = 34;
  for (let i = 0; i < x.length; i++) {
    const code = x.charCodeAt(i);
    if (code > 127) {
      p = put(buf, p, bytes(x.slice(i).replaceAll('"', '""')));
      break;
    }
    buf[p++] = code;
    if (code === 34) buf[p++] = 34;
  }
  buf[p] = 34;
  return p + 1;
}

const NO_LABEL = bytes('0,,,,');
/** observed_label 0, no label time, no episode: the tail of most rows up to counterparty_id */
const NO_FEED = bytes(',0,,,');

export class ByteCsvWriter {
  /** the writer's own buffer (grown as needed); `buf` is it or a caller's target */
  private own: Uint8Array;
  private buf: Uint8Array;
  private pos = 0;
  private readonly cityB: Uint8Array[];
  private readonly dayA: Uint8Array[];
  private readonly dayB: Uint8Array[];
  private readonly dayC: Uint8Array[];
  private readonly modeB: Uint8Array[];
  private readonly chanB: Uint8Array[];
  /** by merchant key (merchants, then ATMs); payee keys lie above and are not cached */
  private readonly merchB: (Uint8Array[] | undefined)[];
  private readonly custOf: Customer[] = [];
  private readonly custB: Uint8Array[][] = [];
  private readonly world: World;

  constructor(world: World, size = 1 << 23) {
    this.world = world;
    this.own = new Uint8Array(size);
    this.buf = this.own;
    this.cityB = CITIES.map((c) => bytes(`${c.name},${c.state},${c.region},${c.tier},`));
    this.dayA = world.calendar.map((d) => bytes(`${d.iso} `));
    this.dayB = world.calendar.map((d) => bytes(`,${DOW_NAMES[d.dow]},${d.weekend ? 1 : 0},`));
    this.dayC = world.calendar.map((d) =>
      bytes(
        `${d.festival >= 0 ? 1 : 0},${d.festival >= 0 ? FESTIVALS[d.festival]!.name : ''},${d.salary ? 1 : 0},`,
      ),
    );
    this.modeB = PAYMENT_MODES.map((m, i) => bytes(`${m},${i === 2 ? 'Debit' : i === 3 ? 'Credit' : ''},`));
    this.chanB = CHANNELS.map((c) => bytes(`${c},`));
    this.merchB = new Array(world.merchants.length + CITIES.length * ATM_SLOTS).fill(undefined);
  }

  /**
   * Start over, writing into `target` if given (e.g. a view on a SharedArrayBuffer the main thread
   * reads), else into the writer's own buffer. When the rows outgrow `target`, ensure() moves them to
   * a new, private buffer: check `writesInto(target)` afterwards.
   */
  reset(target?: Uint8Array): void {
    this.buf = target ?? this.own;
    this.pos = 0;
  }

  writesInto(target: Uint8Array): boolean {
    return this.buf === target;
  }

  get length(): number {
    return this.pos;
  }

  /** Copy of the bytes written since the last reset (own ArrayBuffer, transferable). */
  take(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
      next.set(this.buf.subarray(0, this.pos));
      if (this.buf === this.own) this.own = next;
      this.buf = next;
    }
  }

  /**
   * Cached fragments of a merchant or ATM: [merchant_id + comma, category ... reputation + comma].
   * null for transfers: their keys (one per payee) lie above the cache, and the subcategory (UPI P2P /
   * IMPS) differs between transfers to the same payee.
   */
  private merchant(tx: Txn): Uint8Array[] | null {
    const k = tx.merchantKey;
    if (k >= this.merchB.length) return null;
    let v = this.merchB[k];
    if (v === undefined) {
      v = [
        bytes(`${tx.merchantId},`),
        bytes(
          `${tx.category},${tx.subcategory},${tx.merchantName},${tx.merchantIsChain},${tx.merchantReputation ?? ''},`,
        ),
      ];
      this.merchB[k] = v;
    }
    return v;
  }

  /** Cached fragments of a customer: [customer_id + comma, home city ... savviness + comma]. */
  private customer(c: Customer): Uint8Array[] {
    // customers are new objects in every shard: the cache slot is keyed by index, checked by identity
    const i = c.idx;
    if (this.custOf[i] !== c) {
      this.custOf[i] = c;
      this.custB[i] = [
        bytes(`${c.id},`),
        bytes(
          `${CITIES[c.homeCity]!.name},${SEGMENTS[c.segment]!.name},${c.age},${INCOME_BRACKETS[c.income]},${c.occupation},${SAVVINESS[c.savviness]},`,
        ),
      ];
    }
    return this.custB[i]!;
  }

  row(tx: Txn, globalRow: number): void {
    // room for the longest row: every cell is bounded except the JSON evidence (UTF-8 of a
    // character <= 3 bytes, doubled quotes: <= 6 bytes per character)
    let room = 4096;
    if (tx.fraud) room += tx.fraud.evidence.length * 6;
    if (tx.anomaly) room += tx.anomaly.evidence.length * 6;
    this.ensure(room);
    const buf = this.buf;
    let p = this.pos;
    const day = Math.floor(tx.t / 86400);
    const sec = tx.t - day * 86400;
    const hour = Math.floor(sec / 3600);
    const min = Math.floor((sec % 3600) / 60);
    const cust = this.customer(tx.cust);
    buf[p] = 84; // TXN
    buf[p + 1] = 88;
    buf[p + 2] = 78;
    p = putPadded(buf, p + 3, globalRow + 1, 12);
    buf[p++] = COMMA;
    p = put(buf, p, cust[0]!);
    const mer = this.merchant(tx);
    if (mer !== null) p = put(buf, p, mer[0]!);
    else {
      p = putStr(buf, p, tx.merchantId);
      buf[p++] = COMMA;
    }
    p = put(buf, p, this.dayA[day]!);
    p = put2(buf, p, hour);
    buf[p++] = 58;
    p = put2(buf, p, min);
    buf[p++] = 58;
    p = put2(buf, p, sec % 60);
    buf[p++] = COMMA;
    p = putUint(buf, p, hour);
    p = put(buf, p, this.dayB[day]!);
    p = putStr(buf, p, tx.txnType);
    buf[p++] = COMMA;
    p = putFixed(buf, p, tx.amountPaise, 2, 100);
    buf[p++] = COMMA;
    if (mer !== null) p = put(buf, p, mer[1]!);
    else {
      p = putStr(buf, p, tx.category);
      buf[p++] = COMMA;
      p = putStr(buf, p, tx.subcategory);
      buf[p++] = COMMA;
      p = putStr(buf, p, tx.merchantName);
      buf[p++] = COMMA;
      p = putStr(buf, p, String(tx.merchantIsChain));
      buf[p++] = COMMA;
      if (tx.merchantReputation !== null) p = putStr(buf, p, String(tx.merchantReputation));
      buf[p++] = COMMA;
    }
    p = put(buf, p, this.modeB[tx.mode]!);
    p = put(buf, p, this.chanB[tx.channel]!);
    p = putStr(buf, p, tx.deviceType);
    buf[p++] = COMMA;
    if (tx.deviceId !== null) p = putStr(buf, p, tx.deviceId);
    buf[p++] = COMMA;
    if (tx.os !== null) p = putStr(buf, p, tx.os);
    buf[p++] = COMMA;
    if (tx.appVersion !== null) p = putStr(buf, p, tx.appVersion);
    buf[p++] = COMMA;
    p = putStr(buf, p, tx.status);
    buf[p++] = COMMA;
    p = put(buf, p, this.cityB[tx.city]!);
    p = putFixed(buf, p, Math.round(tx.lat * 1e5), 5, 1e5);
    buf[p++] = COMMA;
    p = putFixed(buf, p, Math.round(tx.lon * 1e5), 5, 1e5);
    buf[p++] = COMMA;
    p = putFixed(buf, p, Math.round(tx.distanceKm * 100), 2, 100);
    buf[p++] = COMMA;
    p = put(buf, p, cust[1]!);
    p = put(buf, p, this.dayC[day]!);
    buf[p] = 48 + tx.firstWithMerchant; // 0 or 1
    buf[p + 1] = COMMA;
    buf[p + 2] = tx.firstWithMerchant ? 48 : 49;
    buf[p + 3] = COMMA;
    p = putUint(buf, p + 4, tx.prevMerchantCount);
    buf[p++] = COMMA;
    p = putUint(buf, p, tx.dailyCount);
    buf[p++] = COMMA;
    p = putFixed(buf, p, tx.dailyAmountPaise, 2, 100);
    buf[p++] = COMMA;
    p = putUint(buf, p, tx.sinceLast);
    buf[p++] = COMMA;
    const f = tx.fraud;
    if (f) {
      p = putStr(buf, p, `1,${f.type},${f.severity},${f.confidence},`);
      p = putJson(buf, p, f.evidence);
    } else p = put(buf, p, NO_LABEL);
    buf[p++] = COMMA;
    const a = tx.anomaly;
    if (a) {
      p = putStr(buf, p, `1,${a.type},${a.severity},${a.score},`);
      p = putJson(buf, p, a.evidence);
    } else p = put(buf, p, NO_LABEL);
    if (tx.observed === 0 && tx.episodeId === null) p = put(buf, p, NO_FEED);
    else {
      p = putStr(buf, p, `,${tx.observed},`);
      if (tx.labelAt >= 0) p = putStr(buf, p, utcInstant(this.world, tx.labelAt));
      buf[p++] = COMMA;
      if (tx.episodeId !== null) p = putStr(buf, p, tx.episodeId);
      buf[p++] = COMMA;
    }
    if (tx.counterparty !== null) p = put(buf, p, this.customer(tx.counterparty)[0]!.subarray(0, -1));
    buf[p++] = NL;
    this.pos = p;
  }
}
