import { describe, expect, it } from 'vitest';
import { AcceleratedClock, ManualClock } from './clock.ts';
import { DriverError } from './drivers.ts';

describe('AcceleratedClock', () => {
  it('runs experiment time at the acceleration factor of its wall clock', () => {
    let wall = 1000;
    const clock = new AcceleratedClock({ acceleration: 60, wallNow: () => wall });
    expect(clock.now()).toBe(0);
    wall += 1500;
    expect(clock.now()).toBe(90_000);
  });

  it('refuses an acceleration below 1 or not finite', () => {
    expect(() => new AcceleratedClock({ acceleration: 0.5 })).toThrow(RangeError);
    expect(() => new AcceleratedClock({ acceleration: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });

  it('sleeps at least the experiment time asked for, in a fraction of it on the wall', async () => {
    const clock = new AcceleratedClock({ acceleration: 10_000 });
    const wallStart = performance.now();
    await clock.sleep(60_000);
    expect(clock.now()).toBeGreaterThanOrEqual(60_000);
    // a minute of experiment in well under a minute of wall time (6 ms nominal; the bound is generous)
    expect(performance.now() - wallStart).toBeLessThan(30_000);
  });

  it('a sleep is cancelled by its signal with DriverError cancelled', async () => {
    const clock = new AcceleratedClock({ acceleration: 1 });
    const controller = new AbortController();
    const sleeping = clock.sleep(3_600_000, controller.signal);
    controller.abort();
    const error = await sleeping.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriverError);
    expect(error).toMatchObject({ code: 'cancelled' });
    await expect(clock.sleep(10, controller.signal)).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('ManualClock', () => {
  it('wakes sleepers in deadline order at their own deadlines, including sleeps made during advance', async () => {
    const clock = new ManualClock();
    const woke: Array<[string, number]> = [];
    const chain = (async () => {
      await clock.sleep(100);
      woke.push(['chain-1', clock.now()]);
      await clock.sleep(100);
      woke.push(['chain-2', clock.now()]);
    })();
    const single = clock.sleep(150).then(() => woke.push(['single', clock.now()]));
    await clock.advance(250);
    await Promise.all([chain, single]);
    expect(woke).toEqual([
      ['chain-1', 100],
      ['single', 150],
      ['chain-2', 200],
    ]);
    expect(clock.now()).toBe(250);
  });

  it('leaves sleepers beyond the advance asleep, and cancels on abort', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    let woke = false;
    const sleeping = clock.sleep(1000, controller.signal).then(() => {
      woke = true;
    });
    await clock.advance(999);
    expect(woke).toBe(false);
    expect(clock.pendingSleeps).toBe(1);
    controller.abort();
    await expect(sleeping).rejects.toMatchObject({ code: 'cancelled' });
    expect(clock.pendingSleeps).toBe(0);
  });
});
