import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseSnapshot } from '../../../functions/choose-snapshot/choose-snapshot';
import { handler } from '../../../functions/choose-snapshot/handler';
import { drillTargetName } from '../../../functions/start-restore/drill-target';
import {
  collectionInput,
  type DrillWorld,
  drillRun,
  invoke,
  seedCollection,
  startDrillWorld,
  takeOwnedSnapshot,
  worldDeps,
  worldDrillLedger,
  worldLedger,
} from '../../support/step-world';

describe('ChooseSnapshot handler', () => {
  let world: DrillWorld;
  const products = { database: 'default', collection: 'products' };

  beforeEach(async () => {
    world = await startDrillWorld();
    await seedCollection(world, 'products', 20);
  });
  afterEach(async () => world.close());

  const descriptionOf = async (name: string) =>
    (await world.milvus.describeSnapshot(products, name)).description;

  it("picks this deployment's newest snapshot, ignoring newer ones made by a person or with a copied marker", async () => {
    // Prepare
    await takeOwnedSnapshot(world, 'products', 'daily_20261121_030000');
    world.clock.advance(3_600_000);
    const ours = await takeOwnedSnapshot(world, 'products', 'daily_20261121_040000', 18);
    world.clock.advance(3_600_000);
    await world.milvus.createSnapshot(products, 'zz_manual_by_a_person', 'taken by hand before a migration');
    await world.milvus.createSnapshot(
      products,
      'daily_20261121_060000',
      await descriptionOf('daily_20261121_040000'),
    );

    // Act
    const source = await invoke(handler, collectionInput(drillRun(world), 'products'));

    // Assess: what the ledger recorded travels with the choice, for the drill to check
    expect(source).toEqual({
      snapshotName: 'daily_20261121_040000',
      createdAt: '2026-11-21T04:00:00.000Z',
      contents: ours.contents,
    });
    expect(source.contents.rows).toBe(18);
  });

  it('drills the snapshot this run just created when there is one', async () => {
    // Prepare
    await takeOwnedSnapshot(world, 'products', 'daily_20261121_030000');
    world.clock.advance(60_000);
    await takeOwnedSnapshot(world, 'products', 'daily_20261121_030100');
    const backup = {
      snapshotName: 'daily_20261121_030000',
      alreadyExisted: false,
      rowCount: 20,
      createdAt: '2026-11-21T03:00:00.000Z',
    };

    // Act
    const source = await invoke(handler, { ...collectionInput(drillRun(world), 'products'), backup });

    // Assess
    expect(source).toMatchObject({ snapshotName: 'daily_20261121_030000', contents: { rows: 20 } });
  });

  it('drills the snapshot named in the run input', async () => {
    // Prepare
    await takeOwnedSnapshot(world, 'products', 'daily_20261121_030000', 20);
    world.clock.advance(60_000);
    await takeOwnedSnapshot(world, 'products', 'daily_20261121_030100');
    const run = drillRun(world, {}, { drillSnapshot: 'daily_20261121_030000' });

    // Act
    const source = await invoke(handler, collectionInput(run, 'products'));

    // Assess
    expect(source).toMatchObject({ snapshotName: 'daily_20261121_030000' });
  });

  it('refuses a named snapshot that is missing, made by hand, or carrying a copied marker', async () => {
    // Prepare
    await takeOwnedSnapshot(world, 'products', 'daily_20261121_030000');
    await world.milvus.createSnapshot(products, 'by_hand', 'someone else');
    await world.milvus.createSnapshot(products, 'forged', await descriptionOf('daily_20261121_030000'));
    const input = (name: string) => collectionInput(drillRun(world, {}, { drillSnapshot: name }), 'products');

    // Act / Assess
    await expect(invoke(handler, input('daily_20990101_000000'))).rejects.toMatchObject({
      name: 'NoSnapshotToDrillError',
      message: expect.stringContaining(
        'snapshot daily_20990101_000000 (named in the run input) does not exist',
      ),
    });
    await expect(invoke(handler, input('by_hand'))).rejects.toMatchObject({
      name: 'NoSnapshotToDrillError',
      message: expect.stringContaining("is not this deployment's (not made by milvus-snapshot-scheduler)"),
    });
    await expect(invoke(handler, input('forged'))).rejects.toMatchObject({
      name: 'NoSnapshotToDrillError',
      message: expect.stringContaining("marked as this deployment's, but not in its ledger"),
    });
  });

  it('fails a collection that has no snapshot of this deployment, whatever its neighbours hold', async () => {
    // Prepare: a snapshot made by hand, and one whose ledger record was lost
    await world.milvus.createSnapshot(products, 'by_hand', 'someone else');
    const lost = await takeOwnedSnapshot(world, 'products', 'daily_20261121_030000');
    await worldLedger(world).remove(lost);

    // Act / Assess
    await expect(invoke(handler, collectionInput(drillRun(world), 'products'))).rejects.toMatchObject({
      name: 'NoSnapshotToDrillError',
      message: expect.stringContaining('default.products has no snapshot of this deployment to drill'),
    });
  });

  it('holds the snapshot it chose in the ledger before it answers, for retention to keep it', async () => {
    // Prepare
    await takeOwnedSnapshot(world, 'products', 'daily_20261121_030000');
    const run = drillRun(world);

    // Act
    const source = await invoke(handler, collectionInput(run, 'products'));

    // Assess: the drill's record exists before any restore, naming the snapshot and the run's end
    expect(await worldDrillLedger(world).read('default', drillTargetName(run, 'products'))).toMatchObject({
      kind: 'drill',
      state: 'chosen',
      runId: run.runId,
      source: { collection: 'products', snapshotName: source.snapshotName },
      jobIds: [],
      lostRequests: 0,
      deadline: '2026-11-21T15:00:00.000Z',
    });
    expect(world.emulator.calls.count('RestoreSnapshot')).toBe(0);
  });

  it('answers the same and holds once when it is retried after a lost reply', async () => {
    // Prepare
    await takeOwnedSnapshot(world, 'products', 'daily_20261121_030000');
    const input = collectionInput(drillRun(world), 'products');
    const first = await invoke(handler, input);
    world.clock.advance(2_000); // the state machine's retry interval

    // Act
    const retried = await invoke(handler, input);

    // Assess
    expect(retried).toEqual(first);
    expect(await worldDrillLedger(world).list('default')).toEqual([
      expect.objectContaining({
        state: 'chosen',
        source: { collection: 'products', snapshotName: first.snapshotName },
      }),
    ]);
  });

  it('refuses a snapshot a retention run is dropping, and takes it once that drop is long over', async () => {
    // Prepare: retention marked the drop (its record says `dropping`); the DropSnapshot may land any moment
    const record = await takeOwnedSnapshot(world, 'products', 'daily_20261121_030000');
    const at = new Date(world.clock.now()).toISOString();
    await worldLedger(world).write({ ...record, state: 'dropping', updatedBy: 'pruning-run', updatedAt: at });
    const input = collectionInput(
      drillRun(world, {}, { drillSnapshot: 'daily_20261121_030000' }),
      'products',
    );

    // Act
    const refused = await invoke(handler, input).catch((e: unknown) => e);
    world.clock.advance(21 * 60_000); // longer than a Lambda can run: that drop ended without dropping it
    const later = await invoke(handler, input);

    // Assess
    expect(refused).toMatchObject({
      name: 'NoSnapshotToDrillError',
      message:
        'snapshot daily_20261121_030000 (named in the run input) of default.products is being dropped by retention (run pruning-run); name another snapshot',
    });
    expect(later.snapshotName).toBe('daily_20261121_030000');
  });

  it('skips to an older snapshot when the newest one is dropped while it is being chosen, and moves its hold', async () => {
    // Prepare: a person drops the newest snapshot right after the drill's hold on it was written
    await takeOwnedSnapshot(world, 'products', 'daily_20261121_030000');
    world.clock.advance(3_600_000);
    await takeOwnedSnapshot(world, 'products', 'daily_20261121_040000');
    const run = drillRun(world);
    const deps = worldDeps(world);
    const milvus = {
      hasCollection: deps.milvus.hasCollection.bind(deps.milvus),
      describeSnapshot: async (ref: typeof products, name: string) => {
        if (name === 'daily_20261121_040000') await world.milvus.dropSnapshot(ref, name);
        return deps.milvus.describeSnapshot(ref, name);
      },
    };

    // Act
    const source = await chooseSnapshot(collectionInput(run, 'products'), { ...deps, milvus });

    // Assess: the hold moved with the choice, so nothing holds the snapshot that was not chosen
    expect(source.snapshotName).toBe('daily_20261121_030000');
    expect(await worldDrillLedger(world).list('default')).toEqual([
      expect.objectContaining({ source: { collection: 'products', snapshotName: 'daily_20261121_030000' } }),
    ]);
  });

  it('rejects a bad input before calling Milvus, naming the field and the value', async () => {
    // Prepare
    const input = { ...collectionInput(drillRun(world), 'products'), backup: { snapshotName: 42 } };
    const callsBefore = world.emulator.calls.count();

    // Act / Assess
    await expect(invoke(handler, input)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('backup.snapshotName'),
    });
    expect(world.emulator.calls.count()).toBe(callsBefore);
  });
});
