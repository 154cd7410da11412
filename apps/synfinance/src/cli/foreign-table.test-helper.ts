// A labelled table that is not SynFinance's (tests only): the column names of the fraud-detection
// handbook's simulated data (TX_DATETIME, CUSTOMER_ID, TERMINAL_ID, TX_AMOUNT, TX_FRAUD). Frauds
// are larger amounts at a few compromised terminals, so a model can learn them from TX_AMOUNT and
// TERMINAL_ID; a compromised customer keeps being defrauded on later days (what the known-compromised
// removal is about).
import fs from 'node:fs';
import { Rng } from '@polymorph/random/rng';

export interface ForeignRow {
  TRANSACTION_ID: string;
  TX_DATETIME: string;
  CUSTOMER_ID: string;
  TERMINAL_ID: string;
  TX_AMOUNT: number;
  TX_FRAUD: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Rows of `days` days from 2018-04-01 + `firstDay`, `customers` customers, 1-3 transactions a day. */
export function foreignRows(o: {
  seed: number;
  firstDay: number;
  days: number;
  customers?: number;
}): ForeignRow[] {
  const rng = new Rng(o.seed);
  const customers = o.customers ?? 60;
  const rows: ForeignRow[] = [];
  const start = Date.UTC(2018, 3, 1);
  for (let d = o.firstDay; d < o.firstDay + o.days; d++) {
    for (let c = 0; c < customers; c++) {
      const n = 1 + rng.int(3);
      for (let k = 0; k < n; k++) {
        const t = new Date(start + d * 86_400_000 + (c * 3 + k) * 400_000 + rng.int(300) * 1000);
        // every 4th customer is compromised from a day of the period on, 1 in 2 of their transactions
        const from = o.firstDay + 2 + ((c * 5 + o.seed * 3) % Math.max(1, o.days - 2));
        const fraud = c % 4 === 0 && d >= from && rng.next() < 0.5;
        rows.push({
          TRANSACTION_ID: `T${rows.length}`,
          TX_DATETIME: `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`,
          CUSTOMER_ID: `C${c}`,
          TERMINAL_ID: fraud ? `X${rng.int(3)}` : `T${rng.int(20)}`,
          TX_AMOUNT: Math.round((fraud ? 200 + rng.next() * 300 : 5 + rng.next() * 150) * 100) / 100,
          TX_FRAUD: fraud ? 1 : 0,
        });
      }
    }
  }
  rows.sort((a, b) => (a.TX_DATETIME < b.TX_DATETIME ? -1 : a.TX_DATETIME > b.TX_DATETIME ? 1 : 0));
  return rows;
}

/** Write rows as CSV with the given columns (default every column). */
export function writeForeignCsv(file: string, rows: ForeignRow[], columns?: (keyof ForeignRow)[]): void {
  const cols = columns ?? (Object.keys(rows[0]!) as (keyof ForeignRow)[]);
  const lines = rows.map((r) => cols.map((c) => String(r[c])).join(','));
  fs.writeFileSync(file, `${cols.join(',')}\n${lines.join('\n')}\n`);
}
