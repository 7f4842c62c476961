import { describe, expect, it } from 'vitest';
import { ScaledClock, scaledTime, VirtualClock } from '../../local/local-clock';

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
