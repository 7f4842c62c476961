/**
 * Milvus hybrid timestamps (TSO): the physical time in epoch milliseconds shifted left by 18
 * bits, plus an 18-bit logical counter. They arrive from the SDK as decimal strings because
 * they do not fit in a double.
 */

const LOGICAL_BITS = 18n;

/** Epoch milliseconds of a hybrid timestamp given as a decimal string (or bigint). */
export function hybridTimestampToMillis(ts: string | bigint): number {
  const value = typeof ts === 'bigint' ? ts : BigInt(ts);
  if (value < 0n) throw new RangeError(`a hybrid timestamp cannot be negative, got ${String(ts)}`);
  return Number(value >> LOGICAL_BITS);
}

/** The hybrid timestamp (as a decimal string) of an instant, with the given logical counter. */
export function millisToHybridTimestamp(ms: number, logical = 0): string {
  return ((BigInt(Math.trunc(ms)) << LOGICAL_BITS) | BigInt(logical)).toString();
}
