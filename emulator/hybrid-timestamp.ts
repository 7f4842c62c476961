import type { Clock } from './clock';

/** Milvus hybrid timestamps keep an 18-bit logical counter below the physical milliseconds. */
const LOGICAL_BITS = 18n;

/**
 * A timestamp oracle (TSO) like the one Milvus uses for `create_ts`, flush timestamps and
 * mutation timestamps: `(physicalMs << 18) | logical`, strictly increasing even when the clock
 * stands still (a ManualClock) or moves backwards.
 */
export class HybridTimestampOracle {
  #last = 0n;

  constructor(private readonly clock: Clock) {}

  /** The last timestamp handed out: every later one is greater. */
  get floor(): bigint {
    return this.#last;
  }

  /** Makes every later timestamp greater than `ts` (after a restart from a saved state). */
  raiseFloor(ts: bigint): void {
    if (ts > this.#last) {
      this.#last = ts;
    }
  }

  /** The next timestamp. */
  next(): bigint {
    const physical = BigInt(Math.floor(this.clock.now())) << LOGICAL_BITS;
    this.#last = physical > this.#last ? physical : this.#last + 1n;
    return this.#last;
  }
}
