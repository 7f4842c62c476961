import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../emulator';
import {
  createTestCollection,
  type EmulatorFixture,
  flush,
  insertRows,
  startFixture,
} from './support/emulator-fixture';

const START = Date.UTC(2026, 10, 21, 3, 0, 0);

describe('segment information and collection identity', () => {
  let fx: EmulatorFixture;
  const clock = new ManualClock(START);

  beforeAll(async () => {
    fx = await startFixture({ clock });
  });

  afterAll(async () => {
    await fx.close();
  });

  describe('GetPersistentSegmentInfo', () => {
    it('lists the sealed segments with their IDs, collection, partition, rows and state; growing ones are left out', async () => {
      // Prepare
      await createTestCollection(fx.client, { name: 'ledger' });
      await fx.client.createPartition({ collection_name: 'ledger', partition_name: 'eu' });
      await insertRows(fx.client, 'ledger', 1, 6);
      await flush(fx.client, 'ledger');
      await fx.client.insert({
        collection_name: 'ledger',
        partition_name: 'eu',
        data: [7, 8].map((id) => ({ id, tag: 'eu', vector: [id, id, id, id] })),
      });
      await flush(fx.client, 'ledger');
      await insertRows(fx.client, 'ledger', 9, 10);
      const described = await fx.client.describeCollection({ collection_name: 'ledger' });
      const partitions = await fx.client.listPartitions({ collection_name: 'ledger' });

      // Act
      const result = await fx.client.getPersistentSegmentInfo({ collectionName: 'ledger' });

      // Assess
      expect(result.status.error_code).toBe('Success');
      expect(result.infos).toMatchObject([
        {
          collectionID: described.collectionID,
          partitionID: partitions.partitionIDs[0],
          num_rows: '6',
          state: 'Flushed',
        },
        {
          collectionID: described.collectionID,
          partitionID: partitions.partitionIDs[1],
          num_rows: '2',
          state: 'Flushed',
        },
      ]);
      expect(result.infos.every((s) => /^\d+$/.test(String(s.segmentID)))).toBe(true);
      expect(new Set(result.infos.map((s) => s.segmentID)).size).toBe(2);
    });

    it('counts deleted rows, as datacoord does, and shows the segments a restore copied under new IDs', async () => {
      // Prepare
      await createTestCollection(fx.client, { name: 'journal' });
      await insertRows(fx.client, 'journal', 1, 4);
      await flush(fx.client, 'journal');
      await fx.client.delete({ collection_name: 'journal', ids: [1] });
      await flush(fx.client, 'journal');
      await fx.client.createSnapshot({ collection_name: 'journal', snapshot_name: 's' });
      await fx.client.restoreSnapshot({
        snapshot_name: 's',
        source_collection_name: 'journal',
        target_collection_name: 'journal_copy',
      });
      clock.advance(2_000);

      // Act
      const source = await fx.client.getPersistentSegmentInfo({ collectionName: 'journal' });
      const copy = await fx.client.getPersistentSegmentInfo({ collectionName: 'journal_copy' });

      // Assess
      expect(source.infos.map((s) => s.num_rows)).toEqual(['4']);
      expect(copy.infos.map((s) => s.num_rows)).toEqual(['4']);
      expect(copy.infos[0]?.segmentID).not.toBe(source.infos[0]?.segmentID);
    });

    it('answers 100 for an unknown collection and takes the database from dbName or the connection', async () => {
      // Prepare
      await fx.client.createDatabase({ db_name: 'vault' });
      await createTestCollection(fx.client, { name: 'kept', database: 'vault' });
      await insertRows(fx.client, 'kept', 1, 2, { database: 'vault' });
      await flush(fx.client, 'kept', 'vault');
      const inVault = await fx.connect({ database: 'vault' });

      // Act
      const unknown = await fx.client.getPersistentSegmentInfo({ collectionName: 'ghost' });
      const byName = await fx.client.getPersistentSegmentInfo({ collectionName: 'kept', dbName: 'vault' });
      const byConnection = await inVault.getPersistentSegmentInfo({ collectionName: 'kept' });

      // Assess
      expect(unknown.status).toMatchObject({ code: 100, error_code: 'CollectionNotExists' });
      expect(byName.infos).toHaveLength(1);
      expect(byConnection.infos).toHaveLength(1);
    });
  });

  describe('DescribeCollection', () => {
    it('returns the collection ID (an int64 string) and a hybrid-timestamp created_timestamp', async () => {
      // Prepare
      const createdAt = clock.advance(60_000);
      await createTestCollection(fx.client, { name: 'identity' });

      // Act
      const described = await fx.client.describeCollection({ collection_name: 'identity' });
      const listed = await fx.client.showCollections();

      // Assess
      expect(described.collectionID).toMatch(/^\d+$/);
      expect(BigInt(described.collectionID) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
      expect(Number(BigInt(described.created_timestamp) >> 18n)).toBe(createdAt);
      expect(described.created_utc_timestamp).toBe(String(createdAt));
      expect(listed.data.find((c) => c.name === 'identity')?.id).toBe(described.collectionID);
    });

    it('gives a re-created collection of the same name a new ID, so callers can tell them apart', async () => {
      // Prepare
      await createTestCollection(fx.client, { name: 'reborn' });
      const first = await fx.client.describeCollection({ collection_name: 'reborn' });
      await fx.client.dropCollection({ collection_name: 'reborn' });
      await createTestCollection(fx.client, { name: 'reborn' });

      // Act
      const second = await fx.client.describeCollection({ collection_name: 'reborn' });

      // Assess
      expect(second.collectionID).not.toBe(first.collectionID);
      expect(BigInt(second.created_timestamp) > BigInt(first.created_timestamp)).toBe(true);
    });
  });
});
