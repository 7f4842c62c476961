import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../emulator';
import {
  createTestCollection,
  type EmulatorFixture,
  flush,
  insertRows,
  startFixture,
} from './support/emulator-fixture';
import { RawMilvusClient } from './support/raw-client';

const START = Date.UTC(2026, 10, 21, 3, 0, 0);
const DAY_MS = 86_400_000;

// One test (at least) per row of the "Per call" table of milvus-snapshot-semantics.md.
// One emulator per file (an SDK client takes ~100 ms to build); each test gets its own collection.
describe('snapshot API conformance', () => {
  let fx: EmulatorFixture;
  const clock = new ManualClock(START);
  let serial = 0;
  let orders = '';

  beforeAll(async () => {
    fx = await startFixture({ clock });
  });

  afterAll(async () => {
    await fx.close();
  });

  beforeEach(async () => {
    serial += 1;
    orders = `orders_${serial}`;
    await createTestCollection(fx.client, { name: orders });
    await insertRows(fx.client, orders, 1, 10);
    await flush(fx.client, orders);
  });

  const pinsOfThisTest = () => fx.emulator.inspect.pins().filter((p) => p.collection === orders);
  const snapshot = (name: string, extra: Record<string, unknown> = {}) =>
    fx.client.createSnapshot({ collection_name: orders, snapshot_name: name, ...extra });

  describe('CreateSnapshot', () => {
    it('succeeds and the snapshot is listed at once', async () => {
      // Act
      const created = await snapshot('daily_20261121_030000', { description: 'nightly' });
      const listed = await fx.client.listSnapshots({ collection_name: orders });

      // Assess
      expect(created).toMatchObject({ error_code: 'Success', code: 0 });
      expect(listed.snapshots).toEqual(['daily_20261121_030000']);
    });

    it('answers code 100 when the collection does not exist', async () => {
      // Act
      const result = await fx.client.createSnapshot({ collection_name: 'missing', snapshot_name: 'snap' });

      // Assess
      expect(result).toMatchObject({ code: 100, error_code: 'CollectionNotExists' });
      expect(result.reason).toContain('collection not found');
    });

    it('answers 1100 for a name already used in that collection', async () => {
      // Prepare
      await snapshot('weekly');

      // Act
      const result = await snapshot('weekly');

      // Assess
      expect(result).toMatchObject({
        code: 1100,
        error_code: 'IllegalArgument',
        reason: 'snapshot name weekly already exists: invalid parameter',
      });
    });

    it('keeps names unique per collection, not globally', async () => {
      // Prepare
      await createTestCollection(fx.client, { name: `invoices_${serial}` });
      await snapshot('daily_20261121_030000');

      // Act
      const other = await fx.client.createSnapshot({
        collection_name: `invoices_${serial}`,
        snapshot_name: 'daily_20261121_030000',
      });

      // Assess
      expect(other.error_code).toBe('Success');
    });

    it.each([-1, 604_801])('answers 1100 for compaction_protection_seconds %i', async (seconds) => {
      // Act
      const result = await snapshot('protected', { compaction_protection_seconds: seconds });

      // Assess
      expect(result.code).toBe(1100);
      expect(result.reason).toContain('compaction_protection_seconds');
    });

    it('accepts compaction_protection_seconds at the bounds', async () => {
      // Act
      const low = await snapshot('p0', { compaction_protection_seconds: 0 });
      const high = await snapshot('p7d', { compaction_protection_seconds: 604_800 });

      // Assess
      expect([low.error_code, high.error_code]).toEqual(['Success', 'Success']);
    });

    it.each([
      ['daily-2026', '-', 5],
      ['v2.1_release', '.', 2],
      ['nightly backup', ' ', 7],
      ['a/b', '/', 1],
      ['me@home', '@', 2],
      ['tag#1', '#', 3],
    ])('rejects %j (found %j at %i) with code 1100', async (name, found, at) => {
      // Act
      const result = await snapshot(name);

      // Assess
      expect(result).toMatchObject({
        code: 1100,
        error_code: 'IllegalArgument',
        reason: `snapshot name can only contain numbers, letters, underscores, and allowed characters ($), found ${found} at ${at}: invalid parameter`,
      });
    });

    it('rejects a blank name, a name starting with a digit, and one longer than 255 characters, in the words of the server', async () => {
      // Act
      const blank = await snapshot('   ');
      const digit = await snapshot('2026_daily');
      const long = await snapshot(`s${'x'.repeat(255)}`);
      const longest = await snapshot(`s${'x'.repeat(254)}`);

      // Assess: merr's fields follow the words; the first character is reported by its code
      expect(blank).toMatchObject({
        code: 1100,
        reason: 'snapshot name should be not empty: invalid parameter[expected=not empty][actual=]',
      });
      expect(digit).toMatchObject({
        code: 1100,
        reason:
          'the first character of snapshot name must be an underscore or letter: invalid parameter[expected=95][actual=50]',
      });
      expect(long).toMatchObject({
        code: 1100,
        reason:
          'the length of snapshot name must be not greater than limit: invalid parameter[256 out of range 0 <= value <= 255]',
      });
      expect(longest.error_code).toBe('Success');
    });

    it('validates a padded name trimmed but keeps it as sent, and accepts `$` and a leading underscore', async () => {
      // Act
      const created = await snapshot('  _cost$report  ');
      const trimmed = await fx.client.describeSnapshot({
        collection_name: orders,
        snapshot_name: '_cost$report',
      });
      const asSent = await fx.client.describeSnapshot({
        collection_name: orders,
        snapshot_name: '  _cost$report  ',
      });

      // Assess
      expect(created.error_code).toBe('Success');
      expect(trimmed.status.code).toBe(2600);
      expect(asSent.name).toBe('  _cost$report  ');
    });

    it('does not flush: rows still growing are not in the snapshot', async () => {
      // Prepare
      await insertRows(fx.client, orders, 11, 15);

      // Act
      await snapshot('without_tail');

      // Assess
      expect(fx.emulator.inspect.snapshots('default', orders)).toMatchObject([
        { name: 'without_tail', rowCount: 10 },
      ]);
      expect(fx.emulator.inspect.rowCounts('default', orders)).toMatchObject({ sealed: 10, growing: 5 });
    });

    it('snapshots a collection with only growing data, or none, as a valid empty snapshot', async () => {
      // Prepare
      const fresh = `fresh_${serial}`;
      await createTestCollection(fx.client, { name: fresh });
      await insertRows(fx.client, fresh, 1, 3);

      // Act
      const result = await fx.client.createSnapshot({ collection_name: fresh, snapshot_name: 'empty' });

      // Assess
      expect(result.error_code).toBe('Success');
      expect(fx.emulator.inspect.snapshots('default', fresh)).toMatchObject([{ rowCount: 0, segments: 0 }]);
    });
  });

  describe('ListSnapshots', () => {
    it('returns an empty list when there are none', async () => {
      // Act
      const result = await fx.client.listSnapshots({ collection_name: orders });

      // Assess
      expect(result.status.error_code).toBe('Success');
      expect(result.snapshots).toEqual([]);
    });

    it('returns names only, and not in creation order', async () => {
      // Prepare
      const names = ['s1', 's2', 's3', 's4', 's5', 's6'];
      for (const name of names) {
        await snapshot(name);
      }

      // Act
      const result = await fx.client.listSnapshots({ collection_name: orders });

      // Assess
      expect([...result.snapshots].sort()).toEqual(names);
      expect(result.snapshots).not.toEqual(names);
    });

    it('answers code 100 for an unknown collection', async () => {
      // Act
      const result = await fx.client.listSnapshots({ collection_name: 'missing' });

      // Assess
      expect(result.status.code).toBe(100);
    });

    it('answers 1101 "collection_name is required for ListSnapshots" to an empty collection name (the SDK refuses before sending)', async () => {
      // Prepare
      const raw = new RawMilvusClient(fx.emulator.address);

      // Act
      const sdk = await fx.client
        .listSnapshots({ collection_name: '' })
        .catch((error: Error) => error.message);
      const wire = await raw.call('ListSnapshots', { collection_name: '' });
      raw.close();

      // Assess
      expect(sdk).toBe('The `collection_name` property is missing.');
      expect(wire).toMatchObject({
        response: {
          status: {
            code: 1101,
            error_code: 'IllegalArgument',
            reason: 'collection_name is required for ListSnapshots: missing parameter',
          },
        },
      });
    });
  });

  describe('DescribeSnapshot', () => {
    it('returns name, description, collection, partitions with _default, a TSO create_ts and a location', async () => {
      // Prepare
      const takenAt = clock.advance(5_000);
      await snapshot('described', { description: 'before the migration' });

      // Act
      const result = await fx.client.describeSnapshot({
        collection_name: orders,
        snapshot_name: 'described',
      });

      // Assess
      expect(result).toMatchObject({
        name: 'described',
        description: 'before the migration',
        collection_name: orders,
        partition_names: ['_default'],
      });
      expect(typeof result.create_ts).toBe('string');
      expect(Number(BigInt(result.create_ts) >> 18n)).toBe(takenAt);
      expect(result.s3_location).toMatch(/^snapshots\/\d+\/metadata\/\d+\.json$/);
    });

    it('answers 2600 for an unknown snapshot and 100 for an unknown collection', async () => {
      // Act
      const unknownSnapshot = await fx.client.describeSnapshot({
        collection_name: orders,
        snapshot_name: 'nope',
      });
      const unknownCollection = await fx.client.describeSnapshot({
        collection_name: 'missing',
        snapshot_name: 'x',
      });

      // Assess
      expect(unknownSnapshot.status).toMatchObject({ code: 2600, error_code: 'UnexpectedError' });
      expect(unknownSnapshot.status.reason).toContain('snapshot not found');
      expect(unknownCollection.status.code).toBe(100);
    });
  });

  describe('DropSnapshot', () => {
    it('drops, and answers Success again when the snapshot no longer exists', async () => {
      // Prepare
      await snapshot('old');

      // Act
      const first = await fx.client.dropSnapshot({ collection_name: orders, snapshot_name: 'old' });
      const second = await fx.client.dropSnapshot({ collection_name: orders, snapshot_name: 'old' });
      const never = await fx.client.dropSnapshot({ collection_name: orders, snapshot_name: 'never_existed' });

      // Assess
      expect([first.error_code, second.error_code, never.error_code]).toEqual([
        'Success',
        'Success',
        'Success',
      ]);
      expect(fx.emulator.inspect.snapshots('default', orders)).toEqual([]);
    });

    it('answers 2601 while a pin holds the snapshot, and drops it once unpinned', async () => {
      // Prepare
      await snapshot('held');
      const pin = await fx.client.pinSnapshotData({ collection_name: orders, snapshot_name: 'held' });

      // Act
      const blocked = await fx.client.dropSnapshot({ collection_name: orders, snapshot_name: 'held' });
      await fx.client.unpinSnapshotData({ pin_id: pin.pin_id });
      const dropped = await fx.client.dropSnapshot({ collection_name: orders, snapshot_name: 'held' });

      // Assess
      expect(blocked).toMatchObject({
        code: 2601,
        error_code: 'UnexpectedError',
        reason: '1 active pins, unpin before dropping: snapshot is pinned[snapshot=held]',
      });
      expect(dropped.error_code).toBe('Success');
    });
  });

  describe('PinSnapshotData / UnpinSnapshotData', () => {
    it('returns a positive int64 pin id as a string', async () => {
      // Prepare
      await snapshot('pinned');

      // Act
      const result = await fx.client.pinSnapshotData({ collection_name: orders, snapshot_name: 'pinned' });

      // Assess
      expect(result.status.error_code).toBe('Success');
      expect(result.pin_id).toMatch(/^[1-9]\d*$/);
      expect(BigInt(result.pin_id) > 0n).toBe(true);
    });

    it('answers 2600 for an unknown snapshot, naming the collection by its ID as datacoord does', async () => {
      // Prepare
      const { collectionID } = await fx.client.describeCollection({ collection_name: orders });

      // Act
      const result = await fx.client.pinSnapshotData({ collection_name: orders, snapshot_name: 'ghost' });

      // Assess
      expect(result.status).toMatchObject({
        code: 2600,
        reason: `collection ${collectionID}: snapshot not found[snapshot=ghost]`,
      });
    });

    it('checks the TTL before looking the snapshot up, as the proxy does', async () => {
      // Act
      const badTtl = await fx.client.pinSnapshotData({
        collection_name: orders,
        snapshot_name: 'ghost',
        ttl_seconds: -1,
      });
      const tooLong = await fx.client.pinSnapshotData({
        collection_name: orders,
        snapshot_name: 'ghost',
        ttl_seconds: 2_592_001,
      });

      // Assess
      expect(badTtl.status).toMatchObject({
        code: 1100,
        reason: 'ttl_seconds must be non-negative: invalid parameter',
      });
      expect(tooLong.status).toMatchObject({
        code: 1100,
        reason: 'ttl_seconds exceeds maximum of 2592000 (30 days): invalid parameter',
      });
    });

    it.each([-1, 2_592_001])('answers 1100 for ttl_seconds %i', async (ttl) => {
      // Prepare
      await snapshot('ttl');

      // Act
      const result = await fx.client.pinSnapshotData({
        collection_name: orders,
        snapshot_name: 'ttl',
        ttl_seconds: ttl,
      });

      // Assess
      expect(result.status).toMatchObject({ code: 1100, error_code: 'IllegalArgument' });
    });

    it('releases a TTL pin when it expires, on the emulator clock', async () => {
      // Prepare
      await snapshot('ttl');
      await fx.client.pinSnapshotData({ collection_name: orders, snapshot_name: 'ttl', ttl_seconds: 3_600 });

      // Act
      clock.advance(3_599_000);
      const stillPinned = await fx.client.dropSnapshot({ collection_name: orders, snapshot_name: 'ttl' });
      clock.advance(1_000);
      const dropped = await fx.client.dropSnapshot({ collection_name: orders, snapshot_name: 'ttl' });

      // Assess
      expect(stillPinned.code).toBe(2601);
      expect(dropped.error_code).toBe('Success');
    });

    it('keeps a ttl_seconds 0 pin until it is unpinned', async () => {
      // Prepare
      await snapshot('forever');
      const pin = await fx.client.pinSnapshotData({
        collection_name: orders,
        snapshot_name: 'forever',
        ttl_seconds: 0,
      });

      // Act
      clock.advance(40 * DAY_MS);
      const blocked = await fx.client.dropSnapshot({ collection_name: orders, snapshot_name: 'forever' });

      // Assess
      expect(blocked.code).toBe(2601);
      expect(pinsOfThisTest()).toMatchObject([
        { pinId: pin.pin_id, kind: 'user', snapshot: 'forever', expiresAtMs: null },
      ]);
    });

    it('unpins idempotently: unknown, already released and expired pins all answer Success', async () => {
      // Prepare
      await snapshot('brief');
      const pin = await fx.client.pinSnapshotData({
        collection_name: orders,
        snapshot_name: 'brief',
        ttl_seconds: 1,
      });
      const other = await fx.client.pinSnapshotData({ collection_name: orders, snapshot_name: 'brief' });
      clock.advance(2_000);

      // Act
      const expired = await fx.client.unpinSnapshotData({ pin_id: pin.pin_id });
      const first = await fx.client.unpinSnapshotData({ pin_id: other.pin_id });
      const again = await fx.client.unpinSnapshotData({ pin_id: other.pin_id });
      const unknown = await fx.client.unpinSnapshotData({ pin_id: '123456789' });

      // Assess
      expect([expired, first, again, unknown].map((r) => r.error_code)).toEqual([
        'Success',
        'Success',
        'Success',
        'Success',
      ]);
      expect(pinsOfThisTest()).toEqual([]);
    });

    it('answers 1101 to pin_id 0', async () => {
      // Act
      const result = await fx.client.unpinSnapshotData({ pin_id: 0 });

      // Assess
      expect(result).toMatchObject({
        code: 1101,
        error_code: 'IllegalArgument',
        reason: 'pin_id is required for unpin snapshot data: missing parameter',
      });
    });
  });

  describe('dropping a collection', () => {
    it('drops its snapshots; a re-created collection of that name starts with none', async () => {
      // Prepare
      await snapshot('gone_with_it');

      // Act
      await fx.client.dropCollection({ collection_name: orders });
      await createTestCollection(fx.client, { name: orders });
      const listed = await fx.client.listSnapshots({ collection_name: orders });

      // Assess
      expect(listed.snapshots).toEqual([]);
    });

    it('keeps a pinned snapshot until it is unpinned', async () => {
      // Prepare
      await snapshot('kept');
      const pin = await fx.client.pinSnapshotData({ collection_name: orders, snapshot_name: 'kept' });

      // Act
      await fx.client.dropCollection({ collection_name: orders });
      const whileDropped = fx.emulator.inspect.snapshots('default', orders);
      const describe = await fx.client.describeSnapshot({ collection_name: orders, snapshot_name: 'kept' });
      await fx.client.unpinSnapshotData({ pin_id: pin.pin_id });

      // Assess
      expect(whileDropped).toMatchObject([{ name: 'kept', pinned: true, collectionDropped: true }]);
      expect(describe.status.code).toBe(100);
      expect(fx.emulator.inspect.snapshots('default', orders)).toEqual([]);
      expect(pinsOfThisTest()).toEqual([]);
    });
  });
});
