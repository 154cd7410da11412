import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tmpDir } from './test-helpers.ts';
import { buildCalendar, dateRangeError, LAST_DAY, parseDay } from './world/calendar.ts';

// `YYYY-MM-DD HH:MM:SS` has room for four-digit years; a later day used to be written `+010000-01`.
describe('timestamps past year 9999', () => {
  it('a window ending on 9999-12-31 is fine; one day more is refused with the reason', () => {
    expect(LAST_DAY).toBe(parseDay('9999-12-31'));
    expect(dateRangeError(parseDay('9999-12-31')!, 1)).toBeNull();
    expect(dateRangeError(parseDay('9999-12-01')!, 31)).toBeNull();
    expect(dateRangeError(parseDay('9999-12-01')!, 32)).toMatch(/run past 9999-12-31/);
    expect(buildCalendar(parseDay('9999-12-31')!, 1).map((d) => d.iso)).toEqual(['9999-12-31']);
    expect(() => buildCalendar(parseDay('9999-12-20')!, 30)).toThrow(RangeError);
  });

  it('the generate command refuses such a window and writes no file', () => {
    const dir = tmpDir();
    try {
      const out = path.join(dir, 'x.csv');
      const r = runCli(['generate', '--count', '500', '--start', '9999-12-20', '--days', '30', '--out', out]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/9999-12-31/);
      expect(fs.existsSync(out)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
