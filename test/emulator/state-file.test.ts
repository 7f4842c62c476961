import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EmulatorStateError,
  ManualClock,
  STATE_FILE_FORMAT,
  STATE_FILE_VERSION,
  startMilvusEmulator,
} from '../../emulator';
import { type EmulatorFixture, flush, load, startFixture } from './support/emulator-fixture';

const HOUR_MS = 3_600_000;
const START = Date.UTC(2026, 10, 21, 3, 0, 0);

async function stateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'emulator-state-'));
}

/** Query results as plain values (vectors rounded through float32, as stored). */
async function rowsOf(client: MilvusClient, collection: string, database = 'default'): Promise<unknown[]> {
  const result = await client.query({
    collection_name: collection,
    db_name: database,
    filter: 'id >= 0',
    output_fields: ['*'],
    limit: 100,
  });
  return [...result.data].sort((a, b) => Number(a.id) - Number(b.id));
}

describe('emulator state files', () => {
  describe('a saved state, restarted', () => {
    let dir = '';
    let file = '';
    let before: EmulatorFixture;
    let after: EmulatorFixture;
    const clock = new ManualClock(START);
    const recorded: Record<string, unknown> = {};

    beforeAll(async () => {
      // Prepare: a bit of everything the state holds
      dir = await stateDir();
      file = join(dir, 'runs', 'emulator-state.json');
      before = await startFixture({ clock, stateFile: file });
      const c = before.client;
      await c.createDatabase({ db_name: 'shop' });
      await c.createCollection({
        collection_name: 'items',
        db_name: 'shop',
        enable_dynamic_field: true,
        fields: [
          { name: 'id', data_type: 'Int64', is_primary_key: true },
          { name: 'title', data_type: 'VarChar', max_length: 64 },
          { name: 'price', data_type: 'Double' },
          { name: 'active', data_type: 'Bool' },
          { name: 'vector', data_type: 'FloatVector', dim: 3 },
        ],
      });
      await c.createPartition({ collection_name: 'items', db_name: 'shop', partition_name: 'eu' });
      await c.createIndex({
        collection_name: 'items',
        db_name: 'shop',
        field_name: 'vector',
        index_type: 'HNSW',
        metric_type: 'L2',
        params: { M: 8, efConstruction: 32 },
      });
      const row = (id: number) => ({
        id,
        title: `item ${id}`,
        price: id * 1.25,
        active: id % 2 === 0,
        vector: [id + 0.1, id + 0.2, id + 0.3],
        colour: `c${id}`,
      });
      await c.insert({ collection_name: 'items', db_name: 'shop', data: [1, 2, 3, 4].map(row) });
      await flush(c, 'items', 'shop');
      await c.insert({
        collection_name: 'items',
        db_name: 'shop',
        partition_name: 'eu',
        data: [5, 6].map(row),
      });
      await flush(c, 'items', 'shop');
      await c.delete({ collection_name: 'items', db_name: 'shop', ids: [1] });
      await flush(c, 'items', 'shop');
      await c.insert({ collection_name: 'items', db_name: 'shop', data: [7].map(row) });
      await c.delete({ collection_name: 'items', db_name: 'shop', ids: [2] });
      await load(c, 'items', 'shop');
      await c.createAlias({ collection_name: 'items', db_name: 'shop', alias: 'catalogue' });
      await c.createSnapshot({ collection_name: 'items', db_name: 'shop', snapshot_name: 'nightly' });
      const pin = await c.pinSnapshotData({
        collection_name: 'items',
        db_name: 'shop',
        snapshot_name: 'nightly',
      });
      before.emulator.faults.load({ restore: { durationMs: 2 * HOUR_MS } });
      const running = await c.restoreSnapshot({
        snapshot_name: 'nightly',
        source_collection_name: 'items',
        source_db_name: 'shop',
        target_collection_name: 'items_drill',
        target_db_name: 'shop',
      });
      clock.advance(HOUR_MS);
      recorded.pinId = pin.pin_id;
      recorded.jobId = running.job_id;
      recorded.rows = await rowsOf(c, 'items', 'shop');
      recorded.segments = (
        await c.getPersistentSegmentInfo({ collectionName: 'items', dbName: 'shop' })
      ).infos;
      recorded.described = await c.describeCollection({ collection_name: 'items', db_name: 'shop' });
      recorded.snapshot = await c.describeSnapshot({
        collection_name: 'items',
        db_name: 'shop',
        snapshot_name: 'nightly',
      });
      recorded.job = (await c.getRestoreSnapshotState({ job_id: running.job_id })).info;
      recorded.counts = before.emulator.inspect.rowCounts('shop', 'items');

      // Act
      await before.emulator.saveState();
      await before.close();
      after = await startFixture({ clock: new ManualClock(clock.now()), stateFile: file });
    });

    afterAll(async () => {
      await after?.close();
    });

    it('writes one JSON document with the format and version, and no temporary file', async () => {
      // Act
      const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      const entries = await readdir(join(dir, 'runs'));

      // Assess
      expect(saved).toMatchObject({ format: STATE_FILE_FORMAT, version: STATE_FILE_VERSION });
      expect(entries).toEqual(['emulator-state.json']);
    });

    it('has the same databases, collection (ID, schema, indexes, load state), rows and segments', async () => {
      // Act
      const c = after.client;
      const databases = await c.listDatabases();
      const described = await c.describeCollection({ collection_name: 'items', db_name: 'shop' });
      const rows = await rowsOf(c, 'items', 'shop');
      const segments = (await c.getPersistentSegmentInfo({ collectionName: 'items', dbName: 'shop' })).infos;
      const index = await c.describeIndex({ collection_name: 'items', db_name: 'shop' });
      const partitions = await c.listPartitions({ collection_name: 'items', db_name: 'shop' });

      // Assess
      expect([...databases.db_names].sort()).toEqual(['default', 'shop']);
      expect(described).toEqual(recorded.described);
      expect(rows).toEqual(recorded.rows);
      expect(segments).toEqual(recorded.segments);
      expect(after.emulator.inspect.rowCounts('shop', 'items')).toEqual(recorded.counts);
      expect(index.index_descriptions[0]?.params).toEqual(
        expect.arrayContaining([{ key: 'index_type', value: 'HNSW' }]),
      );
      expect(partitions.partition_names).toEqual(['_default', 'eu']);
    });

    it('keeps the growing rows growing and the unflushed delete unflushed', async () => {
      // Act: a snapshot taken now holds only what was sealed and flushed
      const c = after.client;
      await c.createSnapshot({ collection_name: 'items', db_name: 'shop', snapshot_name: 'after_restart' });

      // Assess: sealed 6 rows, one of them deleted by a flushed delete; 7 growing, 2 deleted unflushed
      expect(after.emulator.inspect.snapshots('shop', 'items')).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'after_restart', rowCount: 5, segments: 2 }),
        ]),
      );
      expect(after.emulator.inspect.rowCounts('shop', 'items')).toMatchObject({
        sealed: 6,
        growing: 1,
        visible: 5,
      });
    });

    it('has the aliases, the snapshot and its pin, and the running restore, which goes on', async () => {
      // Act
      const c = after.client;
      const viaAlias = await c.count({ collection_name: 'catalogue', db_name: 'shop' });
      const snapshot = await c.describeSnapshot({
        collection_name: 'items',
        db_name: 'shop',
        snapshot_name: 'nightly',
      });
      const blocked = await c.dropSnapshot({
        collection_name: 'items',
        db_name: 'shop',
        snapshot_name: 'nightly',
      });
      const job = (await c.getRestoreSnapshotState({ job_id: String(recorded.jobId) })).info;
      after.emulator.clock instanceof ManualClock && after.emulator.clock.advance(HOUR_MS);
      const done = (await c.getRestoreSnapshotState({ job_id: String(recorded.jobId) })).info;

      // Assess
      expect(viaAlias.data).toBe(5);
      expect(snapshot).toEqual(recorded.snapshot);
      expect(blocked.code).toBe(2601);
      expect(after.emulator.inspect.pins().map((p) => p.pinId)).toContain(recorded.pinId);
      expect(job).toEqual(recorded.job);
      expect(done).toMatchObject({ state: 'RestoreSnapshotCompleted', time_cost: String(2 * HOUR_MS) });
    });

    it('never hands out an ID or a timestamp it handed out before, even with the clock set back', async () => {
      // Prepare
      const c = after.client;
      const old = recorded.described as { collectionID: string; created_timestamp: string };

      // Act
      (after.emulator.clock as ManualClock).set(START - 10 * HOUR_MS);
      await c.createCollection({
        collection_name: 'newer',
        fields: [
          { name: 'id', data_type: 'Int64', is_primary_key: true },
          { name: 'vector', data_type: 'FloatVector', dim: 2 },
        ],
      });
      const newer = await c.describeCollection({ collection_name: 'newer' });

      // Assess
      expect(BigInt(newer.collectionID) > BigInt(old.collectionID)).toBe(true);
      expect(BigInt(newer.created_timestamp) > BigInt(old.created_timestamp)).toBe(true);
    });
  });

  describe('starting from a state file', () => {
    it('starts empty when the file does not exist yet, and saveState then writes it', async () => {
      // Prepare
      const file = join(await stateDir(), 'missing.json');

      // Act
      const emulator = await startMilvusEmulator({ stateFile: file });
      const collections = emulator.inspect.collections();
      await emulator.saveState();
      await emulator.stop();

      // Assess
      expect(collections).toEqual([]);
      expect((await stat(file)).isFile()).toBe(true);
    });

    it.each([
      ['not JSON', '{"format": "milvus-emulator-state", ', 'is not valid JSON'],
      ['not a state file', '{"rules": []}', 'is not a Milvus emulator state file'],
      [
        'another version',
        JSON.stringify({ format: STATE_FILE_FORMAT, version: 2 }),
        'has version 2; this emulator reads version 1',
      ],
      [
        'missing parts',
        JSON.stringify({ format: STATE_FILE_FORMAT, version: 1, nextId: '1' }),
        'is damaged: ',
      ],
    ])('refuses a file that is %s, naming it, instead of starting empty', async (_what, text, message) => {
      // Prepare
      const file = join(await stateDir(), 'state.json');
      await writeFile(file, text);

      // Act
      const attempt = startMilvusEmulator({ stateFile: file });

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(EmulatorStateError);
      await expect(attempt).rejects.toThrow(file);
      await expect(attempt).rejects.toThrow(message);
    });

    it('refuses a file whose parts do not fit together', async () => {
      // Prepare: a saved state whose collection points at a schema the file does not have
      const dir = await stateDir();
      const file = join(dir, 'state.json');
      const emulator = await startMilvusEmulator({ seedCollections: [{ name: 'one', rows: 3 }] });
      await emulator.saveState(file);
      await emulator.stop();
      const saved = JSON.parse(await readFile(file, 'utf8')) as { collections: { schema: number }[] };
      const [first] = saved.collections;
      if (first !== undefined) first.schema = 99;
      await writeFile(file, JSON.stringify(saved));

      // Act
      const attempt = startMilvusEmulator({ stateFile: file });

      // Assess
      await expect(attempt).rejects.toThrow(
        `emulator state file ${file} is damaged: schema 99 is referred to but not in the file`,
      );
    });

    it('needs a path when it was started without a state file', async () => {
      // Prepare
      const emulator = await startMilvusEmulator();

      try {
        // Act
        const attempt = emulator.saveState();

        // Assess
        await expect(attempt).rejects.toBeInstanceOf(EmulatorStateError);
        await expect(attempt).rejects.toThrow('saveState needs a path');
      } finally {
        await emulator.stop();
      }
    });
  });

  it('stays small: many tiny collections cost well under a kilobyte and a half each', async () => {
    // Prepare
    const emulator = await startMilvusEmulator({
      seedCollections: Array.from({ length: 60 }, (_, i) => ({ name: `tiny_${i}`, rows: 2, dim: 4 })),
    });
    const file = join(await stateDir(), 'state.json');

    try {
      // Act
      await emulator.saveState(file);
      const { size } = await stat(file);

      // Assess
      expect(size / 60).toBeLessThan(1_500);
    } finally {
      await emulator.stop();
    }
  });
});
