import { describe, expect, it } from 'vitest';
import { cardPrecisionAtK } from './topk.ts';

// Day 0: A {.9 fraud, .1} -> risk .9 fraud; B .8 genuine; C .3 fraud.
// Day 1: A .95 fraud; B .2; C .7 fraud; D .6.
const data = {
  day: [0, 0, 0, 0, 1, 1, 1, 1],
  cardId: ['A', 'A', 'B', 'C', 'A', 'B', 'C', 'D'],
  label: [1, 0, 0, 1, 1, 0, 1, 0],
  score: [0.9, 0.1, 0.8, 0.3, 0.95, 0.2, 0.7, 0.6],
};

describe('card precision@k', () => {
  it('removes cards detected on earlier days (handbook default)', () => {
    const r = cardPrecisionAtK(data, 2);
    // Day 0 top 2: A (fraud), B -> 1/2. Day 1 without A: C (fraud), D -> 1/2.
    expect(r.days.map((d) => d.precision)).toEqual([0.5, 0.5]);
    expect(r.mean).toBe(0.5);
    expect(r.days[0]).toMatchObject({ cards: 3, compromisedCards: 2, detected: 1 });
    expect(r.days[1]).toMatchObject({ cards: 3, compromisedCards: 1, detected: 1 });
  });

  it('keeps detected cards when asked, and divides by k even for small days', () => {
    const r = cardPrecisionAtK(data, 2, false);
    expect(r.days.map((d) => d.precision)).toEqual([0.5, 1]); // day 1: A .95 and C .7
    expect(r.mean).toBe(0.75);
    expect(cardPrecisionAtK(data, 5).days[0]!.precision).toBe(0.4); // 2 compromised of 3 cards / 5
  });

  it('breaks equal risks by card id and validates input', () => {
    const tie = { day: [0, 0], cardId: ['Z', 'Y'], label: [1, 0], score: [0.5, 0.5] };
    expect(cardPrecisionAtK(tie, 1).mean).toBe(0); // Y before Z
    expect(() => cardPrecisionAtK(tie, 0)).toThrow(/k must be/);
    expect(() => cardPrecisionAtK({ ...tie, score: [1] }, 1)).toThrow(/same length/);
  });
});
