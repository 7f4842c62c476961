import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../emulator';
import {
  countRows,
  createTestCollection,
  type EmulatorFixture,
  flush,
  insertRows,
  load,
  startFixture,
} from './support/emulator-fixture';
import { RawMilvusClient } from './support/raw-client';

const HOUR_MS = 3_600_000;

describe('restore jobs', () => {
  let fx: EmulatorFixture;
  const clock = new ManualClock();
  let serial = 0;

  beforeAll(async () => {
    fx = await startFixture({ clock });
  });

  afterAll(async () => {
    await fx.close();
  });

  afterEach(() => {
    fx.emulator.faults.clear();
  });

  /** A collection with `flushed` sealed rows (in `segments` flushes) and `growing` unflushed ones. */
  async function source(options: { flushed: number; growing?: number; segments?: number }): Promise<string> {
    serial += 1;
    const name = `source_${serial}`;
    await createTestCollection(fx.client, { name });
    const segments = options.segments ?? 1;
    const perSegment = Math.ceil(options.flushed / segments);
    for (let from = 1; from <= options.flushed; from += perSegment) {
      await insertRows(fx.client, name, from, Math.min(options.flushed, from + perSegment - 1));
      await flush(fx.client, name);
    }
    if ((options.growing ?? 0) > 0) {
      await insertRows(fx.client, name, options.flushed + 1, options.flushed + (options.growing ?? 0));
    }
    return name;
  }

  async function snapshotAndRestore(collection: string, target = `${collection}_restored`): Promise<string> {
    const created = await fx.client.createSnapshot({ collection_name: collection, snapshot_name: 'snap' });
    expect(created.error_code).toBe('Success');
    const restored = await fx.client.restoreSnapshot({
      snapshot_name: 'snap',
      source_collection_name: collection,
      target_collection_name: target,
    });
    expect(restored.status.error_code).toBe('Success');
    return restored.job_id;
  }

  const jobState = async (jobId: string) => (await fx.client.getRestoreSnapshotState({ job_id: jobId })).info;

  it('restores exactly the flushed rows: insert 100, flush, insert 50, snapshot, restore -> 100', async () => {
    // Prepare
    const name = await source({ flushed: 100, growing: 50 });
    const jobId = await snapshotAndRestore(name);

    // Act
    clock.advance(2_000);
    const info = await jobState(jobId);
    await load(fx.client, `${name}_restored`);
    const restoredRows = await countRows(fx.client, `${name}_restored`);

    // Assess
    expect(info.state).toBe('RestoreSnapshotCompleted');
    expect(restoredRows).toBe(100);
  });

  it('creates the target at once with the source schema, shards, partitions and indexes, not loaded', async () => {
    // Prepare
    serial += 1;
    const name = `sharded_${serial}`;
    await fx.client.createCollection({
      collection_name: name,
      shards_num: 2,
      fields: [
        { name: 'sku', data_type: 'VarChar', max_length: 32, is_primary_key: true },
        { name: 'embedding', data_type: 'FloatVector', dim: 3 },
      ],
    });
    await fx.client.createPartition({ collection_name: name, partition_name: 'eu' });
    await fx.client.createIndex({
      collection_name: name,
      field_name: 'embedding',
      index_type: 'IVF_FLAT',
      metric_type: 'IP',
      params: { nlist: 16 },
    });

    // Act
    await snapshotAndRestore(name);
    const target = `${name}_restored`;
    const described = await fx.client.describeCollection({ collection_name: target });
    const partitions = await fx.client.listPartitions({ collection_name: target });
    const index = await fx.client.describeIndex({ collection_name: target });
    const loadState = await fx.client.getLoadState({ collection_name: target });

    // Assess
    expect(described.status.error_code).toBe('Success');
    expect(described.shards_num).toBe(2);
    expect(described.schema.fields.map((f) => [f.name, f.data_type, f.fieldID])).toEqual([
      ['sku', 'VarChar', '100'],
      ['embedding', 'FloatVector', '101'],
    ]);
    expect(partitions.partition_names).toEqual(['_default', 'eu']);
    expect(index.index_descriptions[0]?.params).toEqual(
      expect.arrayContaining([
        { key: 'index_type', value: 'IVF_FLAT' },
        { key: 'metric_type', value: 'IP' },
      ]),
    );
    expect(loadState.state).toBe('LoadStateNotLoad');
  });

  it('goes Pending -> Executing -> Completed on the clock, progress never decreasing', async () => {
    // Prepare: four sealed segments, so progress moves in quarters
    const name = await source({ flushed: 40, segments: 4 });
    fx.emulator.faults.load({ restore: { outcome: 'completed', durationMs: 6 * HOUR_MS } });
    const startedAt = clock.now();
    const jobId = await snapshotAndRestore(name);

    // Act: poll every 15 minutes of clock time
    const seen: { state: string; progress: number }[] = [];
    for (let elapsed = 0; elapsed <= 6 * HOUR_MS; elapsed += 15 * 60_000) {
      const info = await jobState(jobId);
      seen.push({ state: info.state, progress: info.progress });
      clock.advance(15 * 60_000);
    }
    const final = await jobState(jobId);

    // Assess
    expect(BigInt(jobId) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(seen[0]).toEqual({ state: 'RestoreSnapshotPending', progress: 0 });
    expect(
      seen.some((s) => s.state === 'RestoreSnapshotExecuting' && s.progress > 0 && s.progress < 100),
    ).toBe(true);
    expect(new Set(seen.map((s) => s.progress))).toEqual(new Set([0, 25, 50, 75, 100]));
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]?.progress).toBeGreaterThanOrEqual(seen[i - 1]?.progress ?? 0);
    }
    expect(final).toMatchObject({
      state: 'RestoreSnapshotCompleted',
      progress: 100,
      reason: '',
      start_time: String(startedAt),
      time_cost: String(6 * HOUR_MS),
      collection_name: `${name}_restored`,
      db_name: 'default',
      snapshot_name: 'snap',
    });
  });

  it('never reports progress going backwards, even if the clock is set back', async () => {
    // Prepare
    const name = await source({ flushed: 20, segments: 2 });
    const jobId = await snapshotAndRestore(name);
    clock.advance(1_500);
    const before = await jobState(jobId);

    // Act
    clock.set(clock.now() - 1_400);
    const after = await jobState(jobId);
    clock.advance(1_400);

    // Assess
    expect(before).toMatchObject({ state: 'RestoreSnapshotExecuting', progress: 50 });
    expect(after).toMatchObject({ state: 'RestoreSnapshotExecuting', progress: 50 });
  });

  it('keeps a restore of an empty snapshot Pending at progress 100 until the next checker tick, then completes it', async () => {
    // Prepare
    const name = await source({ flushed: 0, growing: 5 });
    const jobId = await snapshotAndRestore(name);

    // Act
    const atOnce = await jobState(jobId);
    const pinnedMeanwhile = await fx.client.dropSnapshot({ collection_name: name, snapshot_name: 'snap' });
    clock.advance(1_999);
    const beforeTick = await jobState(jobId);
    clock.advance(1);
    const afterTick = await jobState(jobId);

    // Assess
    expect(atOnce).toMatchObject({ state: 'RestoreSnapshotPending', progress: 100, reason: '' });
    expect(pinnedMeanwhile.code).toBe(2601);
    expect(beforeTick.state).toBe('RestoreSnapshotPending');
    expect(afterTick).toMatchObject({
      state: 'RestoreSnapshotCompleted',
      progress: 100,
      reason: 'no segments to copy',
      time_cost: '2000',
    });
  });

  it('fails with the plan reason, keeps the partly filled target and sets no time_cost', async () => {
    // Prepare
    const name = await source({ flushed: 30, segments: 3 });
    fx.emulator.faults.load({
      restore: { outcome: 'failed', durationMs: 60_000, reason: 'copy segment failed: disk full' },
    });
    const jobId = await snapshotAndRestore(name);

    // Act
    clock.advance(60_000);
    const info = await jobState(jobId);
    const target = await fx.client.hasCollection({ collection_name: `${name}_restored` });

    // Assess
    expect(info).toMatchObject({
      state: 'RestoreSnapshotFailed',
      reason: 'copy segment failed: disk full',
      time_cost: '0',
      progress: 66,
    });
    expect(target.value).toBe(true);
    expect(fx.emulator.inspect.rowCounts('default', `${name}_restored`)).toMatchObject({ sealed: 20 });
  });

  it('keeps a stuck restore Executing until the 24 h server timeout, then fails it with "timeout"', async () => {
    // Prepare
    const name = await source({ flushed: 10 });
    fx.emulator.faults.load({ restore: { outcome: 'stuck' } });
    const jobId = await snapshotAndRestore(name);

    // Act
    clock.advance(24 * HOUR_MS - 1);
    const beforeTimeout = await jobState(jobId);
    clock.advance(1);
    const afterTimeout = await jobState(jobId);

    // Assess
    expect(beforeTimeout.state).toBe('RestoreSnapshotExecuting');
    expect(beforeTimeout.progress).toBeLessThan(100);
    expect(afterTimeout).toMatchObject({ state: 'RestoreSnapshotFailed', reason: 'timeout', time_cost: '0' });
  });

  it('forgets terminal jobs after 3 hours: the job id then answers 2101', async () => {
    // Prepare
    const name = await source({ flushed: 10 });
    const jobId = await snapshotAndRestore(name);
    clock.advance(2_000);

    // Act
    clock.advance(3 * HOUR_MS - 1);
    const kept = await jobState(jobId);
    clock.advance(1);
    const forgotten = await fx.client.getRestoreSnapshotState({ job_id: jobId });
    const listed = await fx.client.listRestoreSnapshotJobs();

    // Assess
    expect(kept.state).toBe('RestoreSnapshotCompleted');
    expect(forgotten.status).toMatchObject({
      code: 2101,
      error_code: 'UnexpectedError',
      reason: `restore job not found: jobID=${jobId}: importing data failed on server side`,
    });
    expect(listed.jobs.map((j) => j.job_id)).not.toContain(jobId);
  });

  it('uses restoreJobRetentionMs instead of 3 hours when given', async () => {
    // Prepare
    const shortClock = new ManualClock();
    const short = await startFixture({ clock: shortClock, restoreJobRetentionMs: 60_000 });
    try {
      await createTestCollection(short.client, { name: 'quick' });
      await insertRows(short.client, 'quick', 1, 5);
      await flush(short.client, 'quick');
      await short.client.createSnapshot({ collection_name: 'quick', snapshot_name: 's' });
      const { job_id } = await short.client.restoreSnapshot({
        snapshot_name: 's',
        source_collection_name: 'quick',
        target_collection_name: 'quick_copy',
      });

      // Act
      shortClock.advance(2_000 + 60_000);
      const result = await short.client.getRestoreSnapshotState({ job_id });

      // Assess
      expect(result.status.code).toBe(2101);
    } finally {
      await short.close();
    }
  });

  it('answers 2101 for a job id that never existed', async () => {
    // Act
    const result = await fx.client.getRestoreSnapshotState({ job_id: '42' });

    // Assess
    expect(result.status).toMatchObject({
      code: 2101,
      error_code: 'UnexpectedError',
      reason: 'restore job not found: jobID=42: importing data failed on server side',
    });
  });

  describe('the automatic pin', () => {
    it('blocks dropping the source snapshot while the restore runs, and is released when it ends', async () => {
      // Prepare
      const name = await source({ flushed: 10 });
      const jobId = await snapshotAndRestore(name);

      // Act
      const during = await fx.client.dropSnapshot({ collection_name: name, snapshot_name: 'snap' });
      const pinsDuring = fx.emulator.inspect.pins().filter((p) => p.collection === name);
      clock.advance(2_000);
      const after = await fx.client.dropSnapshot({ collection_name: name, snapshot_name: 'snap' });

      // Assess
      expect(during.code).toBe(2601);
      expect(pinsDuring).toMatchObject([{ kind: 'restore', jobId }]);
      expect(after.error_code).toBe('Success');
    });

    it('can lag one server tick after the job ends when pinReleaseLagMs is set', async () => {
      // Prepare
      const lagClock = new ManualClock();
      const lagging = await startFixture({ clock: lagClock, pinReleaseLagMs: 2_000 });
      try {
        await createTestCollection(lagging.client, { name: 'lag' });
        await insertRows(lagging.client, 'lag', 1, 5);
        await flush(lagging.client, 'lag');
        await lagging.client.createSnapshot({ collection_name: 'lag', snapshot_name: 's' });
        const { job_id } = await lagging.client.restoreSnapshot({
          snapshot_name: 's',
          source_collection_name: 'lag',
          target_collection_name: 'lag_copy',
        });

        // Act
        lagClock.advance(2_000);
        const state = await lagging.client.getRestoreSnapshotState({ job_id });
        const immediately = await lagging.client.dropSnapshot({ collection_name: 'lag', snapshot_name: 's' });
        lagClock.advance(2_000);
        const aTickLater = await lagging.client.dropSnapshot({ collection_name: 'lag', snapshot_name: 's' });

        // Assess
        expect(state.info.state).toBe('RestoreSnapshotCompleted');
        expect(immediately.code).toBe(2601);
        expect(aTickLater.error_code).toBe('Success');
      } finally {
        await lagging.close();
      }
    });
  });

  describe('RestoreSnapshot failures', () => {
    it('answers 2600 for an unknown snapshot and 100 for an unknown source collection', async () => {
      // Prepare
      const name = await source({ flushed: 5 });

      // Act
      const noSnapshot = await fx.client.restoreSnapshot({
        snapshot_name: 'nope',
        source_collection_name: name,
        target_collection_name: `${name}_x`,
      });
      const noCollection = await fx.client.restoreSnapshot({
        snapshot_name: 'snap',
        source_collection_name: 'missing_source',
        target_collection_name: `${name}_y`,
      });

      // Assess
      const { collectionID } = await fx.client.describeCollection({ collection_name: name });
      expect(noSnapshot.status).toMatchObject({
        code: 2600,
        reason: `failed to pin source snapshot under restore lock: collection ${collectionID}: snapshot not found[snapshot=nope]`,
      });
      expect(noCollection.status.code).toBe(100);
      expect((await fx.client.hasCollection({ collection_name: `${name}_x` })).value).toBe(false);
    });

    it('answers 65535 "duplicate collection" when the target exists', async () => {
      // Prepare
      const name = await source({ flushed: 5 });
      await fx.client.createSnapshot({ collection_name: name, snapshot_name: 'snap' });

      // Act
      const result = await fx.client.restoreSnapshot({
        snapshot_name: 'snap',
        source_collection_name: name,
        target_collection_name: name,
      });

      // Assess
      expect(result.status).toMatchObject({
        code: 65535,
        error_code: 'UnexpectedError',
        reason: `failed to restore collection: create duplicate collection with different parameters, collection: ${name}`,
      });
    });

    it('answers 1601 when the target name is an alias', async () => {
      // Prepare
      const name = await source({ flushed: 5 });
      await fx.client.createSnapshot({ collection_name: name, snapshot_name: 'snap' });
      await fx.client.createAlias({ collection_name: name, alias: `${name}_live` });

      // Act
      const result = await fx.client.restoreSnapshot({
        snapshot_name: 'snap',
        source_collection_name: name,
        target_collection_name: `${name}_live`,
      });

      // Assess
      expect(result.status).toMatchObject({
        code: 1601,
        reason: `failed to restore collection: collection name [${name}_live] conflicts with an existing alias, please choose a unique name`,
      });
    });

    it('answers 1101 without a target name (the SDK refuses before sending)', async () => {
      // Prepare
      const name = await source({ flushed: 5 });
      await fx.client.createSnapshot({ collection_name: name, snapshot_name: 'snap' });
      const raw = new RawMilvusClient(fx.emulator.address);

      // Act
      const sdk = await fx.client
        .restoreSnapshot({ snapshot_name: 'snap', source_collection_name: name, target_collection_name: '' })
        .catch((error: Error) => error.message);
      const wire = await raw.call('RestoreSnapshot', { name: 'snap', collection_name: name });
      raw.close();

      // Assess
      expect(sdk).toBe('The `target_collection_name` property is missing.');
      expect(wire).toMatchObject({
        response: {
          status: {
            code: 1101,
            reason: 'target_collection_name is required for restore snapshot: missing parameter',
          },
        },
      });
    });
  });

  describe('ListRestoreSnapshotJobs', () => {
    it("lists, without filter, only the jobs whose target is in the connection's database", async () => {
      // Prepare
      const name = await source({ flushed: 5 });
      const drills = `drills_${serial}`;
      await fx.client.createDatabase({ db_name: drills });
      await fx.client.createSnapshot({ collection_name: name, snapshot_name: 'snap' });
      const here = await fx.client.restoreSnapshot({
        snapshot_name: 'snap',
        source_collection_name: name,
        target_collection_name: `${name}_here`,
      });
      const there = await fx.client.restoreSnapshot({
        snapshot_name: 'snap',
        source_collection_name: name,
        target_collection_name: `${name}_there`,
        target_db_name: drills,
      });
      const inDrills = await fx.connect({ database: drills });

      // Act
      const fromDefault = await fx.client.listRestoreSnapshotJobs();
      const fromDrills = await inDrills.listRestoreSnapshotJobs();
      const byDatabase = await fx.client.listRestoreSnapshotJobs({ db_name: drills });

      // Assess
      expect(fromDefault.jobs.map((j) => j.job_id)).toContain(here.job_id);
      expect(fromDefault.jobs.map((j) => j.job_id)).not.toContain(there.job_id);
      expect(fromDrills.jobs).toMatchObject([{ job_id: there.job_id, db_name: drills }]);
      expect(byDatabase.jobs).toMatchObject([
        { job_id: there.job_id, db_name: drills, collection_name: `${name}_there` },
      ]);
    });

    it('filters by target collection; an unknown collection answers 100 and an unknown database 800', async () => {
      // Prepare
      const name = await source({ flushed: 5 });
      const here = await snapshotAndRestore(name, `${name}_here`);

      // Act
      const byTarget = await fx.client.listRestoreSnapshotJobs({ collection_name: `${name}_here` });
      const bySource = await fx.client.listRestoreSnapshotJobs({ collection_name: name });
      const unknownCollection = await fx.client.listRestoreSnapshotJobs({
        collection_name: 'no_such_target',
      });
      const unknownDatabase = await fx.client.listRestoreSnapshotJobs({ db_name: 'no_such_db' });

      // Assess
      expect(byTarget.jobs.map((j) => j.job_id)).toEqual([here]);
      expect(bySource.jobs).toEqual([]);
      expect(unknownCollection.status).toMatchObject({ code: 100, error_code: 'CollectionNotExists' });
      expect(unknownDatabase.status).toMatchObject({
        code: 800,
        reason: 'database not found[database=no_such_db]',
      });
    });

    it('reports the target by its ID: once the target is dropped, its names read as empty strings', async () => {
      // Prepare
      const name = await source({ flushed: 5 });
      const jobId = await snapshotAndRestore(name);
      clock.advance(2_000);
      await fx.client.dropCollection({ collection_name: `${name}_restored` });

      // Act
      const state = await jobState(jobId);
      const listed = (await fx.client.listRestoreSnapshotJobs()).jobs.find((j) => j.job_id === jobId);

      // Assess
      expect(state).toMatchObject({ state: 'RestoreSnapshotCompleted', db_name: '', collection_name: '' });
      expect(listed).toMatchObject({ db_name: '', collection_name: '', snapshot_name: 'snap' });
    });
  });

  describe('databases of a restore', () => {
    it("lands in the connection's database when target_db_name is empty, not in the source's", async () => {
      // Prepare
      const name = await source({ flushed: 5 });
      const drills = `drills_${serial}`;
      await fx.client.createDatabase({ db_name: drills });
      await fx.client.createSnapshot({ collection_name: name, snapshot_name: 'snap' });
      const inDrills = await fx.connect({ database: drills });

      // Act
      const restored = await inDrills.restoreSnapshot({
        snapshot_name: 'snap',
        source_collection_name: name,
        source_db_name: 'default',
        target_collection_name: `${name}_copy`,
      });
      const inDefault = await fx.client.hasCollection({ collection_name: `${name}_copy` });
      const inConnection = await inDrills.hasCollection({ collection_name: `${name}_copy` });

      // Assess
      expect(restored.status.error_code).toBe('Success');
      expect(inDefault.value).toBe(false);
      expect(inConnection.value).toBe(true);
      expect((await jobState(restored.job_id)).db_name).toBe(drills);
    });

    it("reads the source from the connection's database when db_name is empty", async () => {
      // Prepare
      const name = await source({ flushed: 5 });
      const drills = `drills_${serial}`;
      await fx.client.createDatabase({ db_name: drills });
      await fx.client.createSnapshot({ collection_name: name, snapshot_name: 'snap' });
      const inDrills = await fx.connect({ database: drills });

      // Act
      const result = await inDrills.restoreSnapshot({
        snapshot_name: 'snap',
        source_collection_name: name,
        target_collection_name: `${name}_copy`,
        target_db_name: 'default',
      });

      // Assess: the source is looked for in drills, where it does not exist
      expect(result.status).toMatchObject({ code: 100 });
      expect(result.status.reason).toContain(`[database=${drills}]`);
    });

    it('answers 800 for an unknown target database and names the phase that failed', async () => {
      // Prepare
      const name = await source({ flushed: 5 });
      await fx.client.createSnapshot({ collection_name: name, snapshot_name: 'snap' });

      // Act
      const result = await fx.client.restoreSnapshot({
        snapshot_name: 'snap',
        source_collection_name: name,
        target_collection_name: `${name}_copy`,
        target_db_name: 'nowhere',
      });

      // Assess
      expect(result.status).toMatchObject({
        code: 800,
        reason: 'failed to describe target database nowhere: database not found[database=nowhere]',
      });
      expect(fx.emulator.inspect.pins().filter((p) => p.collection === name)).toEqual([]);
    });
  });

  it('applies restore behaviour per source collection: first matching entry wins', async () => {
    // Prepare
    const failing = await source({ flushed: 5 });
    const healthy = await source({ flushed: 5 });
    fx.emulator.faults.load({
      restore: [
        { collection: failing, outcome: 'failed', durationMs: 1_000, reason: 'boom' },
        { outcome: 'completed', durationMs: 1_000 },
      ],
    });
    const failingJob = await snapshotAndRestore(failing);
    const healthyJob = await snapshotAndRestore(healthy);

    // Act
    clock.advance(1_000);
    const [a, b] = await Promise.all([jobState(failingJob), jobState(healthyJob)]);

    // Assess
    expect(a).toMatchObject({ state: 'RestoreSnapshotFailed', reason: 'boom' });
    expect(b).toMatchObject({ state: 'RestoreSnapshotCompleted' });
  });

  describe('a lossy restore (fault plan outcome "lossy")', () => {
    async function restoredCopy(
      name: string,
    ): Promise<{ job: Awaited<ReturnType<typeof jobState>>; target: string }> {
      const jobId = await snapshotAndRestore(name);
      clock.advance(2_000);
      const job = await jobState(jobId);
      await load(fx.client, `${name}_restored`);
      return { job, target: `${name}_restored` };
    }

    it('completes normally but leaves out whole sealed segments when the snapshot has several', async () => {
      // Prepare: four sealed segments of 10 rows
      const name = await source({ flushed: 40, segments: 4 });
      fx.emulator.faults.load({ restore: { collection: name, outcome: 'lossy', keepFraction: 0.5 } });

      // Act
      const { job, target } = await restoredCopy(name);
      const stats = await fx.client.getCollectionStatistics({ collection_name: target });
      const segments = await fx.client.getPersistentSegmentInfo({ collectionName: target });
      const counted = await countRows(fx.client, target);

      // Assess: what a user of the copy sees is two segments and 20 rows, from a Completed job
      expect(job).toMatchObject({ state: 'RestoreSnapshotCompleted', progress: 100, reason: '' });
      expect(stats.stats).toEqual([{ key: 'row_count', value: '20' }]);
      expect(segments.infos.map((s) => Number(s.num_rows))).toEqual([10, 10]);
      expect(counted).toBe(20);
      expect(fx.emulator.inspect.snapshots('default', name)).toMatchObject([{ rowCount: 40, segments: 4 }]);
    });

    it('drops rows of the one segment of a single-segment snapshot', async () => {
      // Prepare
      const name = await source({ flushed: 10 });
      fx.emulator.faults.load({ restore: { outcome: 'lossy', keepFraction: 0.3 } });

      // Act
      const { job, target } = await restoredCopy(name);
      const segments = await fx.client.getPersistentSegmentInfo({ collectionName: target });

      // Assess
      expect(job.state).toBe('RestoreSnapshotCompleted');
      expect(segments.infos.map((s) => s.num_rows)).toEqual(['3']);
      expect(await countRows(fx.client, target)).toBe(3);
    });

    it('with keepFraction 0 copies nothing, and the job ends as a restore with no segments does', async () => {
      // Prepare
      const name = await source({ flushed: 20, segments: 2 });
      fx.emulator.faults.load({ restore: { outcome: 'lossy', keepFraction: 0 } });

      // Act
      const { job, target } = await restoredCopy(name);

      // Assess
      expect(job).toMatchObject({ state: 'RestoreSnapshotCompleted', reason: 'no segments to copy' });
      expect(await countRows(fx.client, target)).toBe(0);
    });

    it('only affects the restores its entry names', async () => {
      // Prepare
      const lossy = await source({ flushed: 20, segments: 2 });
      const intact = await source({ flushed: 20, segments: 2 });
      fx.emulator.faults.load({
        restore: [{ collection: lossy, outcome: 'lossy', keepFraction: 0.5 }, { outcome: 'completed' }],
      });

      // Act
      const lossyCopy = await restoredCopy(lossy);
      const intactCopy = await restoredCopy(intact);

      // Assess
      expect(await countRows(fx.client, lossyCopy.target)).toBe(10);
      expect(await countRows(fx.client, intactCopy.target)).toBe(20);
    });
  });

  it('fails the job when its target collection is dropped mid-restore', async () => {
    // Prepare
    const name = await source({ flushed: 10 });
    fx.emulator.faults.load({ restore: { durationMs: HOUR_MS } });
    const jobId = await snapshotAndRestore(name);

    // Act
    await fx.client.dropCollection({ collection_name: `${name}_restored` });
    const info = await jobState(jobId);

    // Assess
    expect(info.state).toBe('RestoreSnapshotFailed');
  });

  it('restores flushed deletes but not deletes that were never flushed', async () => {
    // Prepare
    const name = await source({ flushed: 10 });
    await fx.client.delete({ collection_name: name, ids: [1, 2] });
    await flush(fx.client, name);
    await fx.client.delete({ collection_name: name, ids: [3] });
    const jobId = await snapshotAndRestore(name);
    clock.advance(2_000);

    // Act
    await jobState(jobId);
    await load(fx.client, `${name}_restored`);
    const rows = await countRows(fx.client, `${name}_restored`);

    // Assess
    expect(rows).toBe(8);
  });

  it('shows restore jobs to the inspector as plain objects', async () => {
    // Prepare
    const name = await source({ flushed: 3 });
    const jobId = await snapshotAndRestore(name);

    // Act
    clock.advance(2_000);
    const job = fx.emulator.inspect.restoreJobs().find((j) => j.jobId === jobId);

    // Assess
    expect(job).toEqual({
      jobId,
      snapshot: 'snap',
      source: { database: 'default', collection: name },
      target: { database: 'default', collection: `${name}_restored` },
      state: 'RestoreSnapshotCompleted',
      progress: 100,
      reason: '',
      startTimeMs: clock.now() - 2_000,
      timeCostMs: 2_000,
      endedAtMs: clock.now(),
    });
    expect(fx.emulator.inspect.rowCounts('default', `${name}_restored`)).toEqual({
      sealed: 3,
      growing: 0,
      deleted: 0,
      visible: 3,
    });
  });
});
