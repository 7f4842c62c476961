import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseSnapshot } from '../../../functions/choose-snapshot/choose-snapshot';
import { handler } from '../../../functions/cleanup-drill/handler';
import { pollRestore } from '../../../functions/poll-restore/poll-restore';
import type { RunContext } from '../../../functions/shared/contracts/run-context';
import { DrillLedger } from '../../../functions/shared/ledger/drill-ledger';
import { FileReportStore } from '../../../functions/shared/reports/report-store';
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
  worldDrillLedger,
  worldScope,
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

  const deps = () => ({
    milvus: world.milvus,
    store: new FileReportStore(world.reportsDir),
    now: () => new Date(world.clock.now()),
  });
  const exists = (name: string) => world.emulator.inspect.rowCounts('default', name) !== undefined;
  const record = () => worldDrillLedger(world).read('default', target);

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

  it('drops the target a failed restore left behind, checks it is gone, and forgets it', async () => {
    // Prepare
    const input = await polled({});
    expect(exists(target)).toBe(true);

    // Act
    const cleanup = await invoke(handler, input);

    // Assess
    expect(cleanup).toEqual({ targetCollection: target, dropped: true, cleanedUp: true, problems: [] });
    expect(exists(target)).toBe(false);
    expect(await record()).toBeUndefined();
    expect(world.emulator.inspect.pins()).toEqual([]);
  });

  it('keeps a failed drill’s collection with keepOnFailure, recorded as kept for the sweep', async () => {
    // Prepare
    const input = await polled({ keepOnFailure: true });

    // Act
    const cleanup = await invoke(handler, input);

    // Assess
    expect(cleanup).toMatchObject({
      dropped: false,
      keptReason: 'drill.keepOnFailure is set and the drill did not verify',
      cleanedUp: true,
    });
    expect(exists(target)).toBe(true);
    expect(await record()).toMatchObject({ state: 'kept' });
  });

  it('drops only the collection it recorded: never one that replaced it under the same name', async () => {
    // Prepare: the drill's collection is gone and a user made one with the same name
    const input = await polled({});
    await world.milvus.dropCollection({ database: 'default', collection: target });
    await seedCollection(world, target, 7);

    // Act
    const cleanup = await invoke(handler, input);

    // Assess
    expect(cleanup).toMatchObject({ dropped: false, cleanedUp: false });
    expect(cleanup.problems).toEqual([
      expect.stringMatching(/exists but is left untouched: its id is \d+, not \d+/),
    ]);
    expect(world.emulator.inspect.rowCounts('default', target)?.sealed).toBe(7);
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

    // Assess: dropped, proven by the restore job; but the lost request stays unaccounted for
    expect(cleanup).toMatchObject({ targetCollection: target, dropped: true, cleanedUp: false });
    expect(cleanup.problems).toEqual([expect.stringContaining('1 restore request(s) into')]);
    expect(exists(target)).toBe(false);
    expect(await record()).toMatchObject({ lostRequests: 1 });
  });

  it('says what may remain when a restore request got no reply, and keeps the record for the sweep', async () => {
    // Prepare: the request is lost before Milvus applies it; the retry restores and the drill ends
    world.emulator.faults.add({ method: 'RestoreSnapshot', grpcStatus: 'UNAVAILABLE', times: 1 });
    run = drillRun(world);
    target = drillTargetName(run, 'products');
    const base = collectionInput(run, 'products');
    const drillSource = await chooseSnapshot(base, deps());
    await invoke(startRestoreHandler, { ...base, drillSource }).catch(() => undefined);
    const restore = await invoke(startRestoreHandler, { ...base, drillSource });

    // Act
    const cleanup = await invoke(handler, { ...base, drillSource, restore });

    // Assess
    expect(cleanup.dropped).toBe(true);
    expect(cleanup.cleanedUp).toBe(false);
    expect(cleanup.problems).toEqual([
      `1 restore request(s) into ${target} got no reply and may still create it; the next drill's orphan sweep removes it if it appears`,
    ]);
    expect(await record()).toBeDefined();
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
    expect(cleanup).toEqual({ targetCollection: null, dropped: false, cleanedUp: true, problems: [] });
    expect(world.emulator.inspect.rowCounts('default', target)?.sealed).toBe(3);
    // The hold ChooseSnapshot took is released: retention may drop the snapshot again
    expect(await record()).toBeUndefined();
  });

  it("releases an operator restore's hold when the restore is refused before it starts, whatever cleanupOnFailure says", async () => {
    // Prepare: a swap whose aside name is taken is refused by StartRestore, after ChooseSnapshot held the snapshot
    run = drillRun(
      world,
      {},
      { mode: 'restore', restore: { snapshot: SNAPSHOT, swap: true, cleanupOnFailure: false } },
    );
    target = 'products_restored_20261121_030000';
    await seedCollection(world, 'products_replaced_20261121_030000', 2);
    const base = collectionInput(run, 'products');
    const drillSource = await chooseSnapshot(base, deps());
    const restores = new DrillLedger(new FileReportStore(world.reportsDir), worldScope(world), 'restore');
    expect(await restores.read('default', target)).toMatchObject({ state: 'chosen' });
    const error = await invoke(startRestoreHandler, { ...base, drillSource }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'RestoreConflictError' });

    // Act
    const cleanup = await invoke(handler, { ...base, drillSource, drillError: caught(error) });

    // Assess: nothing was restored, so nothing is kept "to inspect", and the hold is gone
    expect(cleanup).toEqual({ targetCollection: null, dropped: false, cleanedUp: true, problems: [] });
    expect(await restores.read('default', target)).toBeUndefined();
    expect(exists(target)).toBe(false);
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
    expect(retried).toMatchObject({ dropped: true, cleanedUp: true });
    expect(exists(target)).toBe(false);
  });
});
