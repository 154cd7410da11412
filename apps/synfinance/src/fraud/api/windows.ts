// Bounded rolling windows the scoring service keeps: memory stays fixed however long it runs.

/** Fixed-size ring of small integer codes; `push` returns the code it pushed out, if any. */
export class Ring {
  private readonly codes: Uint8Array;
  private next = 0;
  n = 0;

  constructor(readonly capacity: number) {
    this.codes = new Uint8Array(capacity);
  }

  push(code: number): number | null {
    const old = this.n === this.capacity ? this.codes[this.next]! : null;
    this.codes[this.next] = code;
    this.next = (this.next + 1) % this.capacity;
    if (this.n < this.capacity) this.n++;
    return old;
  }
}

/** Share of flagged predictions among the last `capacity`. */
export class FlagRate {
  private readonly ring: Ring;
  private flagged = 0;

  constructor(capacity: number) {
    this.ring = new Ring(capacity);
  }

  push(flagged: 0 | 1): number {
    const old = this.ring.push(flagged);
    this.flagged += flagged - (old ?? 0);
    return this.flagged / this.ring.n;
  }
}

/** An insertion-ordered map that forgets its oldest entries beyond `capacity`. */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Sets the value as the newest entry. */
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }
}

export interface Classification {
  precision: number;
  recall: number;
  f1: number;
}

/** Confirmed outcomes against the decisions made, over the last `capacity` feedbacks. */
export class FeedbackWindow {
  private readonly ring: Ring;
  /** Counts by code actual * 2 + flagged: true negative, false positive, false negative, true positive. */
  private readonly counts = [0, 0, 0, 0];

  constructor(capacity: number) {
    this.ring = new Ring(capacity);
  }

  get size(): number {
    return this.ring.n;
  }

  push(actual: 0 | 1, flagged: 0 | 1): Classification {
    const code = actual * 2 + flagged;
    const old = this.ring.push(code);
    this.counts[code]!++;
    if (old !== null) this.counts[old]!--;
    const [, fp, fn, tp] = this.counts as [number, number, number, number];
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1 };
  }
}

/** The feature rows of the latest predictions of one model version, for drift against its profile. */
export class FeatureRows {
  private version = '';
  private nCols = 0;
  private buf = new Float64Array(0);
  private n = 0;
  private next = 0;

  constructor(private readonly capacity: number) {}

  /** Keeps a copy of the row; a new model version (or width) starts the window afresh. */
  keep(version: string, row: Float64Array): void {
    if (this.version !== version || this.nCols !== row.length) {
      this.version = version;
      this.nCols = row.length;
      this.buf = new Float64Array(this.capacity * row.length);
      this.n = 0;
      this.next = 0;
    }
    this.buf.set(row, this.next * this.nCols);
    this.next = (this.next + 1) % this.capacity;
    if (this.n < this.capacity) this.n++;
  }

  /** Rows kept for this version (none once another version's rows fill the window). */
  count(version: string): number {
    return this.version === version ? this.n : 0;
  }

  /** The rows kept for `version` as records keyed by feature name, NaN as null. */
  records(version: string, names: readonly string[]): Record<string, number | null>[] {
    const records: Record<string, number | null>[] = [];
    for (let r = 0; r < this.count(version); r++) {
      const record: Record<string, number | null> = {};
      for (let j = 0; j < names.length; j++) {
        const v = this.buf[r * this.nCols + j]!;
        record[names[j]!] = Number.isNaN(v) ? null : v;
      }
      records.push(record);
    }
    return records;
  }
}
