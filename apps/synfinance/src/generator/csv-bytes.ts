// Byte-level CSV writer for transactions: the same bytes as csvTxnLine(txnValues(...)) (a test
// checks this row for row) without building a string per row. Cached fragments are stored as
// bytes; integers and fixed-point decimals are written digit by digit. All generated text is
// ASCII; any non-ASCII fragment falls back to UTF-8 encoding.
import type { Customer, Txn } from './types.ts';
import { DOW_NAMES, FESTIVALS } from './world/calendar.ts';
import { CITIES } from './world/cities.ts';
import { CHANNELS, PAYMENT_MODES } from './world/payments.ts';
import { INCOME_BRACKETS, SAVVINESS, SEGMENTS } from './world/segments.ts';
import type { World } from './world.ts';

const COMMA = 44;
const NL = 10;
const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

function merchantFrag(tx: Txn): Uint8Array {
  return bytes(
    `${tx.category},${tx.subcategory},${tx.merchantName},${tx.merchantIsChain},${tx.merchantReputation ?? ''},`,
  );
}

export class ByteCsvWriter {
  private buf: Uint8Array;
  private pos = 0;
  private readonly cityB: Uint8Array[];
  private readonly dayA: Uint8Array[];
  private readonly dayB: Uint8Array[];
  private readonly dayC: Uint8Array[];
  private readonly modeB: Uint8Array[];
  private readonly chanB: Uint8Array[];
  private readonly strB = new Map<string, Uint8Array>();
  private readonly merchB = new Map<number, Uint8Array>();
  private readonly merchIdB = new Map<number, Uint8Array>();
  private readonly custB = new WeakMap<Customer, Uint8Array>();
  private readonly custIdB = new WeakMap<Customer, Uint8Array>();

  constructor(world: World, size = 1 << 23) {
    this.buf = new Uint8Array(size);
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
  }

  reset(): void {
    this.pos = 0;
  }

  /**
   * Write the next rows straight into `target` (e.g. a view on a SharedArrayBuffer the main thread
   * reads). Returns the previous buffer so the caller can restore it. When the rows outgrow
   * `target`, ensure() moves them to a new, private buffer: check `writesInto(target)` afterwards.
   */
  attach(target: Uint8Array): Uint8Array {
    const prev = this.buf;
    this.buf = target;
    this.pos = 0;
    return prev;
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
      this.buf = next;
    }
  }

  private b(x: Uint8Array): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < x.length; i++) buf[p++] = x[i]!;
    this.pos = p;
  }

  /** A short string with a small vocabulary: cached as bytes. */
  private s(x: string): void {
    let v = this.strB.get(x);
    if (v === undefined) {
      v = bytes(x);
      this.strB.set(x, v);
    }
    this.b(v);
  }

  private c(ch: number): void {
    this.buf[this.pos++] = ch;
  }

  private uint(n: number): void {
    if (n < 10) {
      this.buf[this.pos++] = 48 + n;
      return;
    }
    let digits = 0;
    for (let x = n; x >= 1; x = Math.floor(x / 10)) digits++;
    let p = this.pos + digits - 1;
    for (let x = n; x >= 1; x = Math.floor(x / 10)) this.buf[p--] = 48 + (x % 10);
    this.pos += digits;
  }

  private padded(n: number, width: number): void {
    let p = this.pos + width - 1;
    let x = n;
    for (let i = 0; i < width; i++) {
      this.buf[p--] = 48 + (x % 10);
      x = Math.floor(x / 10);
    }
    this.pos += width;
  }

  /** k / 10^d with trailing zeros trimmed: the same text as String(k / 10 ** d) for 0 <= k < 2^53. */
  private fixed(k: number, d: number, scale: number): void {
    if (k < 0) {
      this.c(45);
      k = -k;
    }
    const ip = Math.floor(k / scale);
    let fp = k - ip * scale;
    this.uint(ip);
    if (fp === 0) return;
    let digits = d;
    while (fp % 10 === 0) {
      fp /= 10;
      digits--;
    }
    this.c(46);
    this.padded(fp, digits);
  }

  private str(x: string): void {
    // rare values (JSON evidence, device ids): check for non-ASCII and CSV specials
    this.ensure(x.length * 3 + 2);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < x.length; i++) {
      const code = x.charCodeAt(i);
      if (code > 127) {
        this.pos = p;
        this.b(bytes(x.slice(i)));
        return;
      }
      buf[p++] = code;
    }
    this.pos = p;
  }

  private json(x: string): void {
    this.c(34);
    this.str(x.replaceAll('"', '""'));
    this.c(34);
  }

  private merchant(tx: Txn): Uint8Array {
    // transfers share a key per payee but differ in subcategory (UPI P2P / IMPS): not cached
    if (tx.txnType === 'p2p_transfer') return merchantFrag(tx);
    let v = this.merchB.get(tx.merchantKey);
    if (v === undefined) {
      v = merchantFrag(tx);
      this.merchB.set(tx.merchantKey, v);
    }
    return v;
  }

  private customer(c: Customer): Uint8Array {
    let v = this.custB.get(c);
    if (v === undefined) {
      v = bytes(
        `${CITIES[c.homeCity]!.name},${SEGMENTS[c.segment]!.name},${c.age},${INCOME_BRACKETS[c.income]},${c.occupation},${SAVVINESS[c.savviness]},`,
      );
      this.custB.set(c, v);
    }
    return v;
  }

  private custId(c: Customer): Uint8Array {
    let v = this.custIdB.get(c);
    if (v === undefined) {
      v = bytes(`${c.id},`);
      this.custIdB.set(c, v);
    }
    return v;
  }

  row(tx: Txn, globalRow: number): void {
    this.ensure(4096);
    const day = Math.floor(tx.t / 86400);
    const sec = tx.t - day * 86400;
    const hour = Math.floor(sec / 3600);
    const min = Math.floor((sec % 3600) / 60);
    this.c(84);
    this.c(88);
    this.c(78); // TXN
    this.padded(globalRow + 1, 12);
    this.c(COMMA);
    this.b(this.custId(tx.cust));
    let mid = this.merchIdB.get(tx.merchantKey);
    if (mid === undefined) {
      mid = bytes(`${tx.merchantId},`);
      this.merchIdB.set(tx.merchantKey, mid);
    }
    this.b(mid);
    this.b(this.dayA[day]!);
    this.padded(hour, 2);
    this.c(58);
    this.padded(min, 2);
    this.c(58);
    this.padded(sec % 60, 2);
    this.c(COMMA);
    this.uint(hour);
    this.b(this.dayB[day]!);
    this.s(tx.txnType);
    this.c(COMMA);
    this.fixed(tx.amountPaise, 2, 100);
    this.c(COMMA);
    this.b(this.merchant(tx));
    this.b(this.modeB[tx.mode]!);
    this.b(this.chanB[tx.channel]!);
    this.s(tx.deviceType);
    this.c(COMMA);
    if (tx.deviceId !== null) this.str(tx.deviceId);
    this.c(COMMA);
    if (tx.os !== null) this.s(tx.os);
    this.c(COMMA);
    if (tx.appVersion !== null) this.s(tx.appVersion);
    this.c(COMMA);
    this.s(tx.status);
    this.c(COMMA);
    this.b(this.cityB[tx.city]!);
    this.fixed(Math.round(tx.lat * 1e5), 5, 1e5);
    this.c(COMMA);
    this.fixed(Math.round(tx.lon * 1e5), 5, 1e5);
    this.c(COMMA);
    this.fixed(Math.round(tx.distanceKm * 100), 2, 100);
    this.c(COMMA);
    this.b(this.customer(tx.cust));
    this.b(this.dayC[day]!);
    this.uint(tx.firstWithMerchant);
    this.c(COMMA);
    this.uint(tx.firstWithMerchant ? 0 : 1);
    this.c(COMMA);
    this.uint(tx.prevMerchantCount);
    this.c(COMMA);
    this.uint(tx.dailyCount);
    this.c(COMMA);
    this.fixed(tx.dailyAmountPaise, 2, 100);
    this.c(COMMA);
    this.uint(tx.sinceLast);
    this.c(COMMA);
    const f = tx.fraud;
    if (f) {
      this.str(`1,${f.type},${f.severity},${f.confidence},`);
      this.json(f.evidence);
    } else this.str('0,,,,');
    this.c(COMMA);
    const a = tx.anomaly;
    if (a) {
      this.str(`1,${a.type},${a.severity},${a.score},`);
      this.json(a.evidence);
    } else this.str('0,,,,');
    this.c(NL);
  }
}
