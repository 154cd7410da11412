/**
 * Card precision top-k, as defined in the fraud-detection handbook (Le Borgne et al., chapter 4,
 * "Precision top-k metrics"). For each day, in increasing order:
 *  1. drop the transactions of cards already detected as compromised on earlier days (optional, on by
 *     default as in the handbook: a detected card is blocked, so it is not an alert again);
 *  2. group the day's transactions by card: risk = max score, compromised = any fraud;
 *  3. take the k cards with the highest risk; precision = compromised cards among them / k (divided by k
 *     even if the day has fewer than k cards, as the handbook does);
 *  4. remember the compromised cards found in the top k.
 * The result is the mean of the daily precisions. Equal risks are ordered by card id (the handbook leaves
 * tie order to pandas; here it is deterministic).
 */
export interface CardPrecisionDay {
  day: number;
  precision: number;
  /** Distinct cards with at least one transaction that day (after removing already-detected cards). */
  cards: number;
  /** Distinct compromised cards that day (after removal). */
  compromisedCards: number;
  /** Compromised cards found in the top k. */
  detected: number;
}

export interface CardPrecisionResult {
  k: number;
  mean: number;
  days: CardPrecisionDay[];
}

export function cardPrecisionAtK(
  input: {
    day: ArrayLike<number>;
    cardId: ArrayLike<string | number>;
    label: ArrayLike<number>;
    score: ArrayLike<number>;
  },
  k: number,
  removeDetectedCards = true,
): CardPrecisionResult {
  const { day, cardId, label, score } = input;
  const n = day.length;
  if (cardId.length !== n || label.length !== n || score.length !== n) {
    throw new RangeError('day, cardId, label and score must have the same length');
  }
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const byDay = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const d = day[i]!;
    if (!Number.isFinite(d)) throw new RangeError(`day at ${i} is ${d}`);
    let rows = byDay.get(d);
    if (!rows) {
      rows = [];
      byDay.set(d, rows);
    }
    rows.push(i);
  }
  const detectedCards = new Set<string | number>();
  const days: CardPrecisionDay[] = [];
  for (const d of [...byDay.keys()].sort((a, b) => a - b)) {
    const cards = new Map<string | number, { risk: number; fraud: boolean }>();
    for (const i of byDay.get(d)!) {
      const c = cardId[i]!;
      if (detectedCards.has(c)) continue;
      const e = cards.get(c);
      const s = score[i]!;
      const f = label[i] === 1;
      if (e) {
        if (s > e.risk) e.risk = s;
        e.fraud ||= f;
      } else cards.set(c, { risk: s, fraud: f });
    }
    const ranked = [...cards.entries()].sort(
      ([ca, a], [cb, b]) => b.risk - a.risk || (ca < cb ? -1 : ca > cb ? 1 : 0),
    );
    let detected = 0;
    let compromised = 0;
    for (const [, e] of ranked) if (e.fraud) compromised++;
    for (const [c, e] of ranked.slice(0, k)) {
      if (e.fraud) {
        detected++;
        if (removeDetectedCards) detectedCards.add(c);
      }
    }
    days.push({
      day: d,
      precision: detected / k,
      cards: ranked.length,
      compromisedCards: compromised,
      detected,
    });
  }
  const mean = days.length ? days.reduce((s, x) => s + x.precision, 0) / days.length : Number.NaN;
  return { k, mean, days };
}
