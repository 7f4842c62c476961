import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as checkFlush } from '../../../functions/check-flush/handler';
import { handler as createSnapshot } from '../../../functions/create-snapshot/handler';
import { handler as flush } from '../../../functions/flush/handler';
import type { RunContext } from '../../../functions/shared/contracts/run-context';
import { RETRYABLE_ERROR_NAMES } from '../../../functions/shared/errors';
import { formatSnapshotDescription, parseSnapshotMarker } from '../../../functions/shared/snapshot-marker';
import { insertRows } from '../../emulator/support/emulator-fixture';
import {
  collectionInput,
  type DrillWorld,
  drillRun,
  lambdaContext,
  seedCollection,
  startDrillWorld,
  takeOwnedSnapshot,
  worldLedger,
} from '../../support/step-world';

function backupRun(world: DrillWorld, snapshotName = 'daily_20261121_030000'): RunContext {
  return drillRun(world, {}, { mode: 'backup', snapshotName, markerSchedule: 'daily', schedule: 'daily' });
}

describe('Flush → CheckFlush → CreateSnapshot, against the emulator', () => {
  let world: DrillWorld;
  const products = { database: 'default', collection: 'products' };
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
    const record = await worldLedger(world).read('default', 'products', 'daily_20261121_030000');
    expect(record).toMatchObject({
      state: 'created',
      runId: 'drill-test-run',
      createdAt: backup.createdAt,
      contents: { rows: 150, visibleRows: null, sampleKeys: [] },
    });
    expect(parseSnapshotMarker(snapshot?.description)).toMatchObject({
      version: 2,
      deployment: 'test-deployment',
      schedule: 'daily',
      rows: 150,
      nonce: record?.nonce,
    });
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

  it("is idempotent: a slot delivered twice finds the first run's snapshot and keeps its recorded count", async () => {
    // Prepare
    await seedCollection(world, 'products', 10);
    const first = collectionInput(backupRun(world), 'products');
    await createSnapshot(first, lambdaContext('CreateSnapshot'));
    await insertRows(world.client, 'products', 11, 15);
    await flush(first, lambdaContext('Flush'));
    const second = collectionInput({ ...backupRun(world), runId: 'second-delivery' }, 'products');

    // Act
    const again = await createSnapshot(second, lambdaContext('CreateSnapshot'));

    // Assess
    expect(again).toMatchObject({ alreadyExisted: true, madeByRun: 'drill-test-run', rowCount: 10 });
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

    // Assess: made by this run, whose reply was lost, so not "already there"
    expect((first as Error).name).toBe('MilvusUnavailableError');
    expect(retry).toMatchObject({
      snapshotName: 'daily_20261121_030000',
      alreadyExisted: false,
      rowCount: 10,
    });
    expect(world.emulator.inspect.snapshots('default', 'products')).toHaveLength(1);
    expect(await worldLedger(world).read('default', 'products', 'daily_20261121_030000')).toMatchObject({
      state: 'created',
      runId: 'drill-test-run',
    });
  });

  it.each([
    ['made by hand', async () => 'made by hand'],
    [
      'with a marker copied from a snapshot of ours',
      async () => {
        await takeOwnedSnapshot(world, 'products', 'daily_20261120_030000');
        return (await world.milvus.describeSnapshot(products, 'daily_20261120_030000')).description;
      },
    ],
    [
      'by another deployment',
      async () =>
        formatSnapshotDescription(
          {
            deployment: 'staging.eu-west-1',
            schedule: 'daily',
            rows: 10,
            schema: 'abcdef0123456789',
            nonce: '0'.repeat(32),
          },
          { database: 'default', collection: 'products', slot: new Date(world.clock.now()) },
        ),
    ],
  ])(
    'never adopts a same-named snapshot created beforehand %s: the collection fails and it is left as it was',
    async (_, describe) => {
      // Prepare: the name the next scheduled run will use, taken beforehand
      await seedCollection(world, 'products', 10);
      const description = await describe();
      await world.milvus.createSnapshot(products, 'daily_20261121_030000', description);

      // Act
      const act = createSnapshot(
        collectionInput(backupRun(world), 'products'),
        lambdaContext('CreateSnapshot'),
      );

      // Assess
      await expect(act).rejects.toMatchObject({
        name: 'SnapshotNameTakenError',
        message: expect.stringMatching(
          /daily_20261121_030000 already exists in default\.products and this deployment did not make it .*no snapshot was taken/,
        ),
      });
      const taken = world.emulator.inspect
        .snapshots('default', 'products')
        .find((x) => x.name === 'daily_20261121_030000');
      expect(taken?.description).toBe(description);
      expect(await worldLedger(world).read('default', 'products', 'daily_20261121_030000')).toBeUndefined();
    },
  );

  it('leaves no intent behind when Milvus refuses the snapshot outright', async () => {
    // Prepare
    await seedCollection(world, 'products', 10);
    world.emulator.faults.load({
      rules: [{ method: 'CreateSnapshot', milvusCode: 65535, reason: 'disk error', times: 1 }],
    });

    // Act
    const act = createSnapshot(
      collectionInput(backupRun(world), 'products'),
      lambdaContext('CreateSnapshot'),
    );

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'MilvusError' });
    expect((await worldLedger(world).list('default', 'products')).records).toEqual([]);
  });

  it('waits (a retried error) while another run of this deployment is creating the same snapshot', async () => {
    // Prepare: another run has recorded its intent, and not created the snapshot yet
    await seedCollection(world, 'products', 10);
    const other = await takeOwnedSnapshot(world, 'products', 'daily_20261121_030000');
    await world.milvus.dropSnapshot(products, 'daily_20261121_030000');
    await worldLedger(world).write({
      ...other,
      state: 'creating',
      createTs: undefined,
      createdAt: undefined,
    });

    // Act
    const act = createSnapshot(
      collectionInput(backupRun(world), 'products'),
      lambdaContext('CreateSnapshot'),
    );

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'SnapshotInProgressError' });
    expect(RETRYABLE_ERROR_NAMES).toContain('SnapshotInProgressError');
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
