// Fast CSV serialisation of transactions: the same text as csvTxnLine(txnValues(...)) (a test
// checks this row for row), built from cached per-customer, per-merchant, per-city and per-day
// fragments so that a row costs one template string.
import { transactionId } from './serialize.ts';
import type { Customer, Txn } from './types.ts';
import { DOW_NAMES, FESTIVALS } from './world/calendar.ts';
import { CITIES } from './world/cities.ts';
import { CHANNELS, PAYMENT_MODES } from './world/payments.ts';
import { INCOME_BRACKETS, SAVVINESS, SEGMENTS } from './world/segments.ts';
import type { World } from './world.ts';

const PAD2: string[] = Array.from({ length: 60 }, (_, i) => (i < 10 ? `0${i}` : String(i)));
const MODE_CARD: string[] = PAYMENT_MODES.map(
  (m, i) => `${m},${i === 2 ? 'Debit' : i === 3 ? 'Credit' : ''}`,
);
const r5 = (x: number) => Math.round(x * 1e5) / 1e5;
const r2 = (x: number) => Math.round(x * 100) / 100;
const q = (s: string) => `"${s.replaceAll('"', '""')}"`;

export class CsvTxnWriter {
  private readonly cityFrag: string[];
  private readonly dayA: string[]; // "date"
  private readonly dayB: string[]; // "day_of_week,is_weekend"
  private readonly dayC: string[]; // "is_festival_season,festival_name,is_salary_day"
  private readonly merchFrag = new Map<number, string>();
  private readonly custFrag = new WeakMap<Customer, string>();

  constructor(world: World) {
    this.cityFrag = CITIES.map((c) => `${c.name},${c.state},${c.region},${c.tier}`);
    this.dayA = world.calendar.map((d) => d.iso);
    this.dayB = world.calendar.map((d) => `${DOW_NAMES[d.dow]},${d.weekend ? 1 : 0}`);
    this.dayC = world.calendar.map(
      (d) =>
        `${d.festival >= 0 ? 1 : 0},${d.festival >= 0 ? FESTIVALS[d.festival]!.name : ''},${d.salary ? 1 : 0}`,
    );
  }

  private merchant(tx: Txn): string {
    // transfers share a key per payee but differ in subcategory (UPI P2P / IMPS): not cached
    if (tx.txnType === 'p2p_transfer') {
      return `${tx.category},${tx.subcategory},${tx.merchantName},${tx.merchantIsChain},${tx.merchantReputation ?? ''}`;
    }
    let s = this.merchFrag.get(tx.merchantKey);
    if (s === undefined) {
      s = `${tx.category},${tx.subcategory},${tx.merchantName},${tx.merchantIsChain},${tx.merchantReputation ?? ''}`;
      this.merchFrag.set(tx.merchantKey, s);
    }
    return s;
  }

  private customer(c: Customer): string {
    let s = this.custFrag.get(c);
    if (s === undefined) {
      s = `${CITIES[c.homeCity]!.name},${SEGMENTS[c.segment]!.name},${c.age},${INCOME_BRACKETS[c.income]},${c.occupation},${SAVVINESS[c.savviness]}`;
      this.custFrag.set(c, s);
    }
    return s;
  }

  line(tx: Txn, globalRow: number): string {
    const day = Math.floor(tx.t / 86400);
    const sec = tx.t - day * 86400;
    const hour = Math.floor(sec / 3600);
    const min = Math.floor((sec % 3600) / 60);
    const f = tx.fraud;
    const a = tx.anomaly;
    const fraud = f ? `1,${f.type},${f.severity},${f.confidence},${q(f.evidence)}` : '0,,,,';
    const anom = a ? `1,${a.type},${a.severity},${a.score},${q(a.evidence)}` : '0,,,,';
    return `${transactionId(globalRow)},${tx.cust.id},${tx.merchantId},${this.dayA[day]} ${PAD2[hour]}:${PAD2[min]}:${PAD2[sec % 60]},${hour},${this.dayB[day]},${tx.txnType},${tx.amountPaise / 100},${this.merchant(tx)},${MODE_CARD[tx.mode]},${CHANNELS[tx.channel]},${tx.deviceType},${tx.deviceId ?? ''},${tx.os ?? ''},${tx.appVersion ?? ''},${tx.status},${this.cityFrag[tx.city]},${r5(tx.lat)},${r5(tx.lon)},${r2(tx.distanceKm)},${this.customer(tx.cust)},${this.dayC[day]},${tx.firstWithMerchant},${tx.firstWithMerchant ? 0 : 1},${tx.prevMerchantCount},${tx.dailyCount},${tx.dailyAmountPaise / 100},${tx.sinceLast},${fraud},${anom}\n`;
  }
}
