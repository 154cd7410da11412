// The Redis store's encoding of a customer history is lossless: NaN (no location or time yet), the
// insertion order of merchants, categories, devices and cities (their eviction order), every double.
import { describe, expect, it } from 'vitest';
import { computeFeatures, HISTORY_LIMITS, newHistory, updateHistory } from '../features/features.ts';
import type { Txn } from '../features/transaction.ts';
import { decodeHistory, encodeHistory, HistoryDecodeError } from './history-codec.ts';

const T0 = Date.UTC(2025, 0, 6, 9, 30);
const txn = (i: number, over: Partial<Txn> = {}): Txn => ({
  transactionId: `t${i}`,
  customerId: 'C1',
  merchantId: `M${i % 300}`, // more merchants than HISTORY_LIMITS.merchants: eviction happens
  timeMs: T0 + i * 7 * 60_000,
  amount: 100 + ((i * 37.13) % 5000),
  category: `cat${i % 40}`,
  transactionType: i % 3,
  channel: i % 2,
  paymentMode: i % 4,
  declined: i % 11 === 0,
  merchantReputation: i % 5 === 0 ? Number.NaN : 0.5 + (i % 7) / 20,
  latitude: i % 4 === 0 ? Number.NaN : 19 + (i % 9) / 10,
  longitude: i % 4 === 0 ? Number.NaN : 72.8 + (i % 5) / 10,
  distanceFromHomeKm: i % 6 === 0 ? Number.NaN : i % 50,
  deviceId: i % 3 === 0 ? null : `D${i % 20}`,
  city: i % 8 === 0 ? null : `city${i % 40}`,
  ...over,
});

const orderOf = (h: ReturnType<typeof newHistory>) => ({
  merchants: [...h.merchants.keys()],
  categories: [...h.categories.keys()],
  devices: [...h.devices],
  cities: [...h.cities],
});

describe('customer history codec', () => {
  it('a new history (NaN times and places) survives the round trip', () => {
    const h = newHistory();
    const back = decodeHistory(encodeHistory(h));
    expect(back).toEqual(h);
    expect(Number.isNaN(back.lastLat) && Number.isNaN(back.firstTime)).toBe(true);
  });

  it('after each of 400 transactions, the decoded history equals the live one and gives the same features', () => {
    const h = newHistory();
    for (let i = 0; i < 400; i++) {
      const t = txn(i);
      const back = decodeHistory(encodeHistory(h));
      expect(back).toEqual(h);
      expect(orderOf(back)).toEqual(orderOf(h));
      expect(Array.from(computeFeatures(t, back))).toEqual(Array.from(computeFeatures(t, h)));
      updateHistory(t, h);
    }
    expect(h.merchants.size).toBe(HISTORY_LIMITS.merchants);
    expect(h.devices.size).toBeLessThanOrEqual(HISTORY_LIMITS.devices);
  });

  it('text that is not a stored history is refused, not read as an empty one', () => {
    expect(() => decodeHistory('not json')).toThrow(HistoryDecodeError);
    expect(() => decodeHistory('{"x":1}')).toThrow(HistoryDecodeError);
  });
});
