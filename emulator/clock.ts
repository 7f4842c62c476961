/**
 * A source of wall-clock time, in epoch milliseconds.
 *
 * Everything time-dependent in the emulator (snapshot `create_ts`, restore progress, job
 * `start_time`/`time_cost`, job retention, pin TTLs, the server-side restore timeout) reads this
 * clock, so a test can make a restore that "takes" six hours happen in a few milliseconds.
 */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
}

/** The machine's clock (`Date.now()`). */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** 2026-11-21T03:00:00Z: a fixed, recognisable default start for manual clocks. */
const DEFAULT_MANUAL_START_MS = Date.UTC(2026, 10, 21, 3, 0, 0);

/**
 * A clock that only moves when told to. Use it to drive restore jobs, pin TTLs and job retention
 * deterministically from tests and benchmarks.
 */
export class ManualClock implements Clock {
  #nowMs: number;

  /**
   * @param startMs epoch milliseconds the clock starts at.
   * @default 2026-11-21T03:00:00Z
   */
  constructor(startMs: number = DEFAULT_MANUAL_START_MS) {
    this.#nowMs = checkedTime('startMs', startMs);
  }

  now(): number {
    return this.#nowMs;
  }

  /** Moves the clock forward by `ms` (which must not be negative) and returns the new time. */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`advance(ms) needs a finite, non-negative number of milliseconds, got ${ms}`);
    }
    this.#nowMs += ms;
    return this.#nowMs;
  }

  /**
   * Sets the clock to `ms`. Setting it backwards is allowed (to simulate clock skew); the emulator
   * still never reports a restore's progress or state going backwards.
   */
  set(ms: number): void {
    this.#nowMs = checkedTime('ms', ms);
  }
}

function checkedTime(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite, non-negative epoch milliseconds value, got ${value}`);
  }
  return value;
}
