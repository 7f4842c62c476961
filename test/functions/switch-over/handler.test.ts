import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseSnapshot } from '../../../functions/choose-snapshot/choose-snapshot';
import { handler as cleanupHandler } from '../../../functions/cleanup-drill/handler';
import { pollRestore } from '../../../functions/poll-restore/poll-restore';
import type { RunContext } from '../../../functions/shared/contracts/run-context';
import { ownershipOf } from '../../../functions/shared/ledger/snapshot-ledger';
import { SwapLedger } from '../../../functions/shared/ledger/swap-ledger';
import { FileReportStore, ReportKeys } from '../../../functions/shared/reports/report-store';
import { replacedName, startRestore } from '../../../functions/start-restore/start-restore';
import { handler } from '../../../functions/switch-over/handler';
import { switchOver } from '../../../functions/switch-over/switch-over';
import { verifyRestore } from '../../../functions/verify-restore/verify-restore';
import {
  collectionInput,
  type DrillWorld,
  drillRun,
  invoke,
  seedCollection,
  startDrillWorld,
  takeOwnedSnapshot,
  worldDeps,
  worldLedger,
  worldScope,
} from '../../support/step-world';

const SNAPSHOT = 'daily_20261121_030000';
const PRODUCTS = { database: 'default', collection: 'products' };

describe('SwitchOver handler', () => {
  let world: DrillWorld;

  beforeEach(async () => {
    world = await startDrillWorld();
    await seedCollection(world, 'products', 30);
    await takeOwnedSnapshot(world, 'products', SNAPSHOT);
    await new FileReportStore(world.reportsDir).putJson(
      ReportKeys.latestVerified(worldScope(world), 'default', 'products'),
      {
        snapshotName: SNAPSHOT,
        snapshotCreatedAt: '2026-11-21T03:00:00.000Z',
        verifiedAt: '2026-11-21T03:00:00.000Z',
        runId: 'earlier-drill',
        restoreMs: 1000,
      },
    );
  });
  afterEach(async () => world.close());

  /** An operator restore that reached a verified copy, as the state machine hands it to SwitchOver. */
  const verifiedRestore = async (restore: Partial<NonNullable<RunContext['restore']>>) => {
    const run = drillRun(
      world,
      {},
      { mode: 'restore', restore: { swap: false, cleanupOnFailure: false, ...restore } },
    );
    const base = collectionInput(run, 'products');
    const deps = worldDeps(world);
    const drillSource = await chooseSnapshot(base, deps);
    const started = await startRestore({ ...base, drillSource }, deps);
    world.clock.advance(5_000);
    const poll = await pollRestore({ ...base, restore: started }, deps);
    if (poll.decision !== 'completed') throw new Error(`the restore did not complete: ${poll.decision}`);
    const verification = await verifyRestore(
      { ...base, drillSource, restore: started, poll: { ...poll, decision: 'completed' } },
      deps,
    );
    expect(verification.verified).toBe(true);
    return { ...base, drillSource, restore: started, verification };
  };
  /** SwitchOver as the state machine runs it: called again after each wait while the load is pending. */
  const switchOverUntilDone = async (input: Awaited<ReturnType<typeof verifiedRestore>>) => {
    let result = await invoke(handler, input);
    while (result.pending) {
      world.clock.advance((result.waitSeconds ?? 1) * 1000);
      result = await invoke(handler, { ...input, switchover: result });
    }
    return result;
  };
  const aliasOf = async (alias: string) => world.milvus.describeAlias('default', alias);

  it('loads the restored copy and leaves everything else as it was when nothing more is asked', async () => {
    // Prepare
    const input = await verifiedRestore({});

    // Act
    const result = await switchOverUntilDone(input);

    // Assess
    expect(result).toMatchObject({ pending: false, loaded: true, done: true });
    expect(
      await world.milvus.loadState({ database: 'default', collection: input.restore.targetCollection }),
    ).toBe('LoadStateLoaded');
    expect(result.alias).toBeUndefined();
    expect(result.swap).toBeUndefined();
  });

  it('moves an existing alias to the restored copy in one step, and says how to move it back', async () => {
    // Prepare
    await world.milvus.createAlias(PRODUCTS, 'catalog');
    const input = await verifiedRestore({ alias: 'catalog' });

    // Act
    const result = await switchOverUntilDone(input);

    // Assess
    expect(await aliasOf('catalog')).toBe(input.restore.targetCollection);
    expect(result.alias).toEqual({ name: 'catalog', from: 'products', to: input.restore.targetCollection });
    expect(result.undo).toBe(
      'point the alias back: alterAlias catalog → products (default.products was left untouched)',
    );
  });

  it('knows what the alias served before when the reply to its move was lost', async () => {
    // Prepare: the move takes effect, its reply is lost; the state machine retries the step
    await world.milvus.createAlias(PRODUCTS, 'catalog');
    const input = await verifiedRestore({ alias: 'catalog' });
    await world.milvus.startLoad({ database: 'default', collection: input.restore.targetCollection });
    world.emulator.faults.add({
      method: 'AlterAlias',
      grpcStatus: 'UNAVAILABLE',
      afterApply: true,
      times: 1,
    });

    // Act
    const first = await invoke(handler, input).catch((e: unknown) => e);
    const retried = await switchOverUntilDone(input);

    // Assess
    expect(first).toMatchObject({ name: 'MilvusUnavailableError' });
    expect(retried.alias).toEqual({ name: 'catalog', from: 'products', to: input.restore.targetCollection });
  });

  it('creates the alias when there is none yet', async () => {
    // Prepare
    const input = await verifiedRestore({ alias: 'catalog' });

    // Act
    const result = await switchOverUntilDone(input);

    // Assess
    expect(result.alias).toEqual({ name: 'catalog', from: null, to: input.restore.targetCollection });
    expect(result.undo).toBe('drop the alias catalog (it did not exist before)');
  });

  it('swaps names, keeping the original aside, and recognises a rename whose reply was lost', async () => {
    // Prepare
    const input = await verifiedRestore({ swap: true });
    await world.milvus.startLoad({ database: 'default', collection: input.restore.targetCollection });
    world.emulator.faults.add({
      method: 'RenameCollection',
      grpcStatus: 'UNAVAILABLE',
      afterApply: true,
      times: 1,
    });

    // Act
    const first = await invoke(handler, input).catch((e: unknown) => e);
    const retried = await switchOverUntilDone(input);

    // Assess
    expect(first).toMatchObject({ name: 'MilvusUnavailableError' });
    const replaced = retried.swap?.replacedAs ?? '';
    expect(retried.swap).toEqual({
      original: 'products',
      replacedAs: expect.stringMatching(/^products_replaced_/),
      snapshots: { followed: 1, left: [] },
    });
    expect((await world.milvus.describeCollection(PRODUCTS)).id).toBe(input.restore.collectionId);
    expect(await world.milvus.hasCollection({ database: 'default', collection: replaced })).toBe(true);
    expect(
      await world.milvus.hasCollection({ database: 'default', collection: input.restore.targetCollection }),
    ).toBe(false);
  });

  it("keeps the original's snapshots this deployment's under the name it was set aside under", async () => {
    // Prepare
    const input = await verifiedRestore({ swap: true });
    const replaced = replacedName(input.run, 'products');
    const originalId = (await world.milvus.describeCollection(PRODUCTS)).id;

    // Act
    const result = await switchOverUntilDone(input);

    // Assess: the record went where Milvus keeps the snapshot, and still proves it ours
    expect(result.swap?.snapshots).toEqual({ followed: 1, left: [] });
    const aside = { database: 'default', collection: replaced };
    expect(world.emulator.inspect.snapshots('default', replaced).map((s) => s.name)).toEqual([SNAPSHOT]);
    const record = await worldLedger(world).read('default', replaced, SNAPSHOT);
    expect(record).toMatchObject({ collection: replaced, movedFrom: { collection: 'products' } });
    expect(
      ownershipOf(await world.milvus.describeSnapshot(aside, SNAPSHOT), record, input.run.deployment.id),
    ).toMatchObject({
      ours: true,
    });
    // The restored copy, now products, holds no snapshot and inherits no record, nor the verified one
    expect((await worldLedger(world).list('default', 'products')).records).toEqual([]);
    const store = new FileReportStore(world.reportsDir);
    expect(
      await store.getJson(ReportKeys.latestVerified(worldScope(world), 'default', 'products')),
    ).toBeUndefined();
    expect(
      await store.getJson(ReportKeys.latestVerified(worldScope(world), 'default', replaced)),
    ).toMatchObject({
      snapshotName: SNAPSHOT,
    });
    // The swap is recorded, with the ids that tell the original from the copy
    expect(await new SwapLedger(store, worldScope(world)).read('default', replaced)).toMatchObject({
      original: 'products',
      restoredAs: input.restore.targetCollection,
      originalId,
      restoredId: input.restore.collectionId,
      state: 'swapped',
    });
  });

  it('says the records move later when the ledger cannot be written, and swaps all the same', async () => {
    // Prepare: the reports store refuses every delete (the records cannot be moved)
    const input = await verifiedRestore({ swap: true });
    const store = new FileReportStore(world.reportsDir);
    const failingDeletes = {
      getJson: (key: string) => store.getJson(key),
      putJson: (key: string, value: unknown) => store.putJson(key, value),
      createJson: (key: string, value: unknown) => store.createJson(key, value),
      list: (prefix: string) => store.list(prefix),
      delete: async () => {
        throw new Error('AccessDenied');
      },
    };
    const deps = { ...worldDeps(world), store: failingDeletes };
    let result = await switchOver(input, deps);
    while (result.pending) {
      world.clock.advance((result.waitSeconds ?? 1) * 1000);
      result = await switchOver({ ...input, switchover: result }, deps);
    }

    // Assess: the application has the restored copy; the report says what is left to do, and who does it
    expect((await world.milvus.describeCollection(PRODUCTS)).id).toBe(input.restore.collectionId);
    expect(result.swap?.snapshots).toEqual({
      followed: 0,
      left: [],
      deferred: expect.stringMatching(
        /could not be filed under products_replaced_\d{8}_\d{6} yet \(AccessDenied\); the next retention run of products or products_replaced_/,
      ),
    });
  });

  it('finishes a swap whose second rename took effect though its reply was lost, renaming nothing back', async () => {
    // Prepare
    const input = await verifiedRestore({ swap: true });
    await world.milvus.startLoad({ database: 'default', collection: input.restore.targetCollection });
    world.emulator.faults.add({
      method: 'RenameCollection',
      collection: input.restore.targetCollection,
      grpcStatus: 'UNAVAILABLE',
      afterApply: true,
      times: 1,
    });

    // Act
    const result = await switchOverUntilDone(input);

    // Assess
    expect(result).toMatchObject({ done: true, swap: { original: 'products' } });
    expect((await world.milvus.describeCollection(PRODUCTS)).id).toBe(input.restore.collectionId);
    expect(
      await world.milvus.hasCollection({
        database: 'default',
        collection: replacedName(input.run, 'products'),
      }),
    ).toBe(true);
  });

  it('renames the original back when the second rename is refused, and says what Milvus holds', async () => {
    // Prepare: the rename of the restored copy onto the original's name is refused
    const input = await verifiedRestore({ swap: true });
    await world.milvus.startLoad({ database: 'default', collection: input.restore.targetCollection });
    const originalId = (await world.milvus.describeCollection(PRODUCTS)).id;
    world.emulator.faults.add({
      method: 'RenameCollection',
      collection: input.restore.targetCollection,
      milvusCode: 65535,
      reason: 'rootcoord busy',
      times: 1,
    });

    // Act / Assess
    await expect(switchOverUntilDone(input)).rejects.toMatchObject({
      name: 'SwitchOverError',
      message: expect.stringContaining('default.products was renamed back and is as it was'),
    });
    expect((await world.milvus.describeCollection(PRODUCTS)).id).toBe(originalId);
    expect(
      await world.milvus.hasCollection({ database: 'default', collection: input.restore.targetCollection }),
    ).toBe(true);
    // Nothing was swapped: the records stay with products, and no swap is recorded
    expect((await worldLedger(world).list('default', 'products')).records.map((r) => r.snapshotName)).toEqual(
      [SNAPSHOT],
    );
    expect(
      await new SwapLedger(new FileReportStore(world.reportsDir), worldScope(world)).list('default'),
    ).toEqual([]);
  });

  it('says the original was renamed back when only the reply to that rename was lost', async () => {
    // Prepare: the second rename is refused, and the reply to the rename back is lost
    const input = await verifiedRestore({ swap: true });
    await world.milvus.startLoad({ database: 'default', collection: input.restore.targetCollection });
    const originalId = (await world.milvus.describeCollection(PRODUCTS)).id;
    const replaced = replacedName(input.run, 'products');
    world.emulator.faults.add({
      method: 'RenameCollection',
      collection: input.restore.targetCollection,
      milvusCode: 65535,
      reason: 'rootcoord busy',
      times: 1,
    });
    world.emulator.faults.add({
      method: 'RenameCollection',
      collection: replaced,
      grpcStatus: 'UNAVAILABLE',
      afterApply: true,
      times: 1,
    });

    // Act
    const failed = await switchOverUntilDone(input).catch((e: unknown) => e);

    // Assess: the message tells what Milvus holds, not to rename a collection that is back already
    expect((await world.milvus.describeCollection(PRODUCTS)).id).toBe(originalId);
    expect(failed).toMatchObject({
      name: 'SwitchOverError',
      message: expect.stringContaining('default.products was renamed back and is as it was'),
    });
  });

  it('says where the original went when a swap ends after its first rename', async () => {
    // Prepare: the first rename takes effect but its reply is lost, and Milvus is gone before any retry
    const input = await verifiedRestore({ swap: true });
    await world.milvus.startLoad({ database: 'default', collection: input.restore.targetCollection });
    world.emulator.faults.add({
      method: 'RenameCollection',
      collection: 'products',
      grpcStatus: 'UNAVAILABLE',
      afterApply: true,
      times: 1,
    });
    const failed = await invoke(handler, input).catch((e: unknown) => e);
    expect(failed).toMatchObject({ name: 'MilvusUnavailableError' });

    // Act: the retries ran out; the state machine runs cleanup with the error
    const cleanup = await invoke(cleanupHandler, {
      ...input,
      drillError: { Error: 'MilvusUnavailableError', Cause: 'Milvus is unavailable' },
    });

    // Assess
    const replaced = replacedName(input.run, 'products');
    expect(cleanup.cleanedUp).toBe(false);
    expect(cleanup.problems).toContainEqual(
      `default.products does not exist: the swap renamed the original to default.${replaced} and did not finish; rename it back to products`,
    );
  });

  it('refuses to switch over a restore that did not verify', async () => {
    // Prepare
    const input = await verifiedRestore({ alias: 'catalog' });

    // Act / Assess
    await expect(
      invoke(handler, { ...input, verification: { ...input.verification, verified: false } }),
    ).rejects.toMatchObject({ name: 'InvalidInputError' });
    expect(await aliasOf('catalog')).toBeUndefined();
  });
});
