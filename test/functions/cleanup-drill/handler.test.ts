import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseSnapshot } from '../../../functions/choose-snapshot/choose-snapshot';
import { handler } from '../../../functions/cleanup-drill/handler';
import { pollRestore } from '../../../functions/poll-restore/poll-restore';
import type { RunContext } from '../../../functions/shared/contracts/run-context';
import { drillTargetName } from '../../../functions/start-restore/drill-target';
import { handler as startRestoreHandler } from '../../../functions/start-restore/handler';
import { startRestore } from '../../../functions/start-restore/start-restore';
import {
  caught,
  collectionInput,
  type DrillWorld,
  drillRun,
  invoke,
  seedCollection,
  startDrillWorld,
  takeOwnedSnapshot,
} from '../../support/step-world';

const SNAPSHOT = 'daily_20261121_030000';

describe('CleanupDrill handler', () => {
  let world: DrillWorld;
  let run: RunContext;
  let target: string;

  beforeEach(async () => {
    world = await startDrillWorld();
    await seedCollection(world, 'products', 25);
    await takeOwnedSnapshot(world, 'products', SNAPSHOT);
  });
  afterEach(async () => world.close());

  const deps = () => ({ milvus: world.milvus, now: () => new Date(world.clock.now()) });
  const exists = (name: string) => world.emulator.inspect.rowCounts('default', name) !== undefined;

  /** A drill that reached the end of polling with the given restore behaviour. */
  const polled = async (drill: Record<string, unknown>, outcome: 'completed' | 'failed' = 'failed') => {
    world.emulator.faults.load({ restore: { outcome, durationMs: 10_000, reason: 'copy segment failed' } });
    run = drillRun(world, drill);
    target = drillTargetName(run, 'products');
    const base = collectionInput(run, 'products');
    const drillSource = await chooseSnapshot(base, deps());
    const restore = await startRestore({ ...base, drillSource }, deps());
    world.clock.advance(20_000);
    const poll = await pollRestore({ ...base, restore }, deps());
    return { ...base, drillSource, restore, poll };
  };

  it('drops the target a failed restore left behind and releases the pin', async () => {
    // Prepare
    const input = await polled({});
    expect(exists(target)).toBe(true);

    // Act
    const cleanup = await invoke(handler, input);

    // Assess
    expect(cleanup).toEqual({
      targetCollection: target,
      dropped: true,
      pinReleased: true,
      cleanedUp: true,
      problems: [],
    });
    expect(exists(target)).toBe(false);
    expect(world.emulator.inspect.pins()).toEqual([]);
  });

  it('keeps a failed drill’s collection with keepOnFailure, but not its pin', async () => {
    // Prepare
    const input = await polled({ keepOnFailure: true });

    // Act
    const cleanup = await invoke(handler, input);

    // Assess
    expect(cleanup).toMatchObject({
      dropped: false,
      keptReason: 'drill.keepOnFailure is set and the drill did not verify',
      pinReleased: true,
      cleanedUp: true,
    });
    expect(exists(target)).toBe(true);
    expect(world.emulator.inspect.pins()).toEqual([]);
  });

  it('refuses to drop a collection whose name is not the one this drill computes, and reports it', async () => {
    // Prepare: an input that names the user's own collection as the drill target
    const input = await polled({});
    const tampered = { ...input, restore: { ...input.restore, targetCollection: 'products' } };

    // Act
    const cleanup = await invoke(handler, tampered);

    // Assess
    expect(cleanup).toMatchObject({ dropped: false, cleanedUp: false, pinReleased: true });
    expect(cleanup.problems).toEqual([expect.stringContaining('refused to drop default.products')]);
    expect(world.emulator.inspect.rowCounts('default', 'products')?.sealed).toBe(25);
  });

  it('drops a restore Milvus ran although StartRestore never got its reply', async () => {
    // Prepare: the reply to RestoreSnapshot is lost and the step's retries run out
    world.emulator.faults.add({
      method: 'RestoreSnapshot',
      grpcStatus: 'UNAVAILABLE',
      afterApply: true,
      times: 1,
    });
    run = drillRun(world);
    target = drillTargetName(run, 'products');
    const base = collectionInput(run, 'products');
    const drillSource = await chooseSnapshot(base, deps());
    const error = await invoke(startRestoreHandler, { ...base, drillSource }).catch((e: unknown) => e);
    expect(exists(target)).toBe(true);

    // Act
    const cleanup = await invoke(handler, { ...base, drillSource, drillError: caught(error) });

    // Assess
    expect(cleanup).toMatchObject({
      targetCollection: target,
      dropped: true,
      cleanedUp: true,
      pinReleased: false,
    });
    expect(exists(target)).toBe(false);
  });

  it('never drops a collection that made the drill fail with a target conflict', async () => {
    // Prepare
    run = drillRun(world);
    target = drillTargetName(run, 'products');
    await seedCollection(world, target, 3);
    const base = collectionInput(run, 'products');
    const drillSource = await chooseSnapshot(base, deps());
    const error = await invoke(startRestoreHandler, { ...base, drillSource }).catch((e: unknown) => e);

    // Act
    const cleanup = await invoke(handler, { ...base, drillSource, drillError: caught(error) });

    // Assess
    expect(caught(error).Error).toBe('DrillTargetConflictError');
    expect(cleanup).toEqual({
      targetCollection: null,
      dropped: false,
      pinReleased: false,
      cleanedUp: true,
      problems: [],
    });
    expect(world.emulator.inspect.rowCounts('default', target)?.sealed).toBe(3);
  });

  it('throws a transient failure after trying everything, so the state machine retries it', async () => {
    // Prepare
    const input = await polled({});
    world.emulator.faults.add({ method: 'DropCollection', grpcStatus: 'UNAVAILABLE', times: 1 });

    // Act
    const first = await invoke(handler, input).catch((e: unknown) => e);
    const retried = await invoke(handler, input);

    // Assess
    expect(first).toMatchObject({ name: 'MilvusUnavailableError' });
    expect(retried).toMatchObject({ dropped: true, pinReleased: true, cleanedUp: true });
    expect(exists(target)).toBe(false);
  });
});
