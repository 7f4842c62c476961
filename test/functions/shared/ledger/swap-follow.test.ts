import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { followSwap } from '../../../../functions/shared/ledger/swap-follow';
import type { SwapRecord } from '../../../../functions/shared/ledger/swap-ledger';
import {
  FileReportStore,
  ReportKeys,
  type ReportStore,
} from '../../../../functions/shared/reports/report-store';
import {
  type DrillWorld,
  recordProductsSwap,
  seedCollection,
  startDrillWorld,
  takeOwnedSnapshot,
  worldDeps,
  worldLedger,
  worldScope,
} from '../../../support/step-world';

/**
 * The ledger follows the snapshots through a swap, against the emulator: real renames, real
 * snapshots, the records in a reports directory. Neighbours try to take records with look-alike
 * names and copied descriptions; replies of the ledger's writes are lost.
 */

const REPLACED = 'products_replaced_20261121_030000';
const RESTORED = 'products_restored_20261121_030000';
const inDefault = (collection: string) => ({ database: 'default', collection });

describe('followSwap', () => {
  let world: DrillWorld;
  let swap: SwapRecord;

  beforeEach(async () => {
    world = await startDrillWorld();
    world.clock.set(Date.parse('2026-11-20T03:00:00Z'));
    await seedCollection(world, 'products', 10);
    await takeOwnedSnapshot(world, 'products', 'daily_20261120_030000');
    world.clock.set(Date.parse('2026-11-21T03:00:00Z'));
    await takeOwnedSnapshot(world, 'products', 'daily_20261121_030000');
    await seedCollection(world, RESTORED, 10);
    swap = await recordProductsSwap(world, { replacedAs: REPLACED, restoredAs: RESTORED });
  });
  afterEach(async () => world.close());

  /** The swap's renames, as SwitchOver makes them. */
  const swapNames = async () => {
    await world.milvus.renameCollection(inDefault('products'), REPLACED);
    await world.milvus.renameCollection(inDefault(RESTORED), 'products');
  };
  const filed = async (collection: string) =>
    (await worldLedger(world).list('default', collection)).records.map((r) => r.snapshotName).sort();
  const follow = (deps: Parameters<typeof followSwap>[2] = worldDeps(world), dryRun = false) =>
    followSwap(swap, worldScope(world), deps, { runId: 'restore-run', dryRun });

  it("files the original's records under the name it was set aside under, and the restored copy gets none", async () => {
    // Prepare: the original's last drill and newest verified snapshot, as RecordDrill files them
    const store = new FileReportStore(world.reportsDir);
    const scope = worldScope(world);
    const verified = {
      snapshotName: 'daily_20261121_030000',
      snapshotCreatedAt: '2026-11-21T03:00:00.000Z',
      verifiedAt: '2026-11-21T03:10:00.000Z',
      runId: 'drill-run',
      restoreMs: 1000,
    };
    await store.putJson(ReportKeys.latestVerified(scope, 'default', 'products'), verified);
    await swapNames();

    // Act
    const result = await follow();

    // Assess
    expect(result).toEqual({
      moved: [
        { snapshotName: 'daily_20261120_030000', from: 'products', to: REPLACED },
        { snapshotName: 'daily_20261121_030000', from: 'products', to: REPLACED },
      ],
      left: [],
    });
    expect(await filed(REPLACED)).toEqual(['daily_20261120_030000', 'daily_20261121_030000']);
    expect(await filed('products')).toEqual([]);
    expect(await worldLedger(world).read('default', REPLACED, 'daily_20261121_030000')).toMatchObject({
      collection: REPLACED,
      state: 'created',
      movedFrom: { collection: 'products', by: 'restore-run' },
    });
    expect(await store.getJson(ReportKeys.latestVerified(scope, 'default', REPLACED))).toEqual(verified);
    expect(await store.getJson(ReportKeys.latestVerified(scope, 'default', 'products'))).toBeUndefined();
  });

  it('moves nothing twice: a second follow finds every record in place', async () => {
    // Prepare
    await swapNames();
    await follow();

    // Act
    const again = await follow();

    // Assess
    expect(again).toEqual({ moved: [], left: [] });
    expect(await filed(REPLACED)).toHaveLength(2);
  });

  it('finishes a move whose ledger writes lost their replies, without losing or doubling a record', async () => {
    // Prepare: every first create and delete takes effect, then its reply is lost
    await swapNames();
    const store = new FileReportStore(world.reportsDir);
    const lost = new Set<string>();
    const lossy: Pick<ReportStore, 'getJson' | 'putJson' | 'createJson' | 'list' | 'delete'> = {
      getJson: (key) => store.getJson(key),
      putJson: (key, value) => store.putJson(key, value),
      list: (prefix) => store.list(prefix),
      createJson: async (key, value) => {
        const created = await store.createJson(key, value);
        if (!lost.has(`create ${key}`)) {
          lost.add(`create ${key}`);
          throw new Error('socket hang up');
        }
        return created;
      },
      delete: async (key) => {
        await store.delete(key);
        if (!lost.has(`delete ${key}`)) {
          lost.add(`delete ${key}`);
          throw new Error('socket hang up');
        }
      },
    };
    const deps = { ...worldDeps(world), store: lossy };

    // Act: the state machine retries until the step succeeds
    const attempts: unknown[] = [];
    for (let i = 0; i < 10; i++) {
      const outcome = await follow(deps).catch((e: unknown) => e);
      attempts.push(outcome);
      if (!(outcome instanceof Error)) break;
    }

    // Assess
    expect(attempts.filter((a) => a instanceof Error).length).toBeGreaterThan(1);
    expect(attempts.at(-1)).toMatchObject({ left: [] });
    expect(await filed(REPLACED)).toEqual(['daily_20261120_030000', 'daily_20261121_030000']);
    expect(await filed('products')).toEqual([]);
  });

  it('files them back when the swap is undone, and the copy keeps the snapshots it was given meanwhile', async () => {
    // Prepare: swapped, followed; a backup of the restored copy (now products); then undone by renaming back
    await swapNames();
    await follow();
    world.clock.set(Date.parse('2026-11-22T03:00:00Z'));
    await takeOwnedSnapshot(world, 'products', 'daily_20261122_030000');
    await world.milvus.renameCollection(inDefault('products'), RESTORED);
    await world.milvus.renameCollection(inDefault(REPLACED), 'products');

    // Act
    const result = await follow();

    // Assess: each record is where Milvus keeps its snapshot
    expect(result.left).toEqual([]);
    expect(await filed('products')).toEqual(['daily_20261120_030000', 'daily_20261121_030000']);
    expect(await filed(RESTORED)).toEqual(['daily_20261122_030000']);
    expect(await filed(REPLACED)).toEqual([]);
  });

  it("never files a record under a neighbour's collection that took a name of the swap, whatever its snapshots say", async () => {
    // Prepare: the renames happened, the follow did not; then the set-aside original is dropped (its
    // snapshots with it) and a neighbour makes a collection of that name with look-alike snapshots
    await swapNames();
    const copied = await Promise.all(
      ['daily_20261120_030000', 'daily_20261121_030000'].map(async (name) => ({
        name,
        description: (await world.milvus.describeSnapshot(inDefault(REPLACED), name)).description,
      })),
    );
    await world.milvus.dropCollection(inDefault(REPLACED));
    await seedCollection(world, REPLACED, 3);
    for (const { name, description } of copied)
      await world.milvus.createSnapshot(inDefault(REPLACED), name, description);

    // Act
    const result = await follow();

    // Assess: nothing moves; the records stay where they were, for retention to find them vanished
    expect(result).toEqual({ moved: [], left: [] });
    expect(await filed(REPLACED)).toEqual([]);
    expect(await filed('products')).toEqual(['daily_20261120_030000', 'daily_20261121_030000']);
  });

  it('never files a record with a snapshot that was made again under its name with a copied description', async () => {
    // Prepare: in the set-aside original, someone drops one snapshot and makes it again, description copied
    await swapNames();
    const name = 'daily_20261120_030000';
    const description = (await world.milvus.describeSnapshot(inDefault(REPLACED), name)).description;
    await world.milvus.dropSnapshot(inDefault(REPLACED), name);
    world.clock.advance(60_000);
    await world.milvus.createSnapshot(inDefault(REPLACED), name, description);

    // Act
    const result = await follow();

    // Assess
    expect(result.moved).toEqual([{ snapshotName: 'daily_20261121_030000', from: 'products', to: REPLACED }]);
    expect(await filed('products')).toEqual([name]);
  });

  it('leaves a record where it is when another record of that snapshot name is filed where it would go', async () => {
    // Prepare: a record of another snapshot named like one of the original's is filed under the aside name
    await swapNames();
    const other = await worldLedger(world).read('default', 'products', 'daily_20261121_030000');
    if (!other) throw new Error('no record');
    await worldLedger(world).write({ ...other, collection: REPLACED, nonce: 'f'.repeat(32) });

    // Act
    const result = await follow();

    // Assess
    expect(result.left).toEqual([
      {
        snapshotName: 'daily_20261121_030000',
        from: 'products',
        to: REPLACED,
        reason: `default.${REPLACED}'s ledger already has another record of a snapshot named daily_20261121_030000`,
      },
    ]);
    expect(await filed('products')).toEqual(['daily_20261121_030000']);
  });

  it('changes nothing in a dry run, and says what it would move', async () => {
    // Prepare
    await swapNames();

    // Act
    const result = await follow(worldDeps(world), true);

    // Assess
    expect(result.moved).toHaveLength(2);
    expect(await filed('products')).toHaveLength(2);
    expect(await filed(REPLACED)).toEqual([]);
  });
});
