// Transaction rows -> Arrow column buffers, written straight from the generated rows (as
// csv-bytes.ts writes CSV bytes): no array of values per row, no boxed values, no text to parse back
// (times go from the row clock to epoch ms). The same values as txnValues() gives (the Parquet tests
// compare every cell with the JSONL of the same run). The buffers are reused from shard to shard:
// tableToIPC copies them into the message.
import { type Data, makeData, makeVector, RecordBatch, Struct, Table, tableToIPC } from 'apache-arrow';
import { CHANNELS, PAYMENT_MODES } from '../transactions/vocabulary.ts';
import { arrowSchema, arrowType, type IpcBatch } from './arrow-batch.ts';
import { type ColType, TXN_COLUMNS } from './schema.ts';
import type { Txn } from './types.ts';
import { DOW_NAMES, FESTIVALS } from './world/calendar.ts';
import { CITIES } from './world/cities.ts';
import { cardTypeFor } from './world/payments.ts';
import { INCOME_BRACKETS, SAVVINESS, SEGMENTS } from './world/segments.ts';
import type { World } from './world.ts';

const enc = new TextEncoder();

/** One column's buffers for up to `cap` rows; `start(n)` begins a batch of n rows. */
abstract class Col {
  abstract readonly serves: readonly ColType[];
  protected cap = 0;
  protected n = 0;
  protected bits: Uint8Array | null = null;
  nulls = 0;
  constructor(readonly nullable: boolean) {}
  start(n: number): void {
    this.n = n;
    this.nulls = 0;
    if (n > this.cap) {
      this.cap = Math.max(n, this.cap * 2);
      this.grow(this.cap);
      if (this.nullable) this.bits = new Uint8Array((this.cap + 7) >> 3);
    } else this.bits?.fill(0, 0, (n + 7) >> 3);
  }
  protected abstract grow(cap: number): void;
  protected valid(i: number): void {
    if (this.bits !== null) this.bits[i >> 3]! |= 1 << (i & 7);
  }
  protected none(): void {
    if (!this.nullable) throw new Error('null in a column that is not nullable');
    this.nulls++;
  }
  protected base(t: ColType): { type: ReturnType<typeof arrowType>; length: number; nullCount: number } {
    const nullBitmap = this.nulls ? this.bits!.subarray(0, (this.n + 7) >> 3) : undefined;
    return { type: arrowType(t), length: this.n, nullCount: this.nulls, ...(nullBitmap && { nullBitmap }) };
  }
  abstract data(t: ColType): Data;
}

class I32 extends Col {
  readonly serves = ['int'] as const;
  private v = new Int32Array(0);
  protected grow(cap: number): void {
    this.v = new Int32Array(cap);
  }
  set(i: number, x: number): void {
    this.v[i] = x;
  }
  data(t: ColType): Data {
    return makeData({ ...this.base(t), data: this.v.subarray(0, this.n) } as never);
  }
}

class F64 extends Col {
  readonly serves = ['float'] as const;
  private v = new Float64Array(0);
  protected grow(cap: number): void {
    this.v = new Float64Array(cap);
  }
  set(i: number, x: number): void {
    this.v[i] = x;
    this.valid(i);
  }
  setNull(i: number): void {
    this.v[i] = 0;
    this.none();
  }
  data(t: ColType): Data {
    return makeData({ ...this.base(t), data: this.v.subarray(0, this.n) } as never);
  }
}

class Bool extends Col {
  readonly serves = ['bool'] as const;
  private v = new Uint8Array(0);
  protected grow(cap: number): void {
    this.v = new Uint8Array((cap + 7) >> 3);
  }
  override start(n: number): void {
    super.start(n);
    this.v.fill(0, 0, (n + 7) >> 3);
  }
  /** `x` is 0/1 or a boolean */
  set(i: number, x: number | boolean): void {
    if (x) this.v[i >> 3]! |= 1 << (i & 7);
  }
  data(t: ColType): Data {
    return makeData({ ...this.base(t), data: this.v.subarray(0, (this.n + 7) >> 3) } as never);
  }
}

/** Epoch milliseconds as 64-bit values in low/high 32-bit halves: no BigInt per row. */
class Time extends Col {
  readonly serves = ['timestamp'] as const;
  private v = new Int32Array(0);
  protected grow(cap: number): void {
    this.v = new Int32Array(2 * cap);
  }
  set(i: number, ms: number): void {
    const hi = Math.floor(ms / 0x1_0000_0000);
    this.v[2 * i] = (ms - hi * 0x1_0000_0000) | 0;
    this.v[2 * i + 1] = hi;
    this.valid(i);
  }
  setNull(i: number): void {
    this.v[2 * i] = 0;
    this.v[2 * i + 1] = 0;
    this.none();
  }
  data(t: ColType): Data {
    return makeData({ ...this.base(t), data: this.v.subarray(0, 2 * this.n) } as never);
  }
}

/** UTF-8 text: ASCII byte by byte (all generated ids and codes), other text through TextEncoder. */
class Str extends Col {
  readonly serves = ['string', 'json'] as const;
  private off = new Int32Array(1);
  private bytes = new Uint8Array(1 << 16);
  private pos = 0;
  protected grow(cap: number): void {
    this.off = new Int32Array(cap + 1);
  }
  override start(n: number): void {
    super.start(n);
    this.pos = 0;
  }
  private room(k: number): void {
    if (this.pos + k <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.pos + k));
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
  }
  set(i: number, s: string): void {
    this.room(s.length * 3);
    const b = this.bytes;
    let p = this.pos;
    for (let k = 0; k < s.length; k++) {
      const c = s.charCodeAt(k);
      if (c > 127) {
        p += enc.encodeInto(s.slice(k), b.subarray(p)).written;
        break;
      }
      b[p++] = c;
    }
    this.pos = p;
    this.off[i + 1] = p;
    this.valid(i);
  }
  /** `TXN` + the row number (from 1) in 12 digits */
  setTxnId(i: number, globalRow: number): void {
    this.room(15);
    const b = this.bytes;
    const p = this.pos;
    b[p] = 84;
    b[p + 1] = 88;
    b[p + 2] = 78;
    let x = globalRow + 1;
    for (let q = p + 14; q > p + 2; q--) {
      b[q] = 48 + (x % 10);
      x = Math.floor(x / 10);
    }
    this.pos = p + 15;
    this.off[i + 1] = this.pos;
  }
  setNull(i: number): void {
    this.off[i + 1] = this.pos;
    this.none();
  }
  data(t: ColType): Data {
    const valueOffsets = this.off.subarray(0, this.n + 1);
    return makeData({ ...this.base(t), valueOffsets, data: this.bytes.subarray(0, this.pos) } as never);
  }
}

/** Dictionary codes, the dictionary in order of first appearance in the batch. */
class Dict extends Col {
  readonly serves = ['category'] as const;
  private v = new Int32Array(0);
  private index = new Map<string, number>();
  private words: string[] = [];
  /** codes by the index of the word in a fixed list (-1: not seen in this batch) */
  private byIdx = new Int32Array(0);
  protected grow(cap: number): void {
    this.v = new Int32Array(cap);
  }
  override start(n: number): void {
    super.start(n);
    this.index.clear();
    this.words = [];
    this.byIdx.fill(-1);
  }
  /** `word` is entry `k` of a fixed list (a city, a payment mode): one Map lookup per batch */
  setIdx(i: number, k: number, word: string): void {
    if (k >= this.byIdx.length) {
      const next = new Int32Array(Math.max(k + 1, 2 * this.byIdx.length)).fill(-1);
      next.set(this.byIdx);
      this.byIdx = next;
    }
    const code = this.byIdx[k]!;
    if (code >= 0) {
      this.v[i] = code;
      this.valid(i);
    } else {
      this.set(i, word);
      this.byIdx[k] = this.v[i]!;
    }
  }
  set(i: number, s: string): void {
    let k = this.index.get(s);
    if (k === undefined) {
      k = this.words.length;
      this.index.set(s, k);
      this.words.push(s);
    }
    this.v[i] = k;
    this.valid(i);
  }
  setNull(i: number): void {
    this.v[i] = 0;
    this.none();
  }
  data(t: ColType): Data {
    const dict = new Str(false);
    dict.start(this.words.length);
    for (let i = 0; i < this.words.length; i++) dict.set(i, this.words[i]!);
    const dictionary = makeVector(dict.data('string'));
    return makeData({ ...this.base(t), data: this.v.subarray(0, this.n), dictionary } as never);
  }
}

const str = (nullable = false) => new Str(nullable);
const dict = (nullable = false) => new Dict(nullable);
const i32 = () => new I32(false);
const f64 = (nullable = false) => new F64(nullable);
const bool = () => new Bool(false);
const time = (nullable = false) => new Time(nullable);

/** Column builders by name; arranged in schema order (and checked against it) when a batch is made. */
function txnCols() {
  return {
    transaction_id: str(),
    customer_id: str(),
    merchant_id: str(),
    timestamp: time(),
    hour: i32(),
    day_of_week: dict(),
    is_weekend: bool(),
    transaction_type: dict(),
    amount: f64(),
    category: dict(),
    subcategory: dict(),
    merchant_name: str(),
    merchant_is_chain: bool(),
    merchant_reputation: f64(true),
    payment_mode: dict(),
    card_type: dict(true),
    channel: dict(),
    device_type: dict(),
    device_id: str(true),
    os: dict(true),
    app_version: dict(true),
    transaction_status: dict(),
    city: dict(),
    state: dict(),
    region: dict(),
    city_tier: i32(),
    latitude: f64(),
    longitude: f64(),
    distance_from_home_km: f64(),
    home_city: dict(),
    customer_segment: dict(),
    customer_age: i32(),
    income_bracket: dict(),
    occupation: dict(),
    digital_savviness: dict(),
    is_festival_season: bool(),
    festival_name: dict(true),
    is_salary_day: bool(),
    is_first_txn_with_merchant: bool(),
    is_repeat_merchant: bool(),
    customer_merchant_txn_count: i32(),
    daily_txn_count: i32(),
    daily_txn_amount: f64(),
    time_since_last_txn_s: i32(),
    is_fraud: bool(),
    fraud_type: dict(true),
    fraud_severity: dict(true),
    fraud_confidence: f64(true),
    fraud_evidence: str(true),
    is_anomaly: bool(),
    anomaly_type: dict(true),
    anomaly_severity: dict(true),
    anomaly_score: f64(true),
    anomaly_evidence: str(true),
    observed_label: bool(),
    label_available_at: time(true),
    episode_id: str(true),
    counterparty_id: str(true),
  };
}
type TxnCols = ReturnType<typeof txnCols>;

const r5 = (x: number) => Math.round(x * 1e5) / 1e5;
const r2 = (x: number) => Math.round(x * 100) / 100;
const IST_OFFSET_S = 19_800;
const MAX_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/** Builds one Arrow record batch per shard of transactions. */
export class ArrowTxnWriter {
  private readonly cols: TxnCols = txnCols();
  private readonly ordered: Col[];
  private readonly schema = arrowSchema(TXN_COLUMNS);
  /** epoch ms of the row clock's second 0 (midnight IST of the first day) */
  private readonly zeroMs: number;

  constructor(private readonly world: World) {
    const byName: Record<string, Col> = this.cols;
    this.ordered = TXN_COLUMNS.map((c) => {
      const col = byName[c.name];
      if (!col?.serves.includes(c.type) || col.nullable !== c.nullable)
        throw new Error(`Arrow builder does not match the schema at ${c.name}`);
      return col;
    });
    if (this.ordered.length !== Object.keys(byName).length)
      throw new Error('Arrow builder has extra columns');
    this.zeroMs = Date.parse(`${world.calendar[0]!.iso}T00:00:00Z`) - IST_OFFSET_S * 1000;
  }

  batch(rows: readonly Txn[], rowOffset: number): IpcBatch | null {
    const n = rows.length;
    if (n === 0) return null;
    for (const c of this.ordered) c.start(n);
    for (let i = 0; i < n; i++) {
      const tx = rows[i]!;
      this.when(i, tx, rowOffset + i);
      this.what(i, tx);
      this.where(i, tx);
      this.labels(i, tx);
    }
    const children = TXN_COLUMNS.map((c, j) => this.ordered[j]!.data(c.type));
    const data = makeData({ type: new Struct(this.schema.fields), length: n, nullCount: 0, children });
    return { ipc: tableToIPC(new Table([new RecordBatch(this.schema, data)]), 'stream') };
  }

  private when(i: number, tx: Txn, globalRow: number): void {
    const c = this.cols;
    const day = Math.floor(tx.t / 86400);
    const info = this.world.calendar[day]!;
    c.transaction_id.setTxnId(i, globalRow);
    c.customer_id.set(i, tx.cust.id);
    c.merchant_id.set(i, tx.merchantId);
    c.timestamp.set(i, this.zeroMs + tx.t * 1000);
    c.hour.set(i, Math.floor((tx.t - day * 86400) / 3600));
    c.day_of_week.setIdx(i, info.dow, DOW_NAMES[info.dow]!);
    c.is_weekend.set(i, info.weekend);
    c.is_festival_season.set(i, info.festival >= 0);
    if (info.festival >= 0) c.festival_name.setIdx(i, info.festival, FESTIVALS[info.festival]!.name);
    else c.festival_name.setNull(i);
    c.is_salary_day.set(i, info.salary);
  }

  private what(i: number, tx: Txn): void {
    const c = this.cols;
    c.transaction_type.set(i, tx.txnType);
    c.amount.set(i, tx.amountPaise / 100);
    c.category.set(i, tx.category);
    c.subcategory.set(i, tx.subcategory);
    c.merchant_name.set(i, tx.merchantName);
    c.merchant_is_chain.set(i, tx.merchantIsChain);
    if (tx.merchantReputation !== null) c.merchant_reputation.set(i, tx.merchantReputation);
    else c.merchant_reputation.setNull(i);
    c.payment_mode.setIdx(i, tx.mode, PAYMENT_MODES[tx.mode]!);
    const card = cardTypeFor(tx.mode);
    if (card !== null) c.card_type.set(i, card);
    else c.card_type.setNull(i);
    c.channel.setIdx(i, tx.channel, CHANNELS[tx.channel]!);
    c.device_type.set(i, tx.deviceType);
    if (tx.deviceId !== null) c.device_id.set(i, tx.deviceId);
    else c.device_id.setNull(i);
    if (tx.os !== null) c.os.set(i, tx.os);
    else c.os.setNull(i);
    if (tx.appVersion !== null) c.app_version.set(i, tx.appVersion);
    else c.app_version.setNull(i);
    c.transaction_status.set(i, tx.status);
    c.is_first_txn_with_merchant.set(i, tx.firstWithMerchant);
    c.is_repeat_merchant.set(i, !tx.firstWithMerchant);
    c.customer_merchant_txn_count.set(i, tx.prevMerchantCount);
    c.daily_txn_count.set(i, tx.dailyCount);
    c.daily_txn_amount.set(i, tx.dailyAmountPaise / 100);
    c.time_since_last_txn_s.set(i, tx.sinceLast);
  }

  private where(i: number, tx: Txn): void {
    const c = this.cols;
    const city = CITIES[tx.city]!;
    const cust = tx.cust;
    c.city.setIdx(i, tx.city, city.name);
    c.state.setIdx(i, tx.city, city.state);
    c.region.setIdx(i, tx.city, city.region);
    c.city_tier.set(i, city.tier);
    c.latitude.set(i, r5(tx.lat));
    c.longitude.set(i, r5(tx.lon));
    c.distance_from_home_km.set(i, r2(tx.distanceKm));
    c.home_city.setIdx(i, cust.homeCity, CITIES[cust.homeCity]!.name);
    c.customer_segment.setIdx(i, cust.segment, SEGMENTS[cust.segment]!.name);
    c.customer_age.set(i, cust.age);
    c.income_bracket.setIdx(i, cust.income, INCOME_BRACKETS[cust.income]!);
    c.occupation.set(i, cust.occupation);
    c.digital_savviness.setIdx(i, cust.savviness, SAVVINESS[cust.savviness]!);
  }

  private labels(i: number, tx: Txn): void {
    const c = this.cols;
    c.is_fraud.set(i, tx.isFraud);
    const f = tx.fraud;
    if (f) {
      c.fraud_type.set(i, f.type);
      c.fraud_severity.set(i, f.severity);
      c.fraud_confidence.set(i, f.confidence);
      c.fraud_evidence.set(i, f.evidence);
    } else {
      c.fraud_type.setNull(i);
      c.fraud_severity.setNull(i);
      c.fraud_confidence.setNull(i);
      c.fraud_evidence.setNull(i);
    }
    const a = tx.anomaly;
    c.is_anomaly.set(i, a !== null);
    if (a) {
      c.anomaly_type.set(i, a.type);
      c.anomaly_severity.set(i, a.severity);
      c.anomaly_score.set(i, a.score);
      c.anomaly_evidence.set(i, a.evidence);
    } else {
      c.anomaly_type.setNull(i);
      c.anomaly_severity.setNull(i);
      c.anomaly_score.setNull(i);
      c.anomaly_evidence.setNull(i);
    }
    c.observed_label.set(i, tx.observed);
    // the same clamp as utcInstant(): a label due after 9999 is given as that year's last second
    if (tx.labelAt >= 0)
      c.label_available_at.set(i, Math.min(MAX_INSTANT_MS, this.zeroMs + tx.labelAt * 1000));
    else c.label_available_at.setNull(i);
    if (tx.episodeId !== null) c.episode_id.set(i, tx.episodeId);
    else c.episode_id.setNull(i);
    if (tx.counterparty !== null) c.counterparty_id.set(i, tx.counterparty.id);
    else c.counterparty_id.setNull(i);
  }
}
