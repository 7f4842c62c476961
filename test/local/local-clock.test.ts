import { describe, expect, it } from 'vitest';
import { LockstepClock, ScaledClock, scaledTime, VirtualClock } from '../../local/local-clock';

describe('VirtualClock', () => {
  it('stands still, and jumps by exactly the waited time', async () => {
    // Prepare
    const clock = new VirtualClock(1_000_000);

    // Act
    await clock.sleep(3600);

    // Assess
    expect(clock.now()).toBe(1_000_000 + 3_600_000);
    expect(clock.msPerSecond).toBe(0);
  });
});

describe('ScaledClock', () => {
  it('lets a long wait pass in a fraction of real time', async () => {
    // Prepare
    const clock = new ScaledClock(0.001, 0);
    const realStart = Date.now();

    // Act: ten minutes of run time
    await clock.sleep(600);

    // Assess: at least ten run minutes have passed, in about 0.6 real seconds
    expect(clock.now()).toBeGreaterThanOrEqual(600_000);
    expect(Date.now() - realStart).toBeLessThan(5_000);
  });

  it('never returns before the run time it waited for has passed, however early a timer fires', async () => {
    // Prepare: at this scale a real millisecond is a run second, and timers keep milliseconds loosely
    const clock = new ScaledClock(0.001, 0);
    const short: number[] = [];

    // Act: two hundred Waits of two run seconds
    for (let i = 0; i < 200; i += 1) {
      const before = clock.now();
      await clock.sleep(2);
      if (clock.now() - before < 2_000) short.push(clock.now() - before);
    }

    // Assess
    expect(short).toEqual([]);
  });

  it('stands still until the run begins, so start-up takes no run time', async () => {
    // Prepare
    const clock = new ScaledClock(0.001, 5_000_000);

    // Act: half a real second before the run begins would be 500 run seconds
    await new Promise((resolve) => setTimeout(resolve, 500));
    const beforeBegin = clock.now();
    clock.begin();

    // Assess
    expect(beforeBegin).toBe(5_000_000);
    expect(clock.now() - 5_000_000).toBeLessThan(200_000);
  });

  it('tells its followers when the run begins, and settles once they have taken it in', async () => {
    // Prepare
    const clock = new ScaledClock(0.001, 5_000_000);
    const told: { runStart: number; realStart?: number }[] = [];
    let takenIn = false;
    clock.follow(async (timing) => {
      told.push(timing);
      await new Promise((resolve) => setTimeout(resolve, 50));
      takenIn = true;
    });

    // Act
    clock.begin();
    clock.begin();
    await clock.settled();

    // Assess: told once, with what keeps the same time elsewhere
    expect(takenIn).toBe(true);
    expect(told).toHaveLength(1);
    expect(told[0]).toEqual(clock.timing());
    const before = clock.now();
    const followed = scaledTime(clock.timing(), Date.now());
    expect(followed).toBeGreaterThanOrEqual(before);
    expect(followed).toBeLessThanOrEqual(clock.now());
  });

  it('tells a follower that comes after the run began at once', async () => {
    // Prepare
    const clock = new ScaledClock(0.01, 0);
    clock.begin();
    const told: unknown[] = [];

    // Act
    clock.follow(async (timing) => {
      told.push(timing);
    });
    await clock.settled();

    // Assess
    expect(told).toEqual([clock.timing()]);
  });

  it('stands at its start for a follower until the run begins', () => {
    // Prepare
    const clock = new ScaledClock(0.001, 7_000_000);

    // Act & Assess
    expect(clock.timing()).toEqual({ scale: 0.001, runStart: 7_000_000 });
    expect(scaledTime(clock.timing(), Date.now() + 1_000_000)).toBe(7_000_000);
  });

  it('refuses a scale that would stop or reverse time', () => {
    expect(() => new ScaledClock(0)).toThrow(/greater than 0, got 0/);
  });
});

describe('LockstepClock', () => {
  const START = Date.parse('2026-11-21T13:04:09.649Z');

  it('lets waits side by side overlap, as they do in Step Functions, where a VirtualClock adds them up', async () => {
    // Prepare
    const clock = new LockstepClock(START);
    const woke: [string, number][] = [];
    const wait = (who: string, seconds: number) =>
      clock.sleep(seconds).then(() => woke.push([who, clock.now() - START]));

    // Act: three collections poll their restores on the same backoff, one of them later
    await Promise.all([wait('products', 5), wait('support_tickets', 5), wait('user_events', 10)]);

    // Assess: in the order they were due, at the time each was due
    expect(woke).toEqual([
      ['products', 5_000],
      ['support_tickets', 5_000],
      ['user_events', 10_000],
    ]);
    expect(clock.msPerSecond).toBe(0);
  });

  it('stands still while a step runs, however long it takes, even with a wait due', async () => {
    // Prepare
    const clock = new LockstepClock(START);
    const waiting = clock.sleep(5);

    // Act: a step that takes 50 real ms, longer than the clock's settling
    const seen = await clock.step(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return clock.now();
    });
    await waiting;

    // Assess
    expect(seen).toBe(START);
    expect(clock.now()).toBe(START + 5_000);
  });

  it('runs steps one at a time, in the order they were started, whichever finishes its I/O first', async () => {
    // Prepare
    const clock = new LockstepClock(START);
    const events: string[] = [];
    const step = (who: string, realMs: number) =>
      clock.step(async () => {
        events.push(`${who} starts`);
        await new Promise((resolve) => setTimeout(resolve, realMs));
        events.push(`${who} ends`);
      });

    // Act: the first is the slowest
    await Promise.all([step('products', 40), step('support_tickets', 1), step('user_events', 10)]);

    // Assess
    expect(events).toEqual([
      'products starts',
      'products ends',
      'support_tickets starts',
      'support_tickets ends',
      'user_events starts',
      'user_events ends',
    ]);
  });

  it('lets the next step run when one fails', async () => {
    // Prepare
    const clock = new LockstepClock(START);

    // Act
    const failed = clock.step(async () => {
      throw new Error('UNAVAILABLE');
    });
    const next = clock.step(async () => 'ran');

    // Assess
    await expect(failed).rejects.toThrow('UNAVAILABLE');
    await expect(next).resolves.toBe('ran');
  });
});
