import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../emulator/clock';

describe('clocks', () => {
  it('systemClock follows Date.now()', () => {
    // Act
    const before = Date.now();
    const now = systemClock.now();

    // Assess
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now - before).toBeLessThan(1_000);
  });

  it('ManualClock starts at 2026-11-21T03:00:00Z by default, or where told, and only moves when told', () => {
    // Prepare
    const fixed = new ManualClock();
    const custom = new ManualClock(5_000);

    // Act
    const advanced = custom.advance(6 * 3_600_000);
    fixed.set(Date.UTC(2027, 0, 1));

    // Assess
    expect(new ManualClock().now()).toBe(Date.UTC(2026, 10, 21, 3, 0, 0));
    expect(advanced).toBe(5_000 + 6 * 3_600_000);
    expect(custom.now()).toBe(advanced);
    expect(fixed.now()).toBe(Date.UTC(2027, 0, 1));
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses to advance by %d', (ms) => {
    // Assess
    expect(() => new ManualClock().advance(ms)).toThrow(RangeError);
  });

  it('refuses an invalid start', () => {
    // Assess
    expect(() => new ManualClock(-5)).toThrow(
      'startMs must be a finite, non-negative epoch milliseconds value, got -5',
    );
  });
});
