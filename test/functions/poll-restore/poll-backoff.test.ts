import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backoffWaitSeconds,
  nextWaitSeconds,
  simulatePolls,
} from '../../../functions/poll-restore/poll-backoff';
import { pollBackoffSchema } from '../../../functions/shared/contracts/drill-settings';

const DEFAULTS = pollBackoffSchema.parse({});
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('backoffWaitSeconds', () => {
  it('doubles from 5 s and stops at the 120 s cap with the defaults', () => {
    // Act
    const waits = Array.from({ length: 9 }, (_, attempt) => backoffWaitSeconds(DEFAULTS, attempt));

    // Assess
    expect(waits).toEqual([5, 10, 20, 40, 80, 120, 120, 120, 120]);
  });

  it('rounds a fractional factor up to whole seconds, as a Wait state needs', () => {
    // Prepare
    const backoff = pollBackoffSchema.parse({ initialSeconds: 3, factor: 1.5, maxSeconds: 10 });

    // Act
    const waits = [0, 1, 2, 3, 4].map((attempt) => backoffWaitSeconds(backoff, attempt));

    // Assess
    expect(waits).toEqual([3, 5, 7, 10, 10]);
  });

  it('stays at the cap for very late attempts instead of overflowing', () => {
    expect(backoffWaitSeconds(pollBackoffSchema.parse({ factor: 10 }), 5_000)).toBe(120);
  });

  it('refuses a negative attempt', () => {
    expect(() => backoffWaitSeconds(DEFAULTS, -1)).toThrow(/non-negative integer, got -1/);
  });
});

describe('nextWaitSeconds', () => {
  it('cuts the wait so the next poll lands on the deadline', () => {
    // Act: 50 s left of the budget, the schedule says 120 s
    const wait = nextWaitSeconds({
      backoff: DEFAULTS,
      attempt: 8,
      elapsedMs: 59 * MINUTE + 10_000,
      timeoutMs: HOUR,
    });

    // Assess
    expect(wait).toBe(50);
  });

  it('never overshoots the deadline by a second or more, and never waits less than 1 s', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3600 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 1440 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (initial, factor, extra, attempt, timeoutMinutes, fraction) => {
          const backoff = { initialSeconds: initial, factor, maxSeconds: initial + extra };
          const timeoutMs = timeoutMinutes * MINUTE;
          const elapsedMs = Math.floor(timeoutMs * fraction * 0.999);
          const wait = nextWaitSeconds({ backoff, attempt, elapsedMs, timeoutMs });
          expect(wait).toBeGreaterThanOrEqual(1);
          expect(wait).toBeLessThanOrEqual(backoff.maxSeconds);
          expect(elapsedMs + wait * 1000 - timeoutMs).toBeLessThan(1000);
        },
      ),
    );
  });
});

describe('simulatePolls', () => {
  it.each([
    // restore time, polls, detected after
    [30_000, 3, 35_000],
    [5 * MINUTE, 7, 395_000],
    [HOUR, 34, 3_635_000],
    [6 * HOUR, 184, 21_635_000],
  ])(
    'a %d ms restore with the defaults costs %d polls and is noticed at %d ms',
    (restoreMs, polls, detectedAtMs) => {
      // Act
      const run = simulatePolls(DEFAULTS, restoreMs, 24 * HOUR);

      // Assess
      expect(run).toMatchObject({ polls, detectedAtMs, timedOut: false });
    },
  );

  it('observes a 1 h restore in at most 40 polls with the defaults', () => {
    expect(simulatePolls(DEFAULTS, HOUR, 2 * HOUR).polls).toBeLessThanOrEqual(40);
  });

  it('notices the end of a restore within max(cap, 10 % of its duration)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 * 3600 }),
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 1.1, max: 4, noNaN: true }),
        fc.integer({ min: 0, max: 600 }),
        (restoreSeconds, initial, factor, extraCap) => {
          const backoff = { initialSeconds: initial, factor, maxSeconds: initial + extraCap };
          const restoreMs = restoreSeconds * 1000;
          const run = simulatePolls(backoff, restoreMs, 24 * HOUR);
          expect(run.timedOut).toBe(false);
          expect(run.lagMs).toBeLessThanOrEqual(Math.max(backoff.maxSeconds * 1000, 0.1 * restoreMs));
        },
      ),
    );
  });

  it('stops at the deadline, reporting a restore that outlives it as timed out', () => {
    // Act
    const run = simulatePolls(DEFAULTS, 3 * HOUR, HOUR);

    // Assess: the last poll is exactly at the 1 h deadline, not up to 2 minutes after it
    expect(run).toMatchObject({ timedOut: true, detectedAtMs: HOUR });
  });
});
