import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/choose-snapshot/handler';
import {
  collectionInput,
  type DrillWorld,
  drillRun,
  invoke,
  seedCollection,
  startDrillWorld,
  takeOwnedSnapshot,
} from '../../support/step-world';

describe('ChooseSnapshot handler', () => {
  let world: DrillWorld;
  const products = { database: 'default', collection: 'products' };

  beforeEach(async () => {
    world = await startDrillWorld();
    await seedCollection(world, 'products', 20);
  });
  afterEach(async () => world.close());

  it('picks the newest snapshot carrying our marker, ignoring newer ones made by someone else', async () => {
    // Prepare
    await takeOwnedSnapshot(world, 'products', 'daily_20261121_030000');
    world.clock.advance(3_600_000);
    await takeOwnedSnapshot(world, 'products', 'daily_20261121_040000', 18);
    world.clock.advance(3_600_000);
    await world.milvus.createSnapshot(products, 'zz_manual_by_a_person', 'taken by hand before a migration');

    // Act
    const source = await invoke(handler, collectionInput(drillRun(world), 'products'));

    // Assess
    expect(source).toEqual({
      snapshotName: 'daily_20261121_040000',
      createdAt: '2026-11-21T04:00:00.000Z',
      expectedRows: 18,
      schemaFingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
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
    expect(source).toMatchObject({ snapshotName: 'daily_20261121_030000', expectedRows: 20 });
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

  it('refuses a named snapshot that is missing or not ours', async () => {
    // Prepare
    await world.milvus.createSnapshot(products, 'by_hand', 'someone else');
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
      message: expect.stringContaining('was not made by milvus-snapshot-scheduler'),
    });
  });

  it('fails a collection that has no snapshot of ours', async () => {
    // Prepare
    await world.milvus.createSnapshot(products, 'by_hand', 'someone else');

    // Act / Assess
    await expect(invoke(handler, collectionInput(drillRun(world), 'products'))).rejects.toMatchObject({
      name: 'NoSnapshotToDrillError',
      message: expect.stringContaining('default.products has no snapshot made by milvus-snapshot-scheduler'),
    });
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
