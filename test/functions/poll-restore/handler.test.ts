import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseSnapshot } from '../../../functions/choose-snapshot/choose-snapshot';
import { handler } from '../../../functions/poll-restore/handler';
import { startRestore } from '../../../functions/start-restore/start-restore';
import {
  collectionInput,
  type DrillWorld,
  drillRun,
  invoke,
  seedCollection,
  startDrillWorld,
  takeOwnedSnapshot,
  worldDeps,
} from '../../support/step-world';

describe('PollRestore handler', () => {
  let world: DrillWorld;

  beforeEach(async () => {
    world = await startDrillWorld();
    await seedCollection(world, 'products', 30);
    await takeOwnedSnapshot(world, 'products', 'daily_20261121_030000');
  });
  afterEach(async () => world.close());

  const started = async () => {
    const base = collectionInput(drillRun(world), 'products');
    const deps = worldDeps(world);
    const drillSource = await chooseSnapshot(base, deps);
    return { ...base, restore: await startRestore({ ...base, drillSource }, deps) };
  };

  it('reports a running restore with its progress and the next wait, counting polls', async () => {
    // Prepare
    world.emulator.faults.load({ restore: { durationMs: 100_000 } });
    const input = await started();
    world.clock.advance(35_000);

    // Act
    const poll = await invoke(handler, {
      ...input,
      poll: {
        state: 'RestoreSnapshotExecuting',
        progress: 10,
        polls: 2,
        elapsedMs: 15_000,
        restoreMs: 0,
        waitSeconds: 20,
        decision: 'wait',
      },
    });

    // Assess
    expect(poll).toEqual({
      state: 'RestoreSnapshotExecuting',
      progress: expect.any(Number),
      polls: 3,
      elapsedMs: 35_000,
      restoreMs: 0,
      waitSeconds: 40,
      decision: 'wait',
    });
  });

  it('fails, rather than polling forever, a job Milvus has forgotten (2101)', async () => {
    // Prepare: the restore finished, then nobody polled for 4 hours
    const input = await started();
    world.clock.advance(4 * 3_600_000);

    // Act
    const poll = await invoke(handler, input);

    // Assess
    expect(poll).toMatchObject({ decision: 'failed', state: 'RestoreJobNotFound', waitSeconds: 0, polls: 1 });
    expect(poll.reason).toContain('restore job not found');
  });

  it('names the field and the value of a bad input, without calling Milvus', async () => {
    // Prepare
    const input = await started();
    const callsBefore = world.emulator.calls.count();

    // Act / Assess
    await expect(
      invoke(handler, { ...input, restore: { ...input.restore, startedAt: 'yesterday' } }),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('restore.startedAt'),
    });
    expect(world.emulator.calls.count()).toBe(callsBefore);
  });
});
