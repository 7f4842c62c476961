import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseSnapshot, type DrillSource } from '../../../functions/choose-snapshot/choose-snapshot';
import {
  type EnforceRetentionDependencies,
  enforceRetention,
} from '../../../functions/enforce-retention/enforce-retention';
import type { RunContext } from '../../../functions/shared/contracts/run-context';
import { DRILL_DEADLINE_MARGIN_MS } from '../../../functions/shared/ledger/drill-ledger';
import type { ReportStore } from '../../../functions/shared/reports/report-store';
import { startRestore } from '../../../functions/start-restore/start-restore';
import {
  collectionInput,
  type DrillWorld,
  drillRun,
  recordProductsSwap,
  seedCollection,
  startDrillWorld,
  takeOwnedSnapshot,
  worldDeps,
  worldDrillLedger,
  worldLedger,
} from '../../support/step-world';

/**
 * The restore window: a drill (or an operator's restore) of another schedule chooses a snapshot
 * while this retention run prunes the collection. Every ordering of the two is tried, by running
 * the drill's ChooseSnapshot at a chosen moment inside retention; in none may retention drop the
 * snapshot the drill goes on to restore.
 */

const OLDEST = 'daily_20261112_030000';
/** The names an operator restore's swap of products gives the original and the restored copy. */
const REPLACED = 'products_replaced_20261121_030000';
const RESTORED = 'products_restored_20261121_030000';
const inDefault = (collection: string) => ({ database: 'default', collection });

/** A world whose products has this deployment's daily snapshots from the 12th to `lastDay` of November. */
async function worldWithDailySnapshots(lastDay: number): Promise<DrillWorld> {
  const world = await startDrillWorld();
  world.clock.set(Date.parse('2026-11-01T00:00:00Z'));
  await seedCollection(world, 'products', 20);
  for (let day = 12; day <= lastDay; day++) {
    world.clock.set(Date.parse(`2026-11-${day}T03:00:00Z`));
    await takeOwnedSnapshot(world, 'products', `daily_202611${day}_030000`);
  }
  return world;
}

/** The swap of products as SwitchOver makes it: recorded first, then both renames. */
async function swapProducts(world: DrillWorld): Promise<void> {
  await recordProductsSwap(world, { replacedAs: REPLACED, restoredAs: RESTORED });
  await world.milvus.renameCollection(inDefault('products'), REPLACED);
  await world.milvus.renameCollection(inDefault(RESTORED), 'products');
}

describe('EnforceRetention while a drill chooses its snapshot', () => {
  let world: DrillWorld;
  beforeEach(async () => {
    world = await worldWithDailySnapshots(16);
    world.clock.set(Date.parse('2026-11-21T03:05:00Z'));
  });
  afterEach(async () => world.close());

  /** A retention run that keeps the newest two: the oldest is to be dropped. */
  const retention = () =>
    collectionInput(
      drillRun(
        world,
        {},
        { runId: 'pruning-run', mode: 'backup', policies: { default: { keepLast: 2 } as never } },
      ),
      'products',
    );
  /** Another schedule's drill of the oldest snapshot. */
  const drillInput = () =>
    collectionInput(drillRun(world, {}, { runId: 'drilling-run', drillSnapshot: OLDEST }), 'products');
  const exists = (name: string) =>
    world.emulator.inspect.snapshots('default', 'products').some((s) => s.name === name);

  /** Retention's dependencies, with `during` run once at a moment of retention's choosing. */
  const retentionDeps = (moment: 'mark' | 'marked' | 'drop', during: () => Promise<unknown>) => {
    const deps = worldDeps(world);
    let done = false;
    const once = async () => {
      if (done) return;
      done = true;
      await during();
    };
    const isMark = (key: string, value: unknown) =>
      key.endsWith(`/products/${OLDEST}.json`) && (value as { state?: string }).state === 'dropping';
    const store: Pick<ReportStore, 'getJson' | 'putJson' | 'createJson' | 'list' | 'delete'> = {
      getJson: (key) => deps.store.getJson(key),
      createJson: (key, value) => deps.store.createJson(key, value),
      list: (prefix) => deps.store.list(prefix),
      delete: (key) => deps.store.delete(key),
      putJson: async (key, value) => {
        if (moment === 'mark' && isMark(key, value)) await once();
        const where = await deps.store.putJson(key, value);
        if (moment === 'marked' && isMark(key, value)) await once();
        return where;
      },
    };
    const milvus: EnforceRetentionDependencies['milvus'] = {
      hasCollection: (r) => deps.milvus.hasCollection(r),
      describeCollection: (r) => deps.milvus.describeCollection(r),
      listSnapshots: (r) => deps.milvus.listSnapshots(r),
      describeSnapshot: (r, name) => deps.milvus.describeSnapshot(r, name),
      dropSnapshot: async (r, name) => {
        if (moment === 'drop' && name === OLDEST) await once();
        return deps.milvus.dropSnapshot(r, name);
      },
    };
    return { ...deps, store, milvus };
  };

  it('keeps a snapshot a drill chose before this run read the holds, though no restore has started', async () => {
    // Prepare
    const source = await chooseSnapshot(drillInput(), worldDeps(world));

    // Act
    const result = await enforceRetention(retention(), worldDeps(world));

    // Assess: kept, and the drill goes on to restore it
    expect(result.skipped).toEqual([
      { name: OLDEST, reason: 'a restore drill (run drilling-run) is using it; retried next run' },
    ]);
    expect(exists(OLDEST)).toBe(true);
    await expect(
      startRestore({ ...drillInput(), drillSource: source }, worldDeps(world)),
    ).resolves.toMatchObject({
      resumed: false,
    });
  });

  it('keeps a snapshot a drill chose after this run read the holds and before it marked the drop', async () => {
    // Prepare: the drill's ChooseSnapshot runs in full between retention's first read and its mark
    let source: DrillSource | undefined;
    const deps = retentionDeps('mark', async () => {
      source = await chooseSnapshot(drillInput(), worldDeps(world));
    });

    // Act
    const result = await enforceRetention(retention(), deps);

    // Assess: retention read the holds again after its mark, saw the drill's and gave the record back
    expect(source?.snapshotName).toBe(OLDEST);
    expect(result.skipped).toEqual([
      { name: OLDEST, reason: 'a restore drill (run drilling-run) is using it; retried next run' },
    ]);
    expect(result.dropped.map((d) => d.name)).not.toContain(OLDEST);
    expect(exists(OLDEST)).toBe(true);
    expect(await worldLedger(world).read('default', 'products', OLDEST)).toMatchObject({ state: 'created' });
    if (!source) throw new Error('the drill chose nothing');
    await expect(
      startRestore({ ...drillInput(), drillSource: source }, worldDeps(world)),
    ).resolves.toMatchObject({
      resumed: false,
    });
  });

  it.each([
    ['after retention marked the drop', 'marked', true],
    ['while retention is dropping it', 'drop', false],
  ] as const)(
    'lets a drill choosing %s refuse the snapshot, so it never restores a dropped one',
    async (_, moment, kept) => {
      // Prepare
      let refused: unknown;
      const deps = retentionDeps(moment, async () => {
        refused = await chooseSnapshot(drillInput(), worldDeps(world)).catch((e: unknown) => e);
      });

      // Act
      const result = await enforceRetention(retention(), deps);

      // Assess: the drill saw the mark; retention drops the snapshot unless it saw the drill's hold first
      expect(refused).toMatchObject({
        name: 'NoSnapshotToDrillError',
        message: expect.stringContaining(`is being dropped by retention (run pruning-run)`),
      });
      expect(exists(OLDEST)).toBe(kept);
      expect(result.dropped.some((d) => d.name === OLDEST)).toBe(!kept);
    },
  );

  it.each([
    [
      'its run has ended',
      async () => worldDrillLedger(world).recordRunEnded('drilling-run', new Date(world.clock.now())),
    ],
    [
      'its run is past its deadline (a run stopped before its cleanup)',
      async () => world.clock.advance(12 * 3_600_000 + DRILL_DEADLINE_MARGIN_MS + 60_000),
    ],
  ])('drops a snapshot whose hold is left over once %s', async (_, end) => {
    // Prepare: a drill chose the oldest snapshot and its cleanup never ran
    await chooseSnapshot(drillInput(), worldDeps(world));
    await end();

    // Act
    const result = await enforceRetention(retention(), worldDeps(world));

    // Assess
    expect(result.dropped.map((d) => d.name)).toContain(OLDEST);
    expect(exists(OLDEST)).toBe(false);
  });
});

/**
 * After a swap: the original's snapshots live on in `<name>_replaced_<stamp>`, the restored copy
 * holds the name and none of them. Retention of either name keeps the ledger filed where the
 * snapshots are, and manages them there.
 */
describe('EnforceRetention while an operator restore swaps the collection', () => {
  let world: DrillWorld;
  beforeEach(async () => {
    world = await worldWithDailySnapshots(16);
    await seedCollection(world, RESTORED, 20);
    world.clock.set(Date.parse('2026-11-21T03:05:00Z'));
  });
  afterEach(async () => world.close());

  /** Retention's Milvus, with the swap (or its undoing) done at the moments given. */
  const swapping = (moments: {
    swapAtDescribe?: boolean;
    swapAtDrop?: boolean;
    undoAfterDrops?: boolean;
  }) => {
    const deps = worldDeps(world);
    const calls = { drops: 0, swapped: false, undone: false };
    const swap = async () => {
      if (calls.swapped) return;
      calls.swapped = true;
      await swapProducts(world);
    };
    const milvus: EnforceRetentionDependencies['milvus'] = {
      hasCollection: (r) => deps.milvus.hasCollection(r),
      describeCollection: async (r) => {
        // Renamed back as soon as retention looks at the name again after its drops
        if (moments.undoAfterDrops && calls.drops > 0 && !calls.undone) {
          calls.undone = true;
          await world.milvus.renameCollection(inDefault('products'), RESTORED);
          await world.milvus.renameCollection(inDefault(REPLACED), 'products');
        }
        return deps.milvus.describeCollection(r);
      },
      listSnapshots: (r) => deps.milvus.listSnapshots(r),
      describeSnapshot: async (r, name) => {
        const described = await deps.milvus.describeSnapshot(r, name);
        if (moments.swapAtDescribe) await swap();
        return described;
      },
      dropSnapshot: async (r, name) => {
        calls.drops += 1;
        if (moments.swapAtDrop) await swap();
        return deps.milvus.dropSnapshot(r, name);
      },
    };
    return { deps: { ...deps, milvus }, calls };
  };
  const pruning = () =>
    collectionInput(
      drillRun(
        world,
        {},
        { runId: 'pruning-run', mode: 'backup', policies: { default: { keepLast: 2 } as never } },
      ),
      'products',
    );
  const recordStates = async (collection: string) =>
    (await worldLedger(world).list('default', collection)).records.map((r) => [r.snapshotName, r.state]);
  const ALL_CREATED = ['12', '13', '14', '15', '16'].map((day) => [`daily_202611${day}_030000`, 'created']);

  it('counts nothing as dropped when the name became another collection meanwhile, and forgets no record', async () => {
    // Prepare: the swap lands just before retention's first drop, so every drop goes to the
    // restored copy that now has the name, where no such snapshot is
    const { deps, calls } = swapping({ swapAtDrop: true });

    // Act
    const result = await enforceRetention(pruning(), deps);

    // Assess: what Milvus holds, every snapshot, set aside with the original
    expect(calls.swapped).toBe(true);
    expect(world.emulator.inspect.snapshots('default', REPLACED)).toHaveLength(5);
    expect(result.dropped).toEqual([]);
    expect(result.counts).toMatchObject({ dropped: 0, skipped: 3, vanished: 0 });
    expect(result.skipped[0]?.reason).toMatch(
      /^default\.products was collection \d+ when retention began, and it is collection \d+ now \(renamed or replaced meanwhile, as an operator restore's swap does\): nothing is counted as dropped; the next run settles it$/,
    );
    // The records say what they said before: created, not dropping
    expect(await recordStates('products')).toEqual(ALL_CREATED);

    // And the next run follows the swap: the records go to the original, whose snapshots they are
    const next = await enforceRetention(pruning(), worldDeps(world));
    expect(next.dropped).toEqual([]);
    expect(next.counts).toMatchObject({ followed: 5, vanished: 0 });
  });

  it('drops nothing when the name became another collection before the drops', async () => {
    // Act: the swap lands while retention describes the snapshots it listed
    const { deps, calls } = swapping({ swapAtDescribe: true });
    const result = await enforceRetention(pruning(), deps);

    // Assess
    expect(calls.drops).toBe(0);
    expect(result.counts).toMatchObject({ dropped: 0, skipped: 3 });
    expect(world.emulator.inspect.snapshots('default', REPLACED)).toHaveLength(5);
    expect(await recordStates('products')).toEqual(ALL_CREATED);
  });

  it('counts nothing as dropped when the swap lands and is undone around the drops: the listing after them decides', async () => {
    // Act: swapped at the first drop, renamed back before retention checks the name again
    const { deps, calls } = swapping({ swapAtDrop: true, undoAfterDrops: true });
    const result = await enforceRetention(pruning(), deps);

    // Assess: every drop went to the copy; the original, listed again, still has all five
    expect(calls.undone).toBe(true);
    expect(world.emulator.inspect.snapshots('default', 'products')).toHaveLength(5);
    expect(result.dropped).toEqual([]);
    expect(result.skipped.map((s) => s.reason)).toEqual(
      Array(3).fill('Milvus still lists it after the drop; retried next run'),
    );
    expect(await recordStates('products')).toEqual(ALL_CREATED);
  });
});

describe('EnforceRetention after a swap', () => {
  let world: DrillWorld;

  beforeEach(async () => {
    world = await worldWithDailySnapshots(14);
    world.clock.set(Date.parse('2026-11-21T03:00:00Z'));
    await seedCollection(world, RESTORED, 20);
    // The swap as SwitchOver records it before its renames; then both renames, and no follow yet
    // (its retries ran out): the records are still under products.
    await swapProducts(world);
    world.clock.set(Date.parse('2026-11-21T03:05:00Z'));
  });
  afterEach(async () => world.close());

  const retentionOf = (collection: string, extra: Partial<RunContext> = {}, setAside = false) => ({
    run: drillRun(
      world,
      {},
      { runId: 'pruning-run', mode: 'backup', policies: { default: { keepLast: 2 } as never }, ...extra },
    ),
    target: {
      database: 'default',
      collection,
      policy: 'default',
      ...(setAside && {
        selection: { by: 'set-aside' as const, original: 'products', swapRun: 'restore-run' },
      }),
    },
  });
  const filed = async (collection: string) =>
    (await worldLedger(world).list('default', collection)).records.map((r) => r.snapshotName).sort();
  const snapshotsOf = (collection: string) =>
    world.emulator.inspect
      .snapshots('default', collection)
      .map((s) => s.name)
      .sort();

  it("files the original's records with its snapshots instead of forgetting them, when the swap's move did not finish", async () => {
    // Act: the next backup of products (the restored copy) runs retention
    const result = await enforceRetention(retentionOf('products'), worldDeps(world));

    // Assess
    expect(result.vanished).toEqual([]);
    expect(result.counts).toMatchObject({ followed: 3, vanished: 0 });
    expect(result.followed).toContainEqual({
      name: 'daily_20261112_030000',
      reason: `its record is filed under default.${REPLACED} (it was under products): the swap of run restore-run took the snapshot there`,
    });
    expect(await filed(REPLACED)).toEqual([
      'daily_20261112_030000',
      'daily_20261113_030000',
      'daily_20261114_030000',
    ]);
    expect(await filed('products')).toEqual([]);
  });

  it('manages the set-aside original under its new name: its policy prunes the snapshots there', async () => {
    // Act
    const result = await enforceRetention(retentionOf(REPLACED, {}, true), worldDeps(world));

    // Assess: this deployment's snapshots, kept and dropped by the original's policy
    expect(result.notOurs).toEqual([]);
    expect(result.dropped.map((d) => d.name)).toEqual(['daily_20261112_030000']);
    expect(result.kept.map((k) => k.name).sort()).toEqual(['daily_20261113_030000', 'daily_20261114_030000']);
    expect(snapshotsOf(REPLACED)).toEqual(['daily_20261113_030000', 'daily_20261114_030000']);
    expect(await filed(REPLACED)).toEqual(['daily_20261113_030000', 'daily_20261114_030000']);
  });

  it('brings the records back and manages them when the swap is undone by renaming back', async () => {
    // Prepare: the move finished; then the operator renames both collections back
    await enforceRetention(retentionOf('products'), worldDeps(world));
    await world.milvus.renameCollection(inDefault('products'), RESTORED);
    await world.milvus.renameCollection(inDefault(REPLACED), 'products');

    // Act
    const result = await enforceRetention(retentionOf('products'), worldDeps(world));

    // Assess
    expect(result.counts).toMatchObject({ followed: 3, notOurs: 0, vanished: 0, dropped: 1 });
    expect(snapshotsOf('products')).toEqual(['daily_20261113_030000', 'daily_20261114_030000']);
    expect(await filed('products')).toEqual(['daily_20261113_030000', 'daily_20261114_030000']);
    expect(await filed(REPLACED)).toEqual([]);
  });

  it('settles the records of a set-aside original that was dropped, without failing', async () => {
    // Prepare: the move finished; then the operator drops the set-aside original (its snapshots go with it)
    await enforceRetention(retentionOf('products'), worldDeps(world));
    await world.milvus.dropCollection(inDefault(REPLACED));

    // Act
    const result = await enforceRetention(retentionOf(REPLACED, {}, true), worldDeps(world));

    // Assess
    expect(result.counts).toMatchObject({ vanished: 3, dropped: 0, kept: 0 });
    expect(await filed(REPLACED)).toEqual([]);
  });

  it('changes nothing in a dry run, and says which records would follow their snapshots', async () => {
    // Act
    const result = await enforceRetention(retentionOf('products', { dryRun: true }), worldDeps(world));

    // Assess
    expect(result).toMatchObject({ dryRun: true, counts: { followed: 3, vanished: 0 } });
    expect(await filed('products')).toHaveLength(3);
    expect(await filed(REPLACED)).toEqual([]);
  });
});
