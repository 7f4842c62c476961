import { ErrorCode } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorFixture, startFixture } from './support/emulator-fixture';

// The calls and expectations of the Node SDK's own snapshot test (milvus-sdk-node
// test/grpc/Snapshot.spec.ts), made against the emulator: what the SDK's authors check against
// a real Milvus 3.0 must hold here too. Written for this project, not copied.
describe('the SDK snapshot test, against the emulator', () => {
  let fx: EmulatorFixture;
  const collectionName = 'sdk_spec_snapshot_collection';
  const restoredCollectionName = 'sdk_spec_snapshot_restored';
  const snapshotName = 'sdk_spec_snapshot';

  beforeAll(async () => {
    fx = await startFixture();
    // A collection with no index, two rows, flushed: as the SDK test sets it up.
    const created = await fx.client.createCollection({
      collection_name: collectionName,
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true },
        { name: 'vector', data_type: 'FloatVector', dim: 4 },
      ],
    });
    expect(created.error_code).toBe(ErrorCode.SUCCESS);
    const inserted = await fx.client.insert({
      collection_name: collectionName,
      data: [
        { id: 1, vector: [0.1, 0.2, 0.3, 0.4] },
        { id: 2, vector: [0.2, 0.3, 0.4, 0.5] },
      ],
    });
    expect(inserted.status.error_code).toBe(ErrorCode.SUCCESS);
    const flushed = await fx.client.flush({ collection_names: [collectionName] });
    expect(flushed.status.error_code).toBe(ErrorCode.SUCCESS);
  });

  afterAll(async () => {
    // The SDK test cleans up without checking: the restore's pin may still hold the snapshot.
    await fx.client.dropSnapshot({ snapshot_name: snapshotName, collection_name: collectionName });
    await fx.client.dropCollection({ collection_name: collectionName });
    await fx.client.dropCollection({ collection_name: restoredCollectionName });
    await fx.close();
  });

  it('refuses incomplete requests in the client, before any call reaches the server', async () => {
    // Prepare
    const before = fx.emulator.calls.count();
    const missing = (call: Promise<unknown>) =>
      call.then(
        () => 'resolved',
        (error: Error) => error.message,
      );
    const c = fx.client as unknown as Record<string, (request: object) => Promise<unknown>>;
    const call = (method: string, request: object) =>
      missing((c[method] as (r: object) => Promise<unknown>).call(fx.client, request));

    // Act
    const messages = [
      await call('createSnapshot', {}),
      await call('createSnapshot', { collection_name: collectionName }),
      await call('dropSnapshot', {}),
      await call('dropSnapshot', { collection_name: collectionName }),
      await call('listSnapshots', {}),
      await call('describeSnapshot', {}),
      await call('describeSnapshot', { collection_name: collectionName }),
      await call('restoreSnapshot', {}),
      await call('restoreSnapshot', { snapshot_name: snapshotName }),
      await call('restoreSnapshot', { snapshot_name: snapshotName, source_collection_name: collectionName }),
      await call('getRestoreSnapshotState', {}),
      await call('pinSnapshotData', {}),
      await call('pinSnapshotData', { collection_name: collectionName }),
      await call('unpinSnapshotData', {}),
    ];

    // Assess
    expect(messages).toEqual([
      'The `collection_name` property is missing.',
      'The `snapshot_name` property is missing.',
      'The `collection_name` property is missing.',
      'The `snapshot_name` property is missing.',
      'The `collection_name` property is missing.',
      'The `collection_name` property is missing.',
      'The `snapshot_name` property is missing.',
      'The `snapshot_name` property is missing.',
      'The `source_collection_name` property is missing.',
      'The `target_collection_name` property is missing.',
      'The `job_id` property is missing.',
      'The `collection_name` property is missing.',
      'The `snapshot_name` property is missing.',
      'The `pin_id` property is missing.',
    ]);
    expect(fx.emulator.calls.count()).toBe(before);
  });

  it('creates, lists, describes, pins, unpins, restores and tracks a snapshot', async () => {
    // Act and assess, step by step as the SDK test does
    const create = await fx.client.createSnapshot({
      snapshot_name: snapshotName,
      collection_name: collectionName,
      description: 'node sdk snapshot test',
      compaction_protection_seconds: 0,
    });
    expect(create.error_code).toBe(ErrorCode.SUCCESS);

    const snapshots = await fx.client.listSnapshots({ collection_name: collectionName });
    expect(snapshots.status.error_code).toBe(ErrorCode.SUCCESS);
    expect(snapshots.snapshots).toContain(snapshotName);

    const described = await fx.client.describeSnapshot({
      snapshot_name: snapshotName,
      collection_name: collectionName,
    });
    expect(described.status.error_code).toBe(ErrorCode.SUCCESS);
    expect(described.name).toBe(snapshotName);
    expect(described.collection_name).toBe(collectionName);
    expect(described.description).toBe('node sdk snapshot test');

    const pin = await fx.client.pinSnapshotData({
      snapshot_name: snapshotName,
      collection_name: collectionName,
      ttl_seconds: 60,
    });
    expect(pin.status.error_code).toBe(ErrorCode.SUCCESS);
    expect(pin.pin_id).toBeTruthy();

    const unpin = await fx.client.unpinSnapshotData({ pin_id: pin.pin_id });
    expect(unpin.error_code).toBe(ErrorCode.SUCCESS);

    const restore = await fx.client.restoreSnapshot({
      snapshot_name: snapshotName,
      source_collection_name: collectionName,
      target_collection_name: restoredCollectionName,
    });
    expect(restore.status.error_code).toBe(ErrorCode.SUCCESS);
    expect(restore.job_id).toBeTruthy();

    const state = await fx.client.getRestoreSnapshotState({ job_id: restore.job_id });
    expect(state.status.error_code).toBe(ErrorCode.SUCCESS);
    expect(state.info.snapshot_name).toBe(snapshotName);

    const jobs = await fx.client.listRestoreSnapshotJobs({ collection_name: restoredCollectionName });
    expect(jobs.status.error_code).toBe(ErrorCode.SUCCESS);
    expect(jobs.jobs.some((job) => job.job_id === restore.job_id)).toBe(true);

    const allJobs = await fx.client.listRestoreSnapshotJobs();
    expect(allJobs.status.error_code).toBe(ErrorCode.SUCCESS);
    expect(allJobs.jobs.some((job) => job.job_id === restore.job_id)).toBe(true);
  });
});
