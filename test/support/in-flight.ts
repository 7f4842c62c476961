import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The runs a test started that have not ended yet: after a test times out, its run goes on in the
 * background, writing its results and the emulator's state into the test's directory and holding
 * the process's run environment. A cleanup waits for them ({@link settle}) before removing that
 * directory, so the removal does not race them and the next test does not start beside them.
 */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();

  /** Tracks `work` until it settles, and returns it. */
  public track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const forget = () => this.running.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Waits until every tracked run has ended, or `withinMs` has passed (it may be hung). */
  public async settle(withinMs: number): Promise<void> {
    if (this.running.size === 0) return;
    await Promise.race([Promise.allSettled([...this.running]), sleep(withinMs, undefined, { ref: false })]);
  }
}
