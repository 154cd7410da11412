// Development check, not part of generation: can fraud be found from behaviour alone? Builds simple
// per-customer history features in file order (amount vs the customer's history overall, in the
// category and at the merchant; new merchant/device/city; velocity; hour habit; distance), trains
// the repo's GBDT on 70% of customers and reports PR AUC (average precision) on the other 30%.
// Labels and fraud_*/anomaly_* columns are never used as features.
// Usage: npx tsx apps/synfinance/src/generator/detectability.ts FILE.csv
import { trainGbdt } from '@polymorph/gbdt/gbdt';
import { matrixFromRows } from '@polymorph/gbdt/matrix';
import { readRows } from '../cli/read.ts';

interface Hist {
  n: number;
  logSum: number;
  logSq: number;
  devices: Set<string>;
  cities: Set<string>;
  hours: number[];
  recent: number[];
  cat: Map<string, [number, number]>;
  merch: Map<string, [number, number, number]>;
}

const toSec = (ts: string) => Date.parse(`${ts.replace(' ', 'T')}Z`) / 1000;

export async function historyFeatures(
  file: string,
): Promise<{ X: number[][]; y: number[]; cust: string[]; types: string[] }> {
  const st = new Map<string, Hist>();
  const X: number[][] = [];
  const y: number[] = [];
  const cust: string[] = [];
  const types: string[] = [];
  for await (const r of readRows(file)) {
    const c = String(r.customer_id);
    let s = st.get(c);
    if (!s) {
      s = {
        n: 0,
        logSum: 0,
        logSq: 0,
        devices: new Set(),
        cities: new Set(),
        hours: new Array(24).fill(0),
        recent: [],
        cat: new Map(),
        merch: new Map(),
      };
      st.set(c, s);
    }
    const amt = Number(r.amount);
    const la = Math.log1p(amt);
    const mean = s.n ? s.logSum / s.n : la;
    const sd = s.n > 1 ? Math.sqrt(Math.max(1e-6, s.logSq / s.n - mean * mean)) : 1;
    const t = toSec(String(r.timestamp));
    s.recent = s.recent.filter((x) => t - x < 3600);
    const h = Number(r.hour);
    const dev = String(r.device_id ?? '');
    const catH = s.cat.get(String(r.category));
    const merH = s.merch.get(String(r.merchant_id));
    X.push([
      (la - mean) / sd,
      la,
      Math.log1p(Number(r.distance_from_home_km)),
      Number(r.is_first_txn_with_merchant),
      dev !== '' && s.n > 0 && !s.devices.has(dev) ? 1 : 0,
      s.n > 0 && !s.cities.has(String(r.city)) ? 1 : 0,
      s.recent.length,
      s.recent.filter((x) => t - x < 600).length,
      Number(r.daily_txn_count),
      Math.log1p(Number(r.time_since_last_txn_s)),
      s.n ? s.hours[h]! / s.n : 0.04,
      r.transaction_status === 'declined' ? 1 : 0,
      ['purchase', 'refund', 'p2p_transfer', 'atm_withdrawal'].indexOf(String(r.transaction_type)),
      ['POS', 'Online', 'Mobile', 'ATM'].indexOf(String(r.channel)),
      ['UPI', 'Cash', 'Debit Card', 'Credit Card', 'Wallet', 'Net Banking', 'BNPL'].indexOf(
        String(r.payment_mode),
      ),
      r.merchant_reputation === null || r.merchant_reputation === '' ? -1 : Number(r.merchant_reputation),
      Math.round(amt) % 100 === 0 || Math.round(amt) % 100 === 99 ? 1 : 0,
      Math.min(s.n, 50),
      catH ? la - catH[0] / catH[1] : 0,
      merH ? la - merH[0] / merH[1] : 0,
      merH && Math.abs(merH[2] - amt) < 0.01 ? 1 : 0,
    ]);
    y.push(Number(r.is_fraud));
    cust.push(c);
    types.push(String(r.fraud_type ?? ''));
    s.n++;
    s.logSum += la;
    s.logSq += la * la;
    if (dev !== '') s.devices.add(dev);
    s.cities.add(String(r.city));
    s.hours[h]!++;
    s.recent.push(t);
    const ce = catH ?? [0, 0];
    ce[0] += la;
    ce[1]++;
    s.cat.set(String(r.category), ce);
    const me = merH ?? [0, 0, 0];
    me[0] += la;
    me[1]++;
    me[2] = amt;
    s.merch.set(String(r.merchant_id), me);
  }
  return { X, y, cust, types };
}

export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (const i of idx) {
    if (labels[i]) {
      tp++;
      ap += tp / (tp + fp);
    } else fp++;
  }
  return tp ? ap / tp : 0;
}

export async function detectability(file: string, nTrees = 120): Promise<{ ap: number; testFrauds: number }> {
  const { X, y, cust } = await historyFeatures(file);
  const bucket = (s: string) => {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
    return Math.abs(h) % 10;
  };
  const train: number[] = [];
  const test: number[] = [];
  for (const [i, c] of cust.entries()) (bucket(c) < 7 ? train : test).push(i);
  const model = trainGbdt(
    matrixFromRows(train.map((i) => X[i]!)),
    train.map((i) => y[i]!),
    { nTrees, maxDepth: 6, learningRate: 0.1 },
  );
  const scores = model.predictRaw(matrixFromRows(test.map((i) => X[i]!)));
  const yt = test.map((i) => y[i]!);
  return { ap: averagePrecision(scores, yt), testFrauds: yt.filter(Boolean).length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: tsx detectability.ts FILE.csv\n');
    process.exit(2);
  }
  const r = await detectability(file);
  process.stdout.write(
    `PR AUC (average precision) on held-out customers: ${r.ap.toFixed(3)} (${r.testFrauds} frauds)\n`,
  );
}
