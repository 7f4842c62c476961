import { describe, expect, it } from 'vitest';
import { InFlight } from './in-flight';

describe('InFlight', () => {
  it('waits for a run a timed-out test left going, so its directory is removed after it ends', async () => {
    // Prepare
    const runs = new InFlight();
    let ended = false;
    void runs.track(
      new Promise<void>((resolve) =>
        setTimeout(() => {
          ended = true;
          resolve();
        }, 100),
      ),
    );

    // Act
    await runs.settle(10_000);

    // Assess
    expect(ended).toBe(true);
  });

  it('gives up on a run that never ends after the time it is given, and forgets a failed one', async () => {
    // Prepare
    const runs = new InFlight();
    void runs.track(new Promise<void>(() => undefined));
    await runs.track(Promise.reject(new Error('timed out'))).catch(() => undefined);
    const started = Date.now();

    // Act
    await runs.settle(200);

    // Assess
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
