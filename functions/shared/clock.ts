/**
 * The time source of every step.
 *
 * In Lambda this is the system clock and nothing ever changes it. The local runner installs a
 * scaled or virtual clock (shared with the Milvus emulator), so that a restore "taking" an hour,
 * a drill timeout or sixty days of retention run in seconds while every step still sees one
 * consistent time.
 */
export type ClockSource = () => number;

let source: ClockSource = Date.now;

/** The current time. */
export function now(): Date {
  return new Date(source());
}

/**
 * Installs a time source for this process (local runs and tests only).
 *
 * @returns a function that puts the previous source back
 */
export function useClock(next: ClockSource): () => void {
  const previous = source;
  source = next;
  return () => {
    source = previous;
  };
}
