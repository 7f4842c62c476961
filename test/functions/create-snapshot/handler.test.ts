import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as checkFlush } from '../../../functions/check-flush/handler';
import { handler as createSnapshot } from '../../../functions/create-snapshot/handler';
import { handler as flush } from '../../../functions/flush/handler';
import type { RunContext } from '../../../functions/shared/contracts/run-context';
import { parseSnapshotMarker } from '../../../functions/shared/snapshot-marker';
import { insertRows } from '../../emulator/support/emulator-fixture';
import {
  collectionInput,
  type DrillWorld,
  drillRun,
  lambdaContext,
  seedCollection,
  startDrillWorld,
} from '../../support/step-world';

function backupRun(world: DrillWorld, snapshotName = 'daily_20261121_030000'): RunContext {
  return drillRun(world, {}, { mode: 'backup', snapshotName, markerSchedule: 'daily', schedule: 'daily' });
}

describe('Flush → CheckFlush → CreateSnapshot, against the emulator', () => {
  let world: DrillWorld;
  beforeEach(async () => {
    world = await startDrillWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  it('makes recent writes part of the snapshot and records what a restore must contain', async () => {
    // Prepare: 100 flushed rows, then 50 more still in a growing segment
    await seedCollection(world, 'products', 100);
    await insertRows(world.client, 'products', 101, 150);
    const input = collectionInput(backupRun(world), 'products');

    // Act
    const flushed = (await flush(input, lambdaContext('Flush'))) as { segmentIds: string[] };
    const state = await checkFlush({ ...input, flush: flushed }, lambdaContext('CheckFlush'));
    const backup = await createSnapshot(input, lambdaContext('CreateSnapshot'));

    // Assess
    expect(state).toMatchObject({ flushed: true, timedOut: false });
    expect(backup).toEqual({
      snapshotName: 'daily_20261121_030000',
      alreadyExisted: false,
      rowCount: 150,
      createdAt: new Date(world.clock.now()).toISOString(),
    });
    const [snapshot] = world.emulator.inspect.snapshots('default', 'products');
    expect(snapshot?.name).toBe('daily_20261121_030000');
    expect(parseSnapshotMarker(snapshot?.description)).toMatchObject({ schedule: 'daily', rows: 150 });
    expect(snapshot?.description).toMatch(/^Scheduled snapshot of default\.products \(schedule daily/);
  });

  it('without the flush step, the unflushed rows would be missing: the snapshot holds only sealed data', async () => {
    // Prepare
    await seedCollection(world, 'products', 100);
    await insertRows(world.client, 'products', 101, 150);

    // Act
    const backup = await createSnapshot(
      collectionInput(backupRun(world), 'products'),
      lambdaContext('CreateSnapshot'),
    );

    // Assess
    expect(backup).toMatchObject({ rowCount: 100 });
  });

  it('is idempotent: a repeated slot adopts its own snapshot and keeps the recorded count', async () => {
    // Prepare
    await seedCollection(world, 'products', 10);
    const input = collectionInput(backupRun(world), 'products');
    await createSnapshot(input, lambdaContext('CreateSnapshot'));
    await insertRows(world.client, 'products', 11, 15);
    await flush(input, lambdaContext('Flush'));

    // Act
    const again = await createSnapshot(input, lambdaContext('CreateSnapshot'));

    // Assess
    expect(again).toMatchObject({ alreadyExisted: true, rowCount: 10 });
    expect(world.emulator.inspect.snapshots('default', 'products')).toHaveLength(1);
  });

  it('recognises its own snapshot after a lost reply, so the retry creates no duplicate', async () => {
    // Prepare: the first CreateSnapshot is applied but its reply is lost
    await seedCollection(world, 'products', 10);
    world.emulator.faults.load({
      rules: [{ method: 'CreateSnapshot', grpcStatus: 'UNAVAILABLE', afterApply: true, times: 1 }],
    });
    const input = collectionInput(backupRun(world), 'products');

    // Act
    const first = await createSnapshot(input, lambdaContext('CreateSnapshot')).catch((e: unknown) => e);
    const retry = await createSnapshot(input, lambdaContext('CreateSnapshot'));

    // Assess
    expect((first as Error).name).toBe('MilvusUnavailableError');
    expect(retry).toMatchObject({
      snapshotName: 'daily_20261121_030000',
      alreadyExisted: true,
      rowCount: 10,
    });
    expect(world.emulator.inspect.snapshots('default', 'products')).toHaveLength(1);
  });

  it('refuses to adopt a same-named snapshot someone else made, and leaves it as it was', async () => {
    // Prepare
    await seedCollection(world, 'products', 10);
    await world.milvus.createSnapshot(
      { database: 'default', collection: 'products' },
      'daily_20261121_030000',
      'made by hand',
    );

    // Act
    const act = createSnapshot(
      collectionInput(backupRun(world), 'products'),
      lambdaContext('CreateSnapshot'),
    );

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'SnapshotNameTakenError',
      message: expect.stringMatching(
        /daily_20261121_030000 already exists in default\.products and was not made by/,
      ),
    });
    expect(world.emulator.inspect.snapshots('default', 'products').map((s) => s.description)).toEqual([
      'made by hand',
    ]);
  });

  it('fails a missing collection with CollectionNotFoundError, naming it', async () => {
    await expect(
      flush(collectionInput(backupRun(world), 'ghost'), lambdaContext('Flush')),
    ).rejects.toMatchObject({
      name: 'CollectionNotFoundError',
      message: expect.stringContaining('default.ghost'),
    });
  });

  it('turns UNAVAILABLE into the one retried error, then succeeds when Milvus is back', async () => {
    // Prepare
    await seedCollection(world, 'products', 10);
    world.emulator.faults.load({ rules: [{ method: 'Flush', grpcStatus: 'UNAVAILABLE', times: 2 }] });
    const input = collectionInput(backupRun(world), 'products');

    // Act: what the state machine's Retry does
    const attempts: string[] = [];
    let result: unknown;
    for (let i = 0; i < 3 && result === undefined; i++) {
      result = await flush(input, lambdaContext('Flush')).catch((e: Error) => {
        attempts.push(e.name);
        return undefined;
      });
    }

    // Assess
    expect(attempts).toEqual(['MilvusUnavailableError', 'MilvusUnavailableError']);
    expect(result).toMatchObject({ segmentIds: expect.any(Array) });
  });

  it('refuses a bad input before any Milvus call, naming the field and the value', async () => {
    // Prepare
    world.emulator.calls.reset();
    const input = collectionInput(backupRun(world), 'products');

    // Act
    const act = flush({ ...input, target: { ...input.target, database: 7 } }, lambdaContext('Flush'));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/target\.database: .*got 7/),
    });
    expect(world.emulator.calls.count()).toBe(0);
  });
});
