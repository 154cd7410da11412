// Dates, festivals on their real dates, salary days and hourly profiles. All times are Indian
// Standard Time wall-clock; the simulation never reads the machine clock.
import type { HourProfileName } from './segments.ts';

export const DAY_MS = 86_400_000;

/** Parse YYYY-MM-DD strictly; returns the UTC day number or null for an impossible date. */
export function parseDay(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return t / DAY_MS;
}

/** The last day a timestamp can name: `YYYY-MM-DD HH:MM:SS` has four digits for the year. */
export const LAST_DAY = Date.UTC(9999, 11, 31) / DAY_MS;

/** Why a window of `days` days from `startDay` cannot be written, or null when it can. */
export function dateRangeError(startDay: number, days: number): string | null {
  const lastDay = startDay + days - 1;
  if (lastDay <= LAST_DAY) return null;
  return `the ${days} day(s) from ${dayToIso(startDay)} run past 9999-12-31, the last day a timestamp can name`;
}

export function dayToIso(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export interface Festival {
  name: string;
  /** Dates (YYYY-MM-DD) by year; for fixed-date festivals use `fixed` (MM-DD). */
  dates?: Readonly<Record<number, string>>;
  fixed?: string;
  before: number;
  after: number;
  multiplier: number;
  /** Categories whose share rises during the festival season. */
  boost: readonly string[];
}

// Lunar festival dates per year (Government of India holiday lists / drikpanchang);
// years outside 2024-2026 get only the fixed-date festivals (documented limitation).
export const FESTIVALS: readonly Festival[] = [
  {
    name: 'New Year',
    fixed: '01-01',
    before: 1,
    after: 0,
    multiplier: 1.25,
    boost: ['Food & Dining', 'Entertainment'],
  },
  {
    name: 'Makar Sankranti / Pongal',
    dates: { 2024: '2024-01-15', 2025: '2025-01-14', 2026: '2026-01-14' },
    before: 2,
    after: 1,
    multiplier: 1.2,
    boost: ['Groceries', 'Fashion'],
  },
  {
    name: 'Holi',
    dates: { 2024: '2024-03-25', 2025: '2025-03-14', 2026: '2026-03-04' },
    before: 3,
    after: 0,
    multiplier: 1.25,
    boost: ['Groceries', 'Food & Dining', 'Fashion'],
  },
  {
    name: 'Eid al-Fitr',
    dates: { 2024: '2024-04-11', 2025: '2025-03-31', 2026: '2026-03-21' },
    before: 4,
    after: 1,
    multiplier: 1.25,
    boost: ['Fashion', 'Groceries', 'Food & Dining'],
  },
  {
    name: 'Raksha Bandhan',
    dates: { 2024: '2024-08-19', 2025: '2025-08-09', 2026: '2026-08-28' },
    before: 3,
    after: 0,
    multiplier: 1.2,
    boost: ['Fashion', 'Shopping'],
  },
  {
    name: 'Onam',
    dates: { 2024: '2024-09-15', 2025: '2025-09-05', 2026: '2026-08-26' },
    before: 4,
    after: 1,
    multiplier: 1.15,
    boost: ['Groceries', 'Fashion'],
  },
  {
    name: 'Ganesh Chaturthi',
    dates: { 2024: '2024-09-07', 2025: '2025-08-27', 2026: '2026-09-14' },
    before: 3,
    after: 2,
    multiplier: 1.2,
    boost: ['Groceries', 'Shopping'],
  },
  {
    name: 'Navratri / Dussehra',
    dates: { 2024: '2024-10-12', 2025: '2025-10-02', 2026: '2026-10-20' },
    before: 9,
    after: 0,
    multiplier: 1.3,
    boost: ['Fashion', 'Shopping', 'Electronics'],
  },
  {
    name: 'Diwali',
    dates: { 2024: '2024-11-01', 2025: '2025-10-20', 2026: '2026-11-08' },
    before: 10,
    after: 2,
    multiplier: 1.6,
    boost: ['Electronics', 'Fashion', 'Shopping', 'Groceries'],
  },
  {
    name: 'Christmas',
    fixed: '12-25',
    before: 5,
    after: 1,
    multiplier: 1.25,
    boost: ['Shopping', 'Food & Dining', 'Travel'],
  },
];

export interface DayInfo {
  iso: string;
  dow: number; // 0 = Monday ... 6 = Sunday
  weekend: boolean;
  salary: boolean;
  festival: number; // index into FESTIVALS or -1
  weight: number;
}

export const DOW_NAMES = [
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
] as const;

/** Per-day calendar for the simulated window: weekday, salary day, festival season, relative volume. */
export function buildCalendar(startDay: number, days: number): DayInfo[] {
  // a later day would be written as `+010000-01`: refuse rather than write malformed timestamps
  const outOfRange = dateRangeError(startDay, days);
  if (outOfRange) throw new RangeError(outOfRange);
  const festDay = new Map<number, number>();
  const startYear = new Date(startDay * DAY_MS).getUTCFullYear();
  const endYear = new Date((startDay + days) * DAY_MS).getUTCFullYear();
  for (let y = startYear - 1; y <= endYear + 1; y++) {
    FESTIVALS.forEach((f, fi) => {
      const iso = f.fixed ? `${y}-${f.fixed}` : f.dates?.[y];
      if (!iso) return;
      const d = parseDay(iso);
      if (d === null) return;
      for (let x = d - f.before; x <= d + f.after; x++) {
        const prev = festDay.get(x);
        if (prev === undefined || FESTIVALS[prev]!.multiplier < f.multiplier) festDay.set(x, fi);
      }
    });
  }
  const out: DayInfo[] = [];
  for (let i = 0; i < days; i++) {
    const day = startDay + i;
    const date = new Date(day * DAY_MS);
    const dow = (date.getUTCDay() + 6) % 7;
    const dom = date.getUTCDate();
    const lastDom = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
    const salary = dom <= 3 || dom === lastDom;
    const festival = festDay.get(day) ?? -1;
    let weight = dow >= 5 ? 1.12 : 1;
    if (salary) weight *= 1.2;
    if (festival >= 0) weight *= FESTIVALS[festival]!.multiplier;
    out.push({ iso: date.toISOString().slice(0, 10), dow, weekend: dow >= 5, salary, festival, weight });
  }
  return out;
}

// Relative transaction volume by hour (0-23), weekday then weekend.
const H: Record<HourProfileName, [number[], number[]]> = {
  office: [
    [
      0.2, 0.1, 0.05, 0.05, 0.05, 0.2, 0.6, 1.6, 2.4, 2.0, 1.4, 1.5, 2.6, 2.4, 1.4, 1.2, 1.3, 1.8, 2.6, 3.0,
      3.0, 2.4, 1.4, 0.6,
    ],
    [
      0.4, 0.2, 0.1, 0.05, 0.05, 0.1, 0.3, 0.7, 1.3, 1.9, 2.3, 2.5, 2.7, 2.5, 2.2, 2.1, 2.3, 2.6, 2.9, 3.0,
      2.8, 2.2, 1.4, 0.8,
    ],
  ],
  shift: [
    [
      0.6, 0.4, 0.3, 0.2, 0.3, 0.6, 1.2, 1.6, 1.8, 1.8, 1.7, 1.7, 2.0, 1.9, 1.7, 1.6, 1.7, 1.9, 2.2, 2.4, 2.3,
      1.9, 1.4, 0.9,
    ],
    [
      0.7, 0.5, 0.3, 0.2, 0.2, 0.4, 0.9, 1.3, 1.6, 1.8, 1.9, 2.0, 2.2, 2.1, 1.9, 1.8, 1.9, 2.1, 2.4, 2.5, 2.3,
      2.0, 1.5, 1.0,
    ],
  ],
  student: [
    [
      0.8, 0.5, 0.2, 0.1, 0.05, 0.1, 0.3, 0.8, 1.2, 1.1, 1.0, 1.3, 2.2, 2.0, 1.5, 1.6, 2.0, 2.4, 2.6, 2.6,
      2.7, 2.6, 2.1, 1.4,
    ],
    [
      1.1, 0.7, 0.4, 0.2, 0.05, 0.05, 0.1, 0.3, 0.6, 1.0, 1.4, 1.9, 2.4, 2.3, 2.0, 2.0, 2.2, 2.5, 2.8, 2.9,
      2.9, 2.7, 2.3, 1.6,
    ],
  ],
  retired: [
    [
      0.05, 0.02, 0.02, 0.02, 0.05, 0.4, 1.2, 2.2, 2.8, 3.0, 2.8, 2.5, 2.0, 1.5, 1.3, 1.4, 1.8, 2.2, 2.0, 1.5,
      0.9, 0.4, 0.15, 0.05,
    ],
    [
      0.05, 0.02, 0.02, 0.02, 0.05, 0.3, 1.0, 2.0, 2.7, 3.0, 2.9, 2.6, 2.1, 1.5, 1.3, 1.4, 1.8, 2.1, 2.0, 1.5,
      0.9, 0.4, 0.15, 0.05,
    ],
  ],
  business: [
    [
      0.2, 0.1, 0.05, 0.05, 0.05, 0.2, 0.6, 1.2, 1.8, 2.2, 2.4, 2.4, 2.3, 2.2, 2.1, 2.1, 2.2, 2.3, 2.5, 2.5,
      2.2, 1.7, 1.0, 0.5,
    ],
    [
      0.3, 0.15, 0.05, 0.05, 0.05, 0.15, 0.4, 0.9, 1.5, 2.0, 2.3, 2.4, 2.5, 2.4, 2.2, 2.1, 2.2, 2.4, 2.6, 2.7,
      2.4, 1.9, 1.2, 0.6,
    ],
  ],
};

export const HOUR_PROFILE_NAMES: readonly HourProfileName[] = [
  'office',
  'shift',
  'student',
  'retired',
  'business',
];

export function hourProfile(name: HourProfileName, weekend: boolean): readonly number[] {
  return H[name][weekend ? 1 : 0];
}
