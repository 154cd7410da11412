// Everything derived once from (seed, start, days): merchants, calendar and sampling tables.
// Built identically in the main thread and in every worker.
import { cumulative } from '@polymorph/random/rng';
import { buildCalendar, type DayInfo, HOUR_PROFILE_NAMES, hourProfile } from './world/calendar.ts';
import { buildMerchantUniverse, type MerchantUniverse } from './world/merchants.ts';

export interface World extends MerchantUniverse {
  calendar: DayInfo[];
  dayCum: Float64Array;
  /** hourCum[profile * 2 + weekend] */
  hourCum: Float64Array[];
  nightOwlCum: Float64Array[];
}

export function buildWorld(seed: number, startDay: number, days: number): World {
  const universe = buildMerchantUniverse(seed);
  const calendar = buildCalendar(startDay, days);
  const hourCum: Float64Array[] = [];
  const nightOwlCum: Float64Array[] = [];
  for (const p of HOUR_PROFILE_NAMES) {
    for (const weekend of [false, true]) {
      const h = hourProfile(p, weekend);
      hourCum.push(cumulative(h));
      // night owls shift a good part of their activity past 22:00 and before 03:00
      nightOwlCum.push(cumulative(h.map((w, i) => (i >= 22 || i <= 2 ? w + 1.6 : w))));
    }
  }
  return { ...universe, calendar, dayCum: cumulative(calendar.map((d) => d.weight)), hourCum, nightOwlCum };
}
